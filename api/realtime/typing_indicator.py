"""Typing indicators: "X is typing" in a conversation, live over the WebSocket, never stored.

A client sends `{"type":"typing","conversation_id":…}` while its user types (the SPA at most every
2 s) and `{"type":"typing","conversation_id":…,"state":"stopped"}` when they send or leave. The
server throttles each socket to one broadcast per conversation per THROTTLE_SECONDS and stamps
`expires_in_seconds`: a client that dies stops refreshing and the indicator disappears by itself.
"""

from __future__ import annotations

from typing import Any

THROTTLE_SECONDS = 2.0
EXPIRES_SECONDS = 6


def typing_message(conversation_id: str, user_id: str, name: str, state: str) -> dict[str, Any]:
    # No seq: ephemeral, never replayed (as presence).
    return {
        "type": "typing",
        "conversation_id": conversation_id,
        "data": {
            "conversation_id": conversation_id,
            "user_id": user_id,
            "name": name,
            "state": state,
            "expires_in_seconds": EXPIRES_SECONDS if state == "typing" else 0,
        },
    }


def should_send(last_sent: dict[str, float], conversation_id: str, state: str, now: float) -> bool:
    """Throttle (pure but for the dict it updates): a `typing` frame per conversation at most every
    THROTTLE_SECONDS; a `stopped` frame always (and it resets the throttle)."""
    if state == "stopped":
        last_sent.pop(conversation_id, None)
        return True
    previous = last_sent.get(conversation_id)
    if previous is not None and now - previous < THROTTLE_SECONDS:
        return False
    last_sent[conversation_id] = now
    return True
