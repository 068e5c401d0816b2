"""Firing due escalation tiers and breaches, exactly once, at their time.

Due times live in Postgres (`sla_timers`, partial index on unfired rows). A poller claims due rows
with `FOR UPDATE SKIP LOCKED`, stamps `fired_at` and applies the effects in the same transaction, so
a killed worker, a flushed Redis or a restarted PostgreSQL can neither lose a firing (the claim rolls
back and the row is due again) nor repeat one (a fired row is never claimed again). Timers of stopped
clocks fire only if they fell due before the clock stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Conversation, SlaClock, SlaTimer
from api.sla import escalation

CLAIM_SQL = text(
    """
    WITH due AS (
        SELECT t.id
        FROM sla_timers t
        JOIN sla_clocks c ON c.id = t.clock_id
        WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= :now
          AND (c.stopped_at IS NULL OR t.due_at < c.stopped_at)
        ORDER BY t.due_at
        LIMIT :limit
        FOR UPDATE OF t SKIP LOCKED
    )
    UPDATE sla_timers SET fired_at = clock_timestamp()
    FROM due WHERE sla_timers.id = due.id
    RETURNING sla_timers.id
    """
)
NEXT_DUE_SQL = text("SELECT min(due_at) FROM sla_timers WHERE fired_at IS NULL AND cancelled_at IS NULL")


@dataclass(frozen=True)
class Fired:
    timer_id: int
    action: str
    due_at: datetime
    fired_at: datetime


async def fire_due(session: AsyncSession, now: datetime, limit: int = 200) -> list[Fired]:
    ids = [row[0] for row in await session.execute(CLAIM_SQL, {"now": now, "limit": limit})]
    if not ids:
        return []
    rows = (
        await session.execute(
            select(SlaTimer, SlaClock)
            .join(SlaClock, SlaClock.id == SlaTimer.clock_id)
            .where(SlaTimer.id.in_(ids))
            .order_by(SlaTimer.due_at)
        )
    ).all()
    # One locking read for the whole batch: effects may reassign or change SLA state.
    conversation_ids = {clock.conversation_id for _, clock in rows}
    conversations = {
        c.id: c
        for c in (
            await session.execute(
                select(Conversation)
                .where(Conversation.id.in_(conversation_ids))
                .order_by(Conversation.id)
                .with_for_update()
            )
        ).scalars()
    }
    fired: list[Fired] = []
    for timer, clock in rows:
        await escalation.apply(session, timer, clock, conversations[clock.conversation_id])
        assert timer.fired_at is not None
        fired.append(Fired(timer_id=timer.id, action=timer.action, due_at=timer.due_at, fired_at=timer.fired_at))
    return fired


async def next_due(session: AsyncSession) -> datetime | None:
    return (await session.execute(NEXT_DUE_SQL)).scalar_one_or_none()
