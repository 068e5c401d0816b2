"""Typing indicators over the WebSocket: fanned out to the organization, throttled, never to another
tenant, with an expiry so a dead client's indicator disappears."""

import asyncio
import uuid

from api.realtime.typing_indicator import THROTTLE_SECONDS, should_send


async def test_typing_reaches_the_others_and_not_another_tenant(tenant, other_tenant, open_socket):
    conversation = str(uuid.uuid4())
    agent = await open_socket(tenant.agent_token)
    admin = await open_socket(tenant.admin_token)
    outsider = await open_socket(other_tenant.agent_token)
    await agent.send({"type": "typing", "conversation_id": conversation})
    frame = await admin.next("typing")
    assert frame["conversation_id"] == conversation
    assert frame["data"]["user_id"] == str(tenant.agent_id) and frame["data"]["state"] == "typing"
    assert frame["data"]["name"] == "Agent" and frame["data"]["expires_in_seconds"] > 0
    # Throttled: a second keystroke burst right away is not broadcast; "stopped" always is.
    await agent.send({"type": "typing", "conversation_id": conversation})
    await agent.send({"type": "typing", "conversation_id": conversation, "state": "stopped"})
    assert (await admin.next("typing"))["data"]["state"] == "stopped"
    await agent.send({"type": "typing", "conversation_id": "not-a-uuid"})  # ignored
    try:
        await outsider.next("typing", within=0.5)
        raise AssertionError("another organization saw a typing indicator")
    except TimeoutError:
        pass
    await asyncio.sleep(0)


def test_throttle():
    sent: dict[str, float] = {}
    assert should_send(sent, "c", "typing", 100.0)
    assert not should_send(sent, "c", "typing", 100.0 + THROTTLE_SECONDS / 2)
    assert should_send(sent, "d", "typing", 100.5)  # per conversation
    assert should_send(sent, "c", "typing", 100.0 + THROTTLE_SECONDS)
    assert should_send(sent, "c", "stopped", 102.1) and should_send(sent, "c", "typing", 102.2)
