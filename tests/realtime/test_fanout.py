"""The hub's fan-out: each event is decoded and rendered once per organization (once per user where
the frame differs per user), whatever the number of sockets, and a socket whose client does not
read is kicked without holding up the others. Against a real Redis; the sockets are stand-ins for
the ASGI send, the outer boundary."""

import asyncio
import json
import uuid

import pytest

from api.realtime import hub as hub_module
from api.realtime.frames import org_channel, presence_message
from api.realtime.hub import RealtimeHub, Subscriber, text_frame


class FakeSocket:
    """What the hub sees of a socket: an ASGI send. A `stuck` one never completes a send, as when the
    client stopped reading and the transport's buffer is full."""

    def __init__(self, stuck: bool = False) -> None:
        self.frames: list[dict] = []
        self.texts: list[str] = []
        self.stuck = stuck
        self.closed: str | None = None

    async def send(self, message: dict) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        assert message["type"] == "websocket.send"
        self.texts.append(message["text"])
        self.frames.append(json.loads(message["text"]))

    async def close(self, reason: str) -> None:
        self.closed = reason


@pytest.fixture
async def hub(redis):
    hub = RealtimeHub(redis)
    await hub.start()
    yield hub
    await hub.stop()


async def _join(hub, org, user, *, stuck=False, queue_limit=100):
    sock = FakeSocket(stuck)
    sub = Subscriber(org, user, queue_limit, send=sock.send)
    sub.on_kick = sock.close
    await hub.join(sub)
    sub.release(0)  # nothing to catch up
    return sub, sock


async def _until(condition, within=10.0):
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - a condition over many sockets, not one event
            await asyncio.sleep(0.01)


@pytest.fixture
def renders(monkeypatch):
    calls = []
    real = hub_module.render

    def counting(message, now):
        calls.append(message)
        return real(message, now)

    monkeypatch.setattr(hub_module, "render", counting)
    return calls


@pytest.mark.parametrize("sockets", [1, 300])
async def test_each_event_is_rendered_once_per_organization(hub, redis, renders, sockets):
    org, other = str(uuid.uuid4()), str(uuid.uuid4())
    ours = [await _join(hub, org, f"user-{i % 7}" if i % 5 else None) for i in range(sockets)]
    theirs = [await _join(hub, other, "them") for _ in range(3)]
    for seq in (1, 2):
        await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": seq, "data": {}}))
    await _until(lambda: all(len(sock.frames) == 2 for _, sock in ours))
    assert len(renders) == 2  # one per event, not one per socket
    assert all([f["seq"] for f in sock.frames] == [1, 2] for _, sock in ours)
    assert len({id(sock.texts[0]) for _, sock in ours}) == 1  # the very same str went to every socket
    assert all(sock.frames == [] for _, sock in theirs)


async def test_per_user_frames_are_rendered_once_per_user(hub, redis, renders):
    org = str(uuid.uuid4())
    sockets = [await _join(hub, org, user) for user in ["a"] * 20 + ["b"] * 20 + [None] * 5]
    presence = presence_message("c", [{"user_id": "a", "name": "A"}, {"user_id": "b", "name": "B"}])
    await redis.publish(org_channel(org), json.dumps(presence))
    await redis.publish(org_channel(org), json.dumps({"type": "notification", "seq": 1, "data": {"user_id": "b"}}))
    await _until(lambda: all(sock.frames for _, sock in sockets))
    await _until(lambda: all(len(sock.frames) == 2 for sub, sock in sockets if sub.user_id == "b"))
    assert len(renders) == 3 + 1  # presence for a, b and the API keys; the notification once
    for sub, sock in sockets:
        viewers = {v["user_id"] for v in sock.frames[0]["data"]["viewers"]}
        assert viewers == {"a", "b"} - {sub.user_id}
    # Order, not a quiet period: a frame published after the notification reaches everyone, and for
    # the others it comes right after presence, so they never had the notification.
    await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": 2, "data": {}}))
    await _until(lambda: all(sock.frames[-1]["type"] == "note.created" for _, sock in sockets))
    for sub, sock in sockets:
        expected = ["presence", "notification", "note.created"] if sub.user_id == "b" else ["presence", "note.created"]
        assert [f["type"] for f in sock.frames] == expected


async def test_a_stuck_socket_is_kicked_without_holding_up_the_others(hub, redis):
    org = str(uuid.uuid4())
    before = [await _join(hub, org, "u") for _ in range(3)]
    stuck_sub, stuck = await _join(hub, org, "u", stuck=True, queue_limit=5)
    after = [await _join(hub, org, "u") for _ in range(3)]
    for seq in range(1, 21):
        await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": seq, "data": {}}))
    await _until(lambda: all(len(sock.frames) == 20 for _, sock in before + after))
    for _, sock in before + after:
        assert [f["seq"] for f in sock.frames] == list(range(1, 21))
    # The first frame is stuck in its send, five wait behind it, the next one kicks it.
    assert stuck_sub.kicked == "too far behind" and stuck.frames == []
    await _until(lambda: stuck.closed is not None)
    assert stuck.closed == "too far behind"
    assert stuck_sub.backlog is None  # what waited was dropped: it resumes from PostgreSQL


async def test_a_socket_that_falls_behind_and_catches_up_keeps_order(hub, redis):
    """A send that has to wait queues what follows it; once it completes the socket is back on the
    fast path, in seq order, with nothing lost or repeated."""
    org = str(uuid.uuid4())
    gate = asyncio.Event()
    frames = []

    async def send(message):
        if len(frames) == 1 and not gate.is_set():
            await gate.wait()
        frames.append(json.loads(message["text"])["seq"])

    sub = Subscriber(org, "u", 100, send=send)
    await hub.join(sub)
    sub.offer(1, text_frame('{"seq":1}'))  # held: catch-up not sent yet
    sub.release(1)  # catch-up covered seq 1: the held frame is dropped
    for seq in range(2, 8):
        await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": seq, "data": {}}))
    await _until(lambda: sub.backlog is not None and len(sub.backlog) == 4)  # 3 waits in its send
    gate.set()
    await _until(lambda: sub.backlog is None)
    await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": 8, "data": {}}))
    await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": 3, "data": {}}))  # a repeat
    await redis.publish(org_channel(org), json.dumps({"type": "note.created", "seq": 9, "data": {}}))
    await _until(lambda: frames[-1] == 9)
    assert frames == list(range(2, 10)) and sub.kicked is None


@pytest.mark.parametrize("count", [1, 6])
async def test_through_real_sockets_an_event_is_rendered_once(tenant, open_socket, sessionmaker, relay, renders, count):
    from api.outbox import events

    tokens = [tenant.agent_token, tenant.admin_token, tenant.api_key]
    socks = [await open_socket(tokens[i % 3]) for i in range(count)]
    async with sessionmaker.begin() as s:
        events.emit(s, tenant.org_id, "note.created", {"n": 1})
    await relay()
    for sock in socks:
        assert (await sock.next("note.created"))["data"] == {"n": 1}
    assert [m["type"] for m in renders] == ["note.created"]
