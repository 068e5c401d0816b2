"""The SLA timer loop: fires escalation tiers and breaches at their second, and the sweep that gives
clocks to conversations that should have one (e.g. ingested before a policy existed)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Any

from api.db import Session, Sessionmaker
from api.kit.time import utc_now
from api.sla import repository as sla_repository
from api.sla import service as sla_service
from api.sla.timers import fire_due, next_due
from workers.loops import MORE, TIMERS, Loop, LoopRunner, StepResult, until_due

# Timers claimed per transaction. A batch costs the same few statements whatever its size (see
# api.sla.timers), so a burst drains in large batches; 1,000 keeps each transaction short.
BATCH = 1000
# While a backlog lasts (each batch came back full), the next batch doubles, up to MAX_BATCH: the
# per-batch costs (commit, statement round trips, the sort and set-up of the plan) are spread over more
# timers. It falls back to BATCH as soon as a batch is not full, so steady traffic keeps short
# transactions (a claimed conversation stays locked until its batch commits).
MAX_BATCH = 4000
# The longest sleep: a timer scheduled earlier than the next due one notifies hourglass_timers at
# commit and wakes the loop, so this is only the safety net for a lost notification.
MAX_SLEEP = timedelta(seconds=30)
# Due but not claimed (another worker holds it): look again soon, without spinning.
RECHECK = timedelta(milliseconds=50)


def next_batch(size: int, fired: int) -> int:
    """The size of the next claim after one of `size` fired `fired` timers."""
    return min(MAX_BATCH, size * 2) if fired >= size else BATCH


def timer_step(sessionmaker: Sessionmaker) -> Any:
    size = BATCH

    async def step() -> StepResult:
        """Claim and fire due timers; then sleep until the next due time (at most MAX_SLEEP). Nothing
        was fired unless it committed, so a database error only delays the firing (the runner retries)."""
        nonlocal size
        claimed = size
        async with sessionmaker.begin() as session:
            fired = await fire_due(session, utc_now(), claimed)
        size = next_batch(claimed, len(fired))
        if len(fired) == claimed:
            return MORE
        async with sessionmaker() as session:
            upcoming = await next_due(session)
        # A timer that fell due while this batch ran is claimed at once; one that was due before it and
        # was not claimed is held by another worker: look again after RECHECK.
        return until_due(upcoming, utc_now(), recheck=RECHECK if not fired else timedelta(0), cap=MAX_SLEEP)

    return step


def timer_loop(sessionmaker: Sessionmaker, name: str = "sla_timers") -> Loop:
    return Loop(name, timer_step(sessionmaker), channels=(TIMERS,), poll=MAX_SLEEP.total_seconds())


async def run_timer_loop(sessionmaker: Sessionmaker, stop: asyncio.Event) -> None:
    """The timer loop alone until `stop` is set (tests and one-off runs; the worker runs it with its
    other loops in one runner)."""
    runner = LoopRunner()
    runner.add(timer_loop(sessionmaker))
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()


# The sweep examines slices of conversations (a primary-key range each, one clock probe per waiting
# row: about 70 ms for 5,000 at 1M conversations; a larger slice is planned as a hash join over every
# open clock) until its time budget is spent, then continues from there the next minute. Its cost is
# bounded whatever the table's size: an inbox of 20,000 conversations is covered every minute, 1M in
# about an hour. (The whole anti-join every minute took 1.4 s at 1M conversations and grew with them.)
SWEEP_CHUNK = 5_000
SWEEP_BUDGET_SECONDS = 0.5
SWEEP_CURSOR = "hourglass:sla_sweep:after"  # where the next sweep starts; lost with Redis, it starts over


async def reconcile_missing_clocks(
    session: Session, after: uuid.UUID | None = None, *, chunk: int = SWEEP_CHUNK, limit: int = 500
) -> tuple[int, uuid.UUID | None]:
    """Conversations waiting on a reply without an open marketplace clock get one, among the next
    `chunk` conversations after `after`. Returns how many got one and where the next sweep starts."""
    rows, next_after = await sla_repository.claim_waiting_without_clock(
        session, sla_service.MARKETPLACE_RESPONSE, after, chunk, limit
    )
    for conversation in rows:
        await sla_service.reconcile(session, conversation)
    return len(rows), next_after


async def sla_sweep_job(ctx: dict[str, Any]) -> int:
    """Slices from where the last sweep stopped, each in its own transaction, until the budget is spent
    or every conversation was examined; returns how many conversations got a clock."""
    redis = ctx["redis"]
    stored = await redis.get(SWEEP_CURSOR)
    after = uuid.UUID(stored.decode() if isinstance(stored, bytes) else stored) if stored else None
    started, given = time.monotonic(), 0
    while True:
        async with ctx["sessionmaker"].begin() as session:
            n, after = await reconcile_missing_clocks(session, after, chunk=SWEEP_CHUNK)
        given += n
        if after is None or time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
    if after is None:
        await redis.delete(SWEEP_CURSOR)
    else:
        await redis.set(SWEEP_CURSOR, str(after))
    return given
