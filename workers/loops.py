"""One runner for the loops that live beside the arq jobs (outbox relay, webhooks, automation, SLA timers,
sync polls and pushes, reply delivery).

Each loop is a `Loop`: a name, a `step` coroutine and the NOTIFY channels that mean "there may be work".
A step returns what it wants next:

- `MORE` (0): run again at once (a full batch was taken, more is probably waiting);
- a number of seconds: sleep that long at most (e.g. until the next timer falls due);
- `None`: idle, sleep until woken or until the loop's safety poll.

The runner owns the rest, once for all loops: start and a prompt stop, back-off with jitter after a step
raises (a database that is down is survived: nothing a step did counts unless it committed), Prometheus
metrics, and waking. Waking comes from one LISTEN connection per worker process (`Listener`), a raw asyncpg
connection of its own, reconnected when it drops. Writers NOTIFY in the transaction of their change (see
migration 0007's triggers), so the wake-up arrives at commit. While the listener is down, loops with
channels poll every `fallback_poll` seconds instead, and every loop is woken once it is back, so a
notification lost in between delays work, never loses it. The safety polls stay long (seconds): an idle
worker sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.db import DATABASE_UNAVAILABLE
from api.ops.metrics import LOOP_BUSY, LOOP_ERRORS, LOOP_ITERATIONS

log = logging.getLogger(__name__)

MORE = 0.0

# The channels writers notify (the trigger function is created by migration 0007).
OUTBOX = "hourglass_outbox"
TIMERS = "hourglass_timers"
CHANNELS = "hourglass_channels"

StepResult = float | None
Step = Callable[[], Awaitable[StepResult]]

# Errors that mean "the database or the network is away": logged in one line, not as a crash.
TRANSIENT: tuple[type[BaseException], ...] = (*DATABASE_UNAVAILABLE, TimeoutError)


@dataclass(eq=False)
class Loop:
    name: str
    step: Step
    channels: tuple[str, ...] = ()
    # Seconds between steps when idle and nothing woke the loop: the safety net for lost notifications
    # and for work that becomes due with the passing of time.
    poll: float = 10.0
    # Called once after the loop has stopped (e.g. to let requests in flight finish and record them).
    drain: Callable[[], Awaitable[None]] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def backoff(failures: int, rng: random.Random, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Full jitter: workers that lost the database together do not come back in lockstep."""
    return rng.uniform(base / 2, min(cap, base * 2 ** min(failures - 1, 16)))


def until_due(
    upcoming: datetime | None,
    now: datetime,
    *,
    recheck: timedelta,
    cap: timedelta,
    resolution: timedelta = timedelta(0),
) -> StepResult:
    """What a step that fires due rows returns after firing what was due: sleep until `upcoming` (the
    next row's due time), at least `resolution`, at most `cap`; `recheck` when it is already due but was
    not taken (another worker holds it); idle (`None`) when nothing is scheduled. SLA timers sleep to the
    millisecond (resolution 0): rounding the wait up to `recheck` made a steady stream of them fire half a
    `recheck` late on average. Loops whose work can wait a little (snoozes, retries) keep a coarser
    resolution and wake less often."""
    if upcoming is None:
        return None
    wait = upcoming - now
    return min(cap, max(resolution, wait if wait > timedelta(0) else recheck)).total_seconds()


Connect = Callable[[], Awaitable[Any]]


class Listener:
    """One LISTEN connection for the process: a notification on a channel sets the wake event of every
    loop that listens to it. The connection is checked every `keepalive` seconds (a peer that vanished
    without closing the socket is noticed) and reopened with back-off when it drops."""

    def __init__(self, connect: Connect, *, keepalive: float = 30.0, rng: random.Random | None = None) -> None:
        self._connect = connect
        self._keepalive = keepalive
        self._rng = rng or random.Random()  # jitter, not secrecy
        self._wakes: dict[str, list[asyncio.Event]] = {}
        self._all: list[asyncio.Event] = []
        self.connected = False

    def subscribe(self, channels: Iterable[str], wake: asyncio.Event) -> None:
        for channel in channels:
            self._wakes.setdefault(channel, []).append(wake)
        self._all.append(wake)

    def _notified(self, _conn: Any, _pid: int, channel: str, _payload: str) -> None:
        for wake in self._wakes.get(channel, ()):
            wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            conn: Any = None
            lost = asyncio.Event()
            try:
                conn = await asyncio.wait_for(self._connect(), timeout=10)
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                for channel in self._wakes:
                    await conn.add_listener(channel, self._notified)
                self.connected = True
                failures = 0
                for wake in self._all:  # whatever was notified while nobody listened
                    wake.set()
                while not stop.is_set() and not lost.is_set():
                    await _wait_any((stop, lost), self._keepalive)
                    if not stop.is_set() and not lost.is_set():
                        await asyncio.wait_for(conn.execute("SELECT 1"), timeout=10)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("loop listener: %s; reconnecting", type(exc).__name__)
            finally:
                self.connected = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), timeout=5)
            if not stop.is_set():
                failures += 1
                await _wait_any((stop,), backoff(failures, self._rng, base=1.0, cap=30.0))


async def _wait_any(events: Iterable[asyncio.Event], seconds: float) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class LoopRunner:
    def __init__(
        self,
        listener: Listener | None = None,
        *,
        fallback_poll: float = 5.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.listener = listener
        self.fallback_poll = fallback_poll
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.rng = rng or random.Random()  # jitter, not secrecy
        self.loops: dict[str, Loop] = {}
        self._stop = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._listener_task: asyncio.Task[None] | None = None

    def add(self, loop: Loop) -> Loop:
        if loop.name in self.loops:
            raise ValueError(f"a loop named {loop.name!r} is already registered")
        self.loops[loop.name] = loop
        if self.listener is not None:
            self.listener.subscribe(loop.channels, loop.wake)
        return loop

    def wake(self, name: str) -> None:
        """Wake a loop of this process (e.g. the relay saw work for it)."""
        loop = self.loops.get(name)
        if loop is not None:
            loop.wake.set()

    def start(self) -> None:
        if self.listener is not None:
            self._listener_task = asyncio.create_task(self.listener.run(self._stop), name="loop-listener")
        for loop in self.loops.values():
            self._tasks[loop.name] = asyncio.create_task(self._run(loop), name=f"loop-{loop.name}")

    async def stop(self, grace: float = 30.0) -> None:
        """Steps in progress finish (bounded by `grace` seconds), then each loop's drain runs."""
        self._stop.set()
        for loop in self.loops.values():
            loop.wake.set()
        tasks = [*self._tasks.values(), *([self._listener_task] if self._listener_task else [])]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for loop in self.loops.values():
            if loop.drain is not None:
                try:
                    await asyncio.wait_for(loop.drain(), timeout=grace)
                except Exception:
                    log.exception("loop %s: drain failed", loop.name)
        self._tasks.clear()
        self._listener_task = None

    async def _run(self, loop: Loop) -> None:
        failures = 0
        labels = (loop.name,)
        while not self._stop.is_set():
            # Cleared before the step: a notification that arrives while it runs wakes the next sleep.
            loop.wake.clear()
            started = time.perf_counter()
            delay: StepResult
            try:
                delay = await loop.step()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                LOOP_ERRORS.labels(*labels).inc()
                delay = backoff(failures, self.rng, base=self.backoff_base, cap=self.backoff_cap)
                if isinstance(exc, TRANSIENT):
                    log.warning("loop %s: %s; retrying in %.1f s", loop.name, type(exc).__name__, delay)
                else:
                    log.exception("loop %s: step failed; retrying in %.1f s", loop.name, delay)
            finally:
                LOOP_ITERATIONS.labels(*labels).inc()
                LOOP_BUSY.labels(*labels).inc(time.perf_counter() - started)
            if delay is None:
                delay = loop.poll
            if loop.channels and self.listener is not None and not self.listener.connected:
                delay = min(delay, self.fallback_poll)
            if delay <= 0:
                await asyncio.sleep(0)  # let the rest of the process run between full batches
                continue
            if failures:
                # Backing off: notifications must not turn an outage into a retry storm.
                await _wait_any((self._stop,), delay)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(loop.wake.wait(), timeout=delay)


def asyncpg_connect(engine: Any) -> Connect:
    """A raw asyncpg connection to the engine's database, outside its pool (a LISTEN connection is
    never handed back to a pool)."""
    import asyncpg

    _, kwargs = engine.dialect.create_connect_args(engine.url)
    kwargs = {k: v for k, v in kwargs.items() if k in {"host", "port", "user", "password", "database", "ssl"}}

    async def connect() -> Any:
        return await asyncpg.connect(**kwargs, server_settings={"application_name": "hourglass-listen"})

    return connect
