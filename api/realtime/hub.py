"""Per-process fan-out. One Redis pub/sub connection per API process, subscribed to the channel of
each organization that has a socket here; every message is decoded and rendered once (once per user
where it must be: presence) and the same ASGI message is sent, in place, to each local socket that
may see it (see Subscriber: no task or queue per socket unless its client falls behind).

A socket joins only once Redis has confirmed its organization's subscription, and only then runs its
catch-up query, so every event is either in the replay or arrives live (see catchup.py). If the
pub/sub connection breaks, events may have been missed: every local socket is asked to reconnect,
which resumes it from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import types
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from api.kit.time import utc_now
from api.realtime import limits, presence
from api.realtime.config import RealtimeConfig
from api.realtime.frames import CONTROL_CHANNEL, addressed_to, control, for_viewer, org_channel, render

log = logging.getLogger(__name__)

_PING_EVERY = 10.0
_SILENCE_LIMIT = 30.0  # no message, not even a pong: the connection is dead even if TCP says not


class HubUnavailable(RuntimeError):
    """Redis pub/sub is not connected: the socket should retry later."""


# An ASGI `websocket.send` message. Servers only read it, so one serves every socket.
Frame = dict[str, Any]


def text_frame(text: str) -> Frame:
    return {"type": "websocket.send", "text": text}


@types.coroutine
def _finish(coro: Generator[Any, Any, None], waiting: Any) -> Generator[Any, Any, None]:
    """Let a task finish a coroutine that was started by hand and is suspended on `waiting` (what
    Python 3.12's eager tasks do): values and exceptions (cancellation) are passed through."""
    while True:
        try:
            value = yield waiting
        except BaseException as exc:
            try:
                waiting = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            waiting = coro.send(value)
        except StopIteration:
            return


class Subscriber:
    """One open socket as the hub sees it: its organization, its user (None for an API key) and its
    ASGI send, which is given the same `websocket.send` message (see `text_frame`) as every other
    socket: nothing is rendered, encoded or allocated per socket.

    No task and no queue of its own while it keeps up: the hub calls `offer` with a frame rendered
    once for every socket, and the send runs right there, because writing to a socket whose client
    reads is synchronous (uvicorn's ASGI send awaits only while the transport's buffer is above its
    high-water mark). Only a send that has to wait gets a task, and frames arriving meanwhile wait
    in `backlog`, in order, up to `queue_limit`; past it the socket is kicked: asked to reconnect and
    resume from PostgreSQL, rather than buffering without bound or holding up the others."""

    __slots__ = (
        "_task",
        "backlog",
        "credential",
        "id",
        "kicked",
        "last_seq",
        "name",
        "on_kick",
        "organization_id",
        "queue_limit",
        "send",
        "user_id",
        "viewing",
    )

    def __init__(
        self,
        organization_id: str,
        user_id: str | None,
        queue_limit: int,
        name: str = "",
        credential: str = "",
        send: Callable[[Frame], Awaitable[None]] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.credential = credential  # whose socket budget it counts against (realtime.limits)
        self.organization_id = organization_id
        self.user_id = user_id
        self.name = name
        self.queue_limit = queue_limit
        self.kicked: str | None = None
        self.viewing: set[str] = set()  # conversations it announced (presence)
        self.send = send  # the ASGI send
        # Called once when kicked (closes the socket); it runs as a task.
        self.on_kick: Callable[[str], Coroutine[Any, Any, None]] | None = None
        self.last_seq = 0  # live frames at or below it were already sent (by catch-up)
        # Frames waiting for the socket, in order, with their seq: until `release` (catch-up is
        # being sent) and while a send waits for the client. None otherwise: the fast path.
        self.backlog: deque[tuple[int | None, Frame]] | None = deque()
        self._task: asyncio.Task[None] | None = None

    def offer(self, seq: int | None, frame: Frame) -> None:
        if self.kicked:
            return
        backlog = self.backlog
        if backlog is not None:
            if len(backlog) >= self.queue_limit:
                self.kick("too far behind")
                return
            backlog.append((seq, frame))
            return
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        self._send_now(frame)

    def release(self, last_seq: int) -> None:
        """Catch-up sent everything up to `last_seq`: send what arrived meanwhile, then go live."""
        self.last_seq = last_seq
        if self.backlog:
            self._start_draining(None)
        else:
            self.backlog = None

    def kick(self, reason: str) -> None:
        """Ask the socket to reconnect (and resume from PostgreSQL): drop what waits, and close it."""
        if self.kicked is not None:
            return
        self.kicked = reason
        self.backlog = None
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()  # a send stuck on a client that does not read
        if self.on_kick is not None:
            self._task = asyncio.get_running_loop().create_task(self.on_kick(reason))

    def stop(self) -> None:
        """The socket is gone: send nothing more. (Once kicked, the task is the one closing it.)"""
        if self.kicked is not None:
            return
        self.kicked = "closed"
        self.backlog = None
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    def _send_now(self, frame: Frame) -> None:
        assert self.send is not None
        coro = self.send(frame).__await__()
        try:
            waiting = coro.send(None)
        except StopIteration:
            return  # written
        except Exception:  # the socket closed under us (disconnect, close sent): its receive loop ends it
            self.stop()
            return
        # The client is not reading fast enough: the rest of this send waits in a task, and frames
        # arriving meanwhile queue behind it.
        self.backlog = deque()
        self._start_draining(_finish(coro, waiting))

    def _start_draining(self, pending: Any) -> None:
        self._task = asyncio.get_running_loop().create_task(self._drain(pending))

    async def _drain(self, pending: Any) -> None:
        try:
            if pending is not None:
                await pending
            while self.backlog:
                seq, frame = self.backlog.popleft()
                if seq is not None:
                    if seq <= self.last_seq:
                        continue
                    self.last_seq = seq
                assert self.send is not None
                await self.send(frame)
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket closed under us
            self.stop()
            return
        if self.kicked is None:
            self.backlog = None  # caught up: back to sending in place
            self._task = None


class RealtimeHub:
    def __init__(self, redis: Redis, config: RealtimeConfig | None = None) -> None:
        self.redis = redis
        self.config = config or RealtimeConfig()
        self._subscribers: dict[str, set[Subscriber]] = {}
        # The same sockets per channel and user (None: API keys), for frames that differ per user.
        self._by_user: dict[str, dict[str | None, set[Subscriber]]] = {}
        self._active: set[str] = set()  # channels Redis confirmed (and not unsubscribed since)
        self._requested: dict[str, asyncio.Future[None]] = {}  # SUBSCRIBE in flight, per channel
        self._confirmations: dict[str, deque[asyncio.Future[None]]] = {}  # in the order sent
        self._linger: dict[str, asyncio.TimerHandle] = {}
        self._pubsub: PubSub | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background: the API serves HTTP even while Redis is away."""
        self._task = asyncio.create_task(self._run(), name="realtime-hub")
        self._ticker = asyncio.create_task(self._tick(), name="realtime-heartbeat")

    async def stop(self) -> None:
        for task in (self._task, self._ticker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._reset("server shutting down")

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    def socket_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    # -- sockets -----------------------------------------------------------------------------------

    async def join(self, subscriber: Subscriber) -> None:
        """Returns once events of the subscriber's organization published from now on reach it."""
        if not self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout=2.0)
        if not self._ready.is_set() or self._pubsub is None:
            raise HubUnavailable("realtime is not connected to Redis")
        channel = org_channel(subscriber.organization_id)
        self._subscribers.setdefault(channel, set()).add(subscriber)
        self._by_user.setdefault(channel, {}).setdefault(subscriber.user_id, set()).add(subscriber)
        handle = self._linger.pop(channel, None)
        if handle is not None:
            handle.cancel()
        if channel in self._active:
            return
        confirmed = self._requested.get(channel)
        first = confirmed is None  # the first joiner sends SUBSCRIBE; later ones wait for the same reply
        if confirmed is None:
            confirmed = asyncio.get_running_loop().create_future()
            self._requested[channel] = confirmed
            self._confirmations.setdefault(channel, deque()).append(confirmed)
        try:
            if first:
                await self._pubsub.subscribe(channel)
            await asyncio.wait_for(asyncio.shield(confirmed), timeout=5.0)
        except (TimeoutError, HubUnavailable, OSError, RedisError) as exc:
            self.leave(subscriber)
            raise HubUnavailable("Redis did not confirm the subscription") from exc

    def leave(self, subscriber: Subscriber) -> None:
        channel = org_channel(subscriber.organization_id)
        members = self._subscribers.get(channel)
        if not members:
            return
        members.discard(subscriber)
        users = self._by_user.get(channel, {})
        same_user = users.get(subscriber.user_id)
        if same_user is not None:
            same_user.discard(subscriber)
            if not same_user:
                del users[subscriber.user_id]
        if not members and channel not in self._linger:
            loop = asyncio.get_running_loop()
            self._linger[channel] = loop.call_later(self.config.unsubscribe_linger_seconds, self._unsubscribe, channel)

    def kick_all(self, reason: str) -> None:
        for members in self._subscribers.values():
            for s in members:
                s.kick(reason)

    def _unsubscribe(self, channel: str) -> None:
        self._linger.pop(channel, None)
        if self._subscribers.get(channel):
            return
        self._subscribers.pop(channel, None)
        self._by_user.pop(channel, None)
        self._active.discard(channel)
        self._requested.pop(channel, None)  # a later join must send its own SUBSCRIBE
        if self._pubsub is not None:
            task = asyncio.get_running_loop().create_task(_unsubscribe(self._pubsub, channel))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _tick(self) -> None:
        """One timer for every socket of the process (rather than one per socket): a heartbeat frame,
        rendered once, one pipeline that keeps the presence of every viewing socket alive, and one
        that renews the socket slots (realtime.limits) of every socket of the process."""
        last = time.monotonic()
        while True:
            # Wake at least every second so a changed interval applies without waiting out the old one.
            await asyncio.sleep(min(1.0, self.config.heartbeat_seconds))
            if time.monotonic() - last < self.config.heartbeat_seconds:
                continue
            last = time.monotonic()
            heartbeat = text_frame(control("heartbeat", utc_now()))
            viewers = []
            slots = []
            for members in list(self._subscribers.values()):
                for s in members:
                    s.offer(None, heartbeat)
                    if s.credential:
                        slots.append((s.credential, s.id))
                    if s.user_id is not None:
                        viewers += [(s.organization_id, c, s.id, s.user_id, s.name) for c in s.viewing]
            if viewers:
                try:
                    await presence.refresh(self.redis, viewers, self.config.presence_ttl_seconds)
                except (RedisError, OSError) as exc:
                    log.warning("realtime: presence refresh failed (%s)", exc)
            if slots:
                try:
                    await limits.renew_sockets(self.redis, slots, self.config.socket_slot_ttl_seconds)
                except (RedisError, OSError) as exc:
                    log.warning("realtime: socket slot renewal failed (%s)", exc)

    # -- the pub/sub connection ------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(CONTROL_CHANNEL)
                self._pubsub = pubsub
                await self._listen(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._ready.is_set():
                    log.warning("realtime: Redis pub/sub lost (%s); sockets will reconnect", exc)
                    backoff = 0.2
            finally:
                self._pubsub = None
                self._reset("realtime connection lost")
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _listen(self, pubsub: PubSub) -> None:
        last_heard = last_ping = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=2.0)
            now = time.monotonic()
            if message is None:
                if now - last_heard > _SILENCE_LIMIT:
                    raise ConnectionError("pub/sub connection silent")
                if now - last_ping > _PING_EVERY:
                    last_ping = now
                    await pubsub.ping()
                continue
            last_heard = now
            kind = message["type"]
            channel = _text(message.get("channel"))
            if kind == "message":
                if channel == CONTROL_CHANNEL:
                    self._control(message["data"])
                else:
                    self._dispatch(channel, message["data"])
            elif kind == "subscribe":
                if channel == CONTROL_CHANNEL:
                    self._ready.set()
                else:
                    self._confirmed(channel)

    def _confirmed(self, channel: str) -> None:
        # Redis confirms SUBSCRIBEs in the order they were sent; pair them up the same way.
        waiting = self._confirmations.get(channel)
        if not waiting:
            return
        future = waiting.popleft()
        if self._requested.get(channel) is future:
            del self._requested[channel]
            self._active.add(channel)
        if not future.done():
            future.set_result(None)

    def _reset(self, reason: str) -> None:
        self._ready.clear()
        self.kick_all(reason)
        for waiting in self._confirmations.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(HubUnavailable(reason))
                    future.exception()  # retrieved: nobody may be waiting any more
        for handle in self._linger.values():
            handle.cancel()
        self._subscribers.clear()
        self._by_user.clear()
        self._active.clear()
        self._requested.clear()
        self._confirmations.clear()
        self._linger.clear()

    def _control(self, data: bytes | str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        if message.get("type") == "reconnect":
            self.kick_all(str(message.get("reason") or "requested"))

    def _dispatch(self, channel: str, data: bytes | str) -> None:
        """Decode once, render once per organization (once per user where the frame differs per
        user: presence; only the addressee's sockets for a notification), and hand the same str to
        every socket that may see it."""
        members = self._subscribers.get(channel)
        if not members:
            return
        try:
            message: dict[str, Any] = json.loads(data)
        except ValueError:
            log.warning("realtime: unreadable message on %s", channel)
            return
        now = utc_now()
        seq = message.get("seq")
        addressee = addressed_to(message)
        if addressee is not None:  # a notification: only its user's sockets
            sockets = self._by_user.get(channel, {}).get(addressee)
            if sockets:
                frame = text_frame(render(message, now))
                for s in sockets:
                    s.offer(seq, frame)
        elif message.get("type") == "presence":
            for user_id, sockets in self._by_user.get(channel, {}).items():
                frame = text_frame(render(for_viewer(message, user_id), now))
                for s in sockets:
                    s.offer(seq, frame)
        else:
            frame = text_frame(render(message, now))
            for s in members:
                s.offer(seq, frame)


async def _unsubscribe(pubsub: PubSub, channel: str) -> None:
    await pubsub.unsubscribe(channel)


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return value or ""
