"""The SLA timer loop: fires escalation tiers and breaches at their second, and the sweep that gives
clocks to conversations that should have one (e.g. ingested before a policy existed)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.kit.time import utc_now
from api.models import Conversation, SlaClock
from api.sla import service as sla_service
from api.sla.timers import fire_due, next_due
from workers.loops import MORE, TIMERS, Loop, LoopRunner, StepResult

# Timers claimed per transaction. A batch costs the same few statements whatever its size (see
# api.sla.timers), so a burst drains in large batches; 1,000 keeps each transaction short.
BATCH = 1000
# The longest sleep: a timer scheduled earlier than the next due one notifies hourglass_timers at
# commit and wakes the loop, so this is only the safety net for a lost notification.
MAX_SLEEP = timedelta(seconds=30)
# Due but not claimed (another worker holds it): look again soon, without spinning.
RECHECK = timedelta(milliseconds=50)


def timer_step(sessionmaker: async_sessionmaker[AsyncSession]) -> Any:
    async def step() -> StepResult:
        """Claim and fire due timers; then sleep until the next due time (at most MAX_SLEEP). Nothing
        was fired unless it committed, so a database error only delays the firing (the runner retries)."""
        async with sessionmaker.begin() as session:
            fired = await fire_due(session, utc_now(), BATCH)
        if len(fired) == BATCH:
            return MORE
        async with sessionmaker() as session:
            upcoming = await next_due(session)
        if upcoming is None:
            return None
        return min(MAX_SLEEP, max(RECHECK, upcoming - utc_now())).total_seconds()

    return step


def timer_loop(sessionmaker: async_sessionmaker[AsyncSession], name: str = "sla_timers") -> Loop:
    return Loop(name, timer_step(sessionmaker), channels=(TIMERS,), poll=MAX_SLEEP.total_seconds())


async def run_timer_loop(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    """The timer loop alone until `stop` is set (tests and one-off runs; the worker runs it with its
    other loops in one runner)."""
    runner = LoopRunner()
    runner.add(timer_loop(sessionmaker))
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()


async def reconcile_missing_clocks(session: AsyncSession, limit: int = 500) -> int:
    """Conversations waiting on a reply without an open marketplace clock get one."""
    open_clock = exists().where(
        and_(
            SlaClock.conversation_id == Conversation.id,
            SlaClock.stopped_at.is_(None),
            SlaClock.kind.in_(sla_service.MARKETPLACE_RESPONSE),
        )
    )
    rows = list(
        (
            await session.execute(
                select(Conversation)
                .where(Conversation.waiting_since.is_not(None), ~open_clock)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    for conversation in rows:
        await sla_service.reconcile(session, conversation)
    return len(rows)


async def sla_sweep_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessionmaker"].begin() as session:
        return await reconcile_missing_clocks(session)
