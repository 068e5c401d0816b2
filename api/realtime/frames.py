"""The WebSocket wire format, and who may receive what. Pure: no I/O.

Every frame is one JSON object with `type` and `server_time` (ISO 8601, so clients can correct their
clock offset). Event frames add `seq` (the publication sequence: resume with `?since=<seq>`),
`event_id` (the outbox id, the same on every delivery of one event), `conversation_id` and `data`.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

# The outbox speaks in domain events; the socket speaks in what the screen needs to redraw.
WS_TYPES = {
    "message.received": "message.created",
    "message.queued": "message.created",
    "message.accepted": "message.delivery_updated",
    "message.sent": "message.delivery_updated",
    "message.failed": "message.delivery_updated",
}

CONTROL_CHANNEL = "hg:realtime:control"


def org_channel(organization_id: uuid.UUID | str) -> str:
    return f"hg:org:{organization_id}"


def ws_type(event_type: str) -> str:
    return WS_TYPES.get(event_type, event_type)


def event_message(
    event_type: str, seq: int, event_id: int, conversation_id: uuid.UUID | str | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """What the relay publishes (and catch-up replays): a frame without `server_time`, which each API
    process stamps when it sends."""
    return {
        "type": ws_type(event_type),
        "seq": seq,
        "event_id": event_id,
        "conversation_id": str(conversation_id) if conversation_id else None,
        "data": payload.get("data", {}),
    }


def presence_message(conversation_id: str, viewers: list[dict[str, str]]) -> dict[str, Any]:
    # No seq: presence is ephemeral state, never replayed; a reconnecting client re-announces itself.
    return {
        "type": "presence",
        "conversation_id": conversation_id,
        "data": {"conversation_id": conversation_id, "viewers": viewers},
    }


def addressed_to(message: dict[str, Any]) -> str | None:
    """The one user a frame is for, or None when it is for every member of the organization:
    notifications belong to the user they are addressed to (one naming nobody is for nobody, "")."""
    if message.get("type") != "notification":
        return None
    data = message.get("data")
    user = data.get("user_id") if isinstance(data, dict) else None
    return user if isinstance(user, str) and user else ""


def visible_to(message: dict[str, Any], user_id: str | None) -> bool:
    """Everything in the organization is visible to its members, except notifications, which belong
    to the one user they are addressed to (API keys have no notifications)."""
    target = addressed_to(message)
    return target is None or (user_id is not None and target == user_id)


def for_viewer(message: dict[str, Any], user_id: str | None) -> dict[str, Any]:
    """Presence lists the other viewers: a tab never shows its own user as 'also viewing'."""
    if message.get("type") != "presence":
        return message
    viewers = [v for v in message["data"].get("viewers", []) if v.get("user_id") != user_id]
    return {**message, "data": {**message["data"], "viewers": viewers}}


def render(message: dict[str, Any], server_time: datetime) -> str:
    return json.dumps({**message, "server_time": server_time.isoformat()}, separators=(",", ":"))


def control(kind: str, server_time: datetime, **extra: Any) -> str:
    """hello / heartbeat / reconnect / resync."""
    return json.dumps({"type": kind, "server_time": server_time.isoformat(), **extra}, separators=(",", ":"))
