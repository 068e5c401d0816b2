"""SQL for the SLA domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, column, func, select, text, update, values
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import BusinessCalendar, Conversation, SlaClock, SlaPolicy, SlaTimer, Team
from api.sla.catalog import BUILTINS


async def policies(session: AsyncSession, organization_id: uuid.UUID) -> list[SlaPolicy]:
    """The organization's policies, materialising the built-in catalog on first use."""
    return (await policies_with_origin(session, organization_id))[0]


async def policies_with_origin(session: AsyncSession, organization_id: uuid.UUID) -> tuple[list[SlaPolicy], bool]:
    """The policies, and whether this call inserted the built-ins (so they are not committed yet)."""
    rows = list(
        (
            await session.execute(
                select(SlaPolicy).where(SlaPolicy.organization_id == organization_id).order_by(SlaPolicy.position)
            )
        ).scalars()
    )
    if any(p.builtin_key == "default" for p in rows):
        return rows, False
    await session.execute(
        insert(SlaPolicy)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "organization_id": organization_id,
                    "name": b.name,
                    "builtin_key": b.key,
                    "source": b.source,
                    "position": b.position,
                    "conditions": b.conditions,
                    "first_response_seconds": b.first_response_seconds,
                    "next_response_seconds": b.next_response_seconds,
                    "automation_counts": b.automation_counts,
                    "tiers": list(b.tiers),
                }
                for b in BUILTINS
            ]
        )
        .on_conflict_do_nothing(index_elements=[SlaPolicy.organization_id, SlaPolicy.builtin_key])
    )
    rows = list(
        (
            await session.execute(
                select(SlaPolicy).where(SlaPolicy.organization_id == organization_id).order_by(SlaPolicy.position)
            )
        ).scalars()
    )
    return rows, True


async def calendar_for(
    session: AsyncSession, organization_id: uuid.UUID, policy: SlaPolicy, team_id: uuid.UUID | None
) -> BusinessCalendar | None:
    """Policy calendar, else the team's, else the organization's default; None means 24/7."""
    calendar_id = policy.calendar_id
    if calendar_id is None and team_id is not None:
        calendar_id = (
            await session.execute(
                select(Team.calendar_id).where(Team.id == team_id, Team.organization_id == organization_id)
            )
        ).scalar_one_or_none()
    stmt = select(BusinessCalendar).where(BusinessCalendar.organization_id == organization_id)
    if calendar_id is not None:
        stmt = stmt.where(BusinessCalendar.id == calendar_id)
    else:
        stmt = stmt.where(BusinessCalendar.is_default.is_(True))
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def open_clocks(session: AsyncSession, conversation_id: uuid.UUID, *, lock: bool = True) -> list[SlaClock]:
    stmt = select(SlaClock).where(SlaClock.conversation_id == conversation_id, SlaClock.stopped_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return list((await session.execute(stmt)).scalars())


async def clocks_of(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> list[SlaClock]:
    return list(
        (
            await session.execute(
                select(SlaClock)
                .where(SlaClock.organization_id == organization_id, SlaClock.conversation_id == conversation_id)
                .order_by(SlaClock.started_at, SlaClock.kind)
            )
        ).scalars()
    )


async def insert_clock(session: AsyncSession, values: dict[str, Any]) -> SlaClock | None:
    """Insert unless a clock of that kind is already open (the partial unique index decides)."""
    stmt = (
        insert(SlaClock)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[SlaClock.conversation_id, SlaClock.kind], index_where=text("stopped_at IS NULL")
        )
        .returning(SlaClock)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


_CLOCK_COLUMNS = (
    "id",
    "organization_id",
    "conversation_id",
    "kind",
    "policy_id",
    "policy_snapshot",
    "reason",
    "marketplace",
    "channel_id",
    "started_at",
    "due_at",
    "due_soon_at",
    "pauses",
)


async def insert_clocks(
    session: AsyncSession,
    planned: list[tuple[SlaClock, list[tuple[int, datetime, str]]]],
    conversation_id: uuid.UUID,
    deadline: datetime | None,
    due_soon_at: datetime | None,
) -> set[uuid.UUID]:
    """Start clocks with their timers in one statement, and set the conversation's earliest deadline
    when every clock went in. A clock of a kind already open is skipped (the partial unique index
    decides), and so are its timers; returns the ids inserted."""
    inserted = (
        insert(SlaClock)
        .values([{name: getattr(clock, name) for name in _CLOCK_COLUMNS} for clock, _ in planned])
        .on_conflict_do_nothing(
            index_elements=[SlaClock.conversation_id, SlaClock.kind], index_where=text("stopped_at IS NULL")
        )
        .returning(SlaClock.id)
        .cte("inserted")
    )
    stmt = select(inserted.c.id)
    timer_rows = [
        (clock.id, clock.organization_id, tier, action, at) for clock, timers in planned for tier, at, action in timers
    ]
    if timer_rows:
        rows = values(
            column("clock_id", UUID(as_uuid=True)),
            column("organization_id", UUID(as_uuid=True)),
            column("tier", Integer),
            column("action", String),
            column("due_at", DateTime(timezone=True)),
            name="planned_timers",
        ).data(timer_rows)
        timers = insert(SlaTimer).from_select(
            ["clock_id", "organization_id", "tier", "action", "due_at"],
            select(rows.c.clock_id, rows.c.organization_id, rows.c.tier, rows.c.action, rows.c.due_at).join(
                inserted, inserted.c.id == rows.c.clock_id
            ),
        )
        stmt = stmt.add_cte(timers.cte("timers"))
    all_in = select(func.count()).select_from(inserted).scalar_subquery() == len(planned)
    row = (
        update(Conversation)
        .where(Conversation.id == conversation_id, all_in)
        .values(sla_deadline=deadline, sla_due_soon_at=due_soon_at)
    )
    stmt = stmt.add_cte(row.cte("deadline"))
    return set((await session.execute(stmt)).scalars())


async def schedule_timers(session: AsyncSession, clock: SlaClock, timers: list[tuple[int, datetime, str]]) -> None:
    """(Re)schedule a clock's unfired timers; fired ones are history and never move."""
    if not timers:
        return
    stmt = insert(SlaTimer).values(
        [
            {
                "organization_id": clock.organization_id,
                "clock_id": clock.id,
                "tier": tier,
                "action": action,
                "due_at": at,
            }
            for tier, at, action in timers
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[SlaTimer.clock_id, SlaTimer.tier],
        set_={"due_at": stmt.excluded.due_at, "cancelled_at": None},
        where=SlaTimer.fired_at.is_(None),
    )
    await session.execute(stmt)


async def cancel_timers(session: AsyncSession, clock_id: uuid.UUID, from_time: datetime | None = None) -> None:
    """Cancel unfired timers (those due at or after `from_time`, when given)."""
    stmt = update(SlaTimer).where(
        SlaTimer.clock_id == clock_id, SlaTimer.fired_at.is_(None), SlaTimer.cancelled_at.is_(None)
    )
    if from_time is not None:
        stmt = stmt.where(SlaTimer.due_at >= from_time)
    await session.execute(stmt.values(cancelled_at=text("now()")))
