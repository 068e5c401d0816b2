"""The worker's loop runner: back-off after a failing step, a prompt stop, and waking by NOTIFY.

Polls here are an hour long, so a test that completes was woken by what it claims (a notification, a
reconnect, the stop), never by a poll; the bounded waits only turn a hang into a failure.
"""

import asyncio
import random
from collections.abc import Callable

from sqlalchemy import text

from api.auth import service as auth_service
from api.ops.metrics import LOOP_ERRORS, LOOP_ITERATIONS
from api.outbox import events
from workers.loops import CHANNELS, MORE, OUTBOX, Listener, Loop, LoopRunner, StepResult, asyncpg_connect, backoff

HOUR = 3600.0


class Recorder:
    """A step that records each call (and can be told what to do on the next ones)."""

    def __init__(self, script: list[object] | None = None) -> None:
        self.calls = 0
        self.script = list(script or [])
        self.changed = asyncio.Condition()

    async def step(self) -> StepResult:
        self.calls += 1
        async with self.changed:
            self.changed.notify_all()
        action = self.script.pop(0) if self.script else None
        if isinstance(action, BaseException):
            raise action
        return action  # type: ignore[return-value]

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout=20)


def _metric(counter, name: str) -> float:  # type: ignore[no-untyped-def]
    return counter.labels(name)._value.get()


def test_backoff_grows_with_failures_and_stays_jittered_within_the_cap() -> None:
    rng = random.Random(1)
    for failures in range(1, 30):
        delays = [backoff(failures, rng, base=0.5, cap=30.0) for _ in range(50)]
        assert all(0.25 <= d <= min(30.0, 0.5 * 2 ** (failures - 1)) for d in delays)
        if failures > 2:
            assert len(set(delays)) > 1  # jittered: workers do not retry in lockstep


async def test_a_failing_step_is_retried_with_backoff_and_counted() -> None:
    rec = Recorder([OSError("database away"), RuntimeError("a bug"), MORE, None])
    runner = LoopRunner(backoff_base=0.001, backoff_cap=0.002)
    errors_before = _metric(LOOP_ERRORS, "flaky")
    runs_before = _metric(LOOP_ITERATIONS, "flaky")
    runner.add(Loop("flaky", rec.step, poll=HOUR))
    runner.start()
    # Two failures, then MORE (runs again at once), then idle: four steps, and the loop sleeps.
    await rec.until(lambda: rec.calls >= 4)
    await asyncio.wait_for(runner.stop(), timeout=20)
    assert rec.calls == 4
    assert _metric(LOOP_ERRORS, "flaky") - errors_before == 2
    assert _metric(LOOP_ITERATIONS, "flaky") - runs_before == 4


async def test_stop_interrupts_an_idle_sleep_and_then_drains() -> None:
    drained: list[str] = []
    rec = Recorder()

    async def drain() -> None:
        drained.append("drained")

    runner = LoopRunner()
    runner.add(Loop("idle", rec.step, poll=HOUR, drain=drain))
    runner.start()
    await rec.until(lambda: rec.calls == 1)
    await asyncio.wait_for(runner.stop(), timeout=20)  # the poll is an hour: only the stop ends the sleep
    assert rec.calls == 1 and drained == ["drained"]


async def test_stop_interrupts_a_backoff() -> None:
    rec = Recorder([OSError("away")])
    runner = LoopRunner(backoff_base=HOUR, backoff_cap=HOUR)
    runner.add(Loop("down", rec.step, poll=HOUR))
    runner.start()
    await rec.until(lambda: rec.calls == 1)
    await asyncio.wait_for(runner.stop(), timeout=20)
    assert rec.calls == 1


async def test_a_notification_wakes_a_sleeping_loop_and_only_its_listeners(engine) -> None:  # type: ignore[no-untyped-def]
    listener = Listener(asyncpg_connect(engine))
    woken, other = Recorder(), Recorder()
    runner = LoopRunner(listener)
    runner.add(Loop("woken", woken.step, channels=("hourglass_test_wake",), poll=HOUR))
    runner.add(Loop("other", other.step, channels=("hourglass_test_other",), poll=HOUR))
    runner.start()
    try:
        # First step at start, a second when the listener connects (it wakes everyone once).
        await woken.until(lambda: listener.connected and woken.calls >= 2)
        await other.until(lambda: other.calls >= 2)
        before, other_before = woken.calls, other.calls
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_notify('hourglass_test_wake', '')"))
        await woken.until(lambda: woken.calls == before + 1)
        assert other.calls == other_before
    finally:
        await asyncio.wait_for(runner.stop(), timeout=20)


async def test_an_outbox_insert_notifies_the_relay_channel_at_commit(engine, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        org = await auth_service.create_organization(session, "Wake Org")
    listener = Listener(asyncpg_connect(engine))
    rec = Recorder()
    runner = LoopRunner(listener)
    runner.add(Loop("relay", rec.step, channels=(OUTBOX,), poll=HOUR))
    runner.start()
    try:
        await rec.until(lambda: listener.connected and rec.calls >= 2)
        before = rec.calls
        # The writer only adds the row: the table's trigger announces it, at commit.
        async with sessionmaker.begin() as session:
            events.emit(session, org.id, "note.created", {"note": "y"})
        await rec.until(lambda: rec.calls == before + 1)
    finally:
        await asyncio.wait_for(runner.stop(), timeout=20)


async def test_the_listener_reconnects_after_its_connection_is_killed(engine) -> None:  # type: ignore[no-untyped-def]
    listener = Listener(asyncpg_connect(engine))
    rec = Recorder()
    runner = LoopRunner(listener)
    runner.add(Loop("relay", rec.step, channels=("hourglass_test_wake",), poll=HOUR))
    runner.start()
    try:
        await rec.until(lambda: listener.connected and rec.calls >= 2)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'hourglass-listen' AND pid <> pg_backend_pid()"
                    " AND datname = current_database()"
                )
            )
        # Back: the reconnect wakes the loop (a notification may have been lost meanwhile) ...
        await rec.until(lambda: rec.calls >= 3)
        await rec.until(lambda: listener.connected)
        before = rec.calls
        # ... and notifications arrive on the new connection.
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_notify('hourglass_test_wake', '')"))
        await rec.until(lambda: rec.calls == before + 1)
    finally:
        await asyncio.wait_for(runner.stop(), timeout=20)


async def test_loops_poll_on_the_fallback_interval_while_nobody_listens() -> None:
    async def refuse() -> None:
        raise OSError("connection refused")

    listener = Listener(refuse)  # type: ignore[arg-type]
    rec = Recorder()
    runner = LoopRunner(listener, fallback_poll=0.01)
    runner.add(Loop("relay", rec.step, channels=(OUTBOX,), poll=HOUR))
    runner.start()
    try:
        await rec.until(lambda: rec.calls >= 3)  # an hour's poll, yet it keeps stepping
        assert not listener.connected
    finally:
        await asyncio.wait_for(runner.stop(), timeout=20)


async def test_an_outbox_insert_notifies_once_per_statement_and_never_for_no_row(engine, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """The outbox trigger runs per statement (a timer batch writes thousands of events in one INSERT):
    a multi-row INSERT announces itself once, an INSERT ... SELECT that wrote nothing not at all (a
    barrier notified after each commit shows what the commit sent, notifications arriving in order)."""
    async with sessionmaker.begin() as session:
        org = await auth_service.create_organization(session, "Outbox Wake Org")
    conn = await asyncpg_connect(engine)()
    heard: asyncio.Queue[str] = asyncio.Queue()
    insert = text(
        "INSERT INTO outbox_events (organization_id, event_type, payload) "
        "SELECT :org, 'note.created', '{}'::jsonb FROM generate_series(1, :n)"
    )
    try:
        for name in (OUTBOX, "hourglass_test_barrier"):
            await conn.add_listener(name, lambda _c, _p, ch, _pl: heard.put_nowait(ch))
        for n, expected in ((0, ["hourglass_test_barrier"]), (3, [OUTBOX, "hourglass_test_barrier"])):
            async with engine.begin() as c:
                await c.execute(insert, {"org": org.id, "n": n})
                await c.execute(insert, {"org": org.id, "n": 0})
            async with engine.begin() as c:
                await c.execute(text("SELECT pg_notify('hourglass_test_barrier', '')"))
            got = [await asyncio.wait_for(heard.get(), timeout=20) for _ in expected]
            assert got == expected
    finally:
        await conn.close()


async def test_an_empty_claim_does_not_wake_the_scheduler_but_a_changed_schedule_does(engine, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """Notifications reach a listener in commit order, so a barrier notified after the claim's commit
    shows whether the claim notified (a statement trigger did, for an UPDATE of no row, and the poll
    scheduler woke itself forever)."""
    from datetime import timedelta

    from api.models import Channel
    from api.sync import state

    async with sessionmaker.begin() as session:
        org = await auth_service.create_organization(session, "Sched Org")
        channel = Channel(organization_id=org.id, marketplace="api", name="feed")
        session.add(channel)
    conn = await asyncpg_connect(engine)()
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        for name in (CHANNELS, "hourglass_test_barrier"):
            await conn.add_listener(name, lambda _c, _p, ch, _pl: heard.put_nowait(ch))
        async with sessionmaker.begin() as session:
            assert await state.claim_due_channels(session, 5, timedelta(seconds=10)) == []
        async with engine.begin() as c:
            await c.execute(text("SELECT pg_notify('hourglass_test_barrier', '')"))
        assert await asyncio.wait_for(heard.get(), timeout=20) == "hourglass_test_barrier"
        async with sessionmaker.begin() as session:
            await state.patch(session, channel.id, {"next_poll_at": "2030-01-01T00:00:00+00:00"})
        assert await asyncio.wait_for(heard.get(), timeout=20) == CHANNELS
    finally:
        await conn.close()
