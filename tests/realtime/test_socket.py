"""`/v1/ws` against a real server: auth at the handshake, scoping, live frames, catch-up after a
reconnect, heartbeats, the lifetime cap, presence, and no database session held by a socket."""

import asyncio
from datetime import UTC, datetime

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.auth import service as auth_service
from api.outbox import events
from api.outbox.relay import announce_reconnect
from tests.helpers import make_channel, push


async def _emit(sessionmaker, org_id, event_type="note.created", data=None, conversation_id=None):
    async with sessionmaker.begin() as s:
        events.emit(s, org_id, event_type, data or {}, conversation_id=conversation_id)


async def test_hello_carries_server_time_and_the_resume_point(tenant, open_socket):
    before = datetime.now(UTC)
    sock = await open_socket(tenant.agent_token)
    after = datetime.now(UTC)
    hello = sock.hello
    assert hello["seq"] == 0 and hello["data"]["user_id"] == str(tenant.agent_id)
    assert before <= datetime.fromisoformat(hello["server_time"]) <= after  # stamped while connecting


async def test_live_events_with_seq_and_server_time(tenant, open_socket, relay):
    sock = await open_socket(tenant.agent_token)
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"])
    await relay()
    created = await sock.next("conversation.created")
    message = await sock.next("message.created")
    assert created["conversation_id"] == message["conversation_id"] == msg["conversation_id"]
    assert message["data"]["id"] == msg["id"] and message["seq"] > created["seq"] > 0
    assert datetime.fromisoformat(message["server_time"]).tzinfo is not None


async def test_notifications_reach_only_their_user(tenant, open_socket, sessionmaker, relay):
    admin = await open_socket(tenant.admin_token)
    agent = await open_socket(tenant.agent_token)
    key_socket = await open_socket(tenant.api_key)
    await _emit(sessionmaker, tenant.org_id, "notification", {"user_id": str(tenant.agent_id), "title": "Overdue"})
    await _emit(sessionmaker, tenant.org_id, "sla.overdue", {"conversation_id": "x"})
    await relay()
    assert (await agent.next())["type"] == "notification"
    assert (await agent.next())["type"] == "sla.overdue"
    assert (await admin.next())["type"] == "sla.overdue"  # the notification was not for the admin
    assert (await key_socket.next())["type"] == "sla.overdue"


async def test_other_organizations_see_nothing(tenant, other_tenant, open_socket, sessionmaker, relay):
    theirs = await open_socket(other_tenant.agent_token)
    ours = await open_socket(tenant.agent_token)
    await _emit(sessionmaker, tenant.org_id)
    await relay()
    await ours.next("note.created")
    # Order, not a quiet period: an event of their own, relayed after ours, is the first frame they
    # get; had ours leaked, it would have come first.
    await _emit(sessionmaker, other_tenant.org_id, data={"sentinel": True})
    await relay()
    first = await theirs.next()
    assert first["type"] == "note.created" and first["data"] == {"sentinel": True}


@pytest.mark.parametrize("token", [None, "hgs_not-a-session", "hg_deadbeef_nope"])
async def test_refused_credentials_close_with_policy_violation(ws_url, token):
    url = ws_url + (f"?token={token}" if token else "")
    async with connect(url) as conn:
        with pytest.raises(ConnectionClosed) as closed:
            await conn.recv()
    assert closed.value.rcvd.code == 1008


async def test_api_key_needs_conversations_read(tenant, sessionmaker, ws_url):
    async with sessionmaker.begin() as s:
        _, key = await auth_service.create_api_key(s, tenant.org_id, "orders only", ["orders:read"])
    async with connect(f"{ws_url}?token={key}") as conn:
        with pytest.raises(ConnectionClosed) as closed:
            await conn.recv()
    assert closed.value.rcvd.code == 1008


async def test_token_as_subprotocol(tenant, open_socket):
    sock = await open_socket(subprotocols=["hourglass", f"bearer.{tenant.agent_token}"])
    assert sock.conn.subprotocol == "hourglass"
    assert sock.hello["data"]["user_id"] == str(tenant.agent_id)


async def test_catch_up_after_a_reconnect(tenant, open_socket, sessionmaker, relay):
    sock = await open_socket(tenant.agent_token)
    await _emit(sessionmaker, tenant.org_id, data={"n": 0})
    await relay()
    last = (await sock.next("note.created"))["seq"]
    await sock.close()
    for n in (1, 2, 3):  # while it was away
        await _emit(sessionmaker, tenant.org_id, data={"n": n})
    await _emit(sessionmaker, tenant.org_id, "notification", {"user_id": str(tenant.admin_id)})  # not for it
    await relay()
    back = await open_socket(tenant.agent_token, since=last)
    assert back.hello["seq"] == last and back.hello["data"]["resumed"]
    replayed = [await back.next() for _ in range(3)]
    assert [f["data"]["n"] for f in replayed] == [1, 2, 3]
    assert [f["seq"] for f in replayed] == sorted(f["seq"] for f in replayed)
    await _emit(sessionmaker, tenant.org_id, data={"n": 4})  # and then live again
    await relay()
    assert (await back.next())["data"]["n"] == 4


async def test_unknown_or_too_old_resume_points_ask_for_a_resync(tenant, open_socket, sessionmaker, relay, app):
    await _emit(sessionmaker, tenant.org_id)
    await relay()
    sock = await open_socket(tenant.agent_token, since=999_999)
    assert (await sock.next())["type"] == "resync"
    app.state.realtime.config.catch_up_limit = 2
    for _ in range(3):
        await _emit(sessionmaker, tenant.org_id)
    await relay()
    latest = sock.hello["seq"]
    sock2 = await open_socket(tenant.agent_token, since=latest)
    assert (await sock2.next())["type"] == "resync"
    assert sock2.hello["seq"] > latest  # continue from the newest


async def test_reconnecting_while_events_flow_loses_nothing(tenant, open_socket, sessionmaker, relay):
    """Subscribe, then replay, then live: a socket that keeps reconnecting mid-stream still sees every
    event exactly in seq order (duplicates are dropped by seq)."""
    stop = asyncio.Event()

    async def produce():
        for i in range(60):
            await _emit(sessionmaker, tenant.org_id, data={"i": i})
            await relay()
            await asyncio.sleep(0.01)
        stop.set()

    seen = []
    sock = await open_socket(tenant.agent_token)
    producer = asyncio.create_task(produce())
    while not stop.is_set() or len(seen) < 60:
        try:
            # A short poll while the producer runs; once it is done, a generous wait for the rest, so a
            # slow relay fails nothing and a lost event fails after the wait, not after a guess.
            frame = await sock.next("note.created", within=10 if stop.is_set() else 0.15)
            seen.append(frame)
        except TimeoutError:
            if stop.is_set():
                break
        if len(seen) % 7 == 3:  # drop the connection now and then, resume where we were
            await sock.close()
            sock = await open_socket(tenant.agent_token, since=seen[-1]["seq"])
    await producer
    assert [f["data"]["i"] for f in seen] == list(range(60))


async def test_heartbeats(tenant, open_socket, app):
    app.state.realtime.config.heartbeat_seconds = 0.2
    sock = await open_socket(tenant.agent_token)
    beat = await sock.next("heartbeat", within=2)
    assert datetime.fromisoformat(beat["server_time"])


async def test_lifetime_cap_sends_reconnect_then_closes(tenant, open_socket, app):
    app.state.realtime.config.max_lifetime_seconds = 0.5
    sock = await open_socket(tenant.agent_token)
    frame = await sock.next("reconnect", within=3)
    assert "lifetime" in frame["data"]["reason"]
    with pytest.raises(ConnectionClosed) as closed:
        await sock.conn.recv()
    assert closed.value.rcvd.code == 1000


async def test_a_reconnect_request_reaches_every_socket(tenant, other_tenant, open_socket, redis):
    socks = [await open_socket(tenant.agent_token), await open_socket(other_tenant.admin_token)]
    await announce_reconnect(redis, "deploy")
    for sock in socks:
        assert (await sock.next("reconnect"))["data"]["reason"] == "deploy"


async def test_losing_redis_pub_sub_asks_sockets_to_reconnect(tenant, open_socket, app):
    sock = await open_socket(tenant.agent_token)
    hub = app.state.realtime
    await hub._pubsub.connection.disconnect()  # as if Redis went away
    assert (await sock.next("reconnect"))["type"] == "reconnect"
    for _ in range(100):  # the hub reconnects by itself
        if hub.connected:
            break
        await asyncio.sleep(0.05)
    back = await open_socket(tenant.agent_token, since=sock.hello["seq"])
    assert back.hello["data"]["resumed"]


async def test_presence(tenant, open_socket, sessionmaker):
    admin = await open_socket(tenant.admin_token)
    agent = await open_socket(tenant.agent_token)
    conversation = "0b8f5c1e-3f59-4b7a-9a55-5d6f2c1d2e3f"
    await agent.send({"type": "presence", "data": {"conversation_id": conversation, "state": "viewing"}})
    seen_by_admin = await admin.next("presence")
    assert seen_by_admin["data"] == {
        "conversation_id": conversation,
        "viewers": [{"user_id": str(tenant.agent_id), "name": "Agent"}],
    }
    assert (await agent.next("presence"))["data"]["viewers"] == []  # never yourself
    await admin.send({"type": "viewing", "conversation_id": conversation})
    both = await agent.next("presence")
    assert both["data"]["viewers"] == [{"user_id": str(tenant.admin_id), "name": "Admin"}]
    await admin.send({"type": "left", "conversation_id": conversation})
    assert (await agent.next("presence"))["data"]["viewers"] == []
    await admin.send({"type": "viewing", "conversation_id": conversation})
    await agent.next("presence")
    await admin.close()  # closing withdraws
    assert (await agent.next("presence"))["data"]["viewers"] == []
    await agent.send({"type": "viewing", "conversation_id": "not-a-uuid"})  # ignored
    await agent.send("garbage")


async def test_no_database_session_is_held_by_open_sockets(tenant, open_socket, app, sessionmaker, relay):
    socks = [await open_socket(tenant.agent_token) for _ in range(5)]
    await _emit(sessionmaker, tenant.org_id)
    await relay()
    for sock in socks:
        await sock.next("note.created")
    assert app.state.engine.pool.checkedout() == 0
    assert app.state.realtime.socket_count() >= 5
