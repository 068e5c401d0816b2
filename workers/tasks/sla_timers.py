"""The SLA timer loop: fires escalation tiers and breaches at their second, and the sweep that gives
clocks to conversations that should have one (e.g. ingested before a policy existed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.kit.time import utc_now
from api.models import Conversation, SlaClock
from api.sla import service as sla_service
from api.sla.timers import fire_due, next_due

log = logging.getLogger(__name__)

# Timers claimed per transaction. A batch costs the same few statements whatever its size (see
# api.sla.timers), so a burst drains in large batches; 1,000 keeps each transaction short.
BATCH = 1000
MAX_SLEEP = timedelta(milliseconds=250)


async def run_timer_loop(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    """Claim and fire due timers; sleep until the next due time, at most MAX_SLEEP (new timers may
    appear at any moment). Database errors are survived: nothing was fired unless it committed."""
    while not stop.is_set():
        try:
            async with sessionmaker.begin() as session:
                fired = await fire_due(session, utc_now(), BATCH)
            if len(fired) == BATCH:
                continue
            async with sessionmaker() as session:
                upcoming = await next_due(session)
            delay = MAX_SLEEP
            if upcoming is not None:
                delay = max(timedelta(0), min(MAX_SLEEP, upcoming - utc_now()))
        except (OperationalError, DBAPIError, OSError) as exc:
            log.warning("SLA timer loop: database unavailable (%s); retrying", type(exc).__name__)
            delay = timedelta(seconds=1)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay.total_seconds())


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
