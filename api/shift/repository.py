"""All SQL of rosters, scoped to the organization (or, for the worker's sweeps, to the organizations
that have rosters at all)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import Tenant, get_scoped, readable, readable_columns, scoped_delete, tenant_condition
from api.models import (
    Conversation,
    Message,
    Note,
    Organization,
    Shift,
    ShiftHandover,
    SlaClock,
    TeamMember,
    User,
    UserSession,
)
from api.shift.roster import Line


def line(row: Shift) -> Line:
    return Line(
        id=row.id,
        user_id=row.user_id,
        team_id=row.team_id,
        time_zone=row.time_zone,
        weekday=row.weekday,
        on_date=row.on_date,
        start_time=row.start_time,
        duration_minutes=row.duration_minutes,
        handover_minutes=row.handover_minutes,
        is_off=row.is_off,
    )


async def list_all(session: AsyncSession, organization_id: uuid.UUID, team_id: uuid.UUID | None = None) -> list[Shift]:
    q = readable(Shift, organization_id)
    if team_id is not None:
        q = q.where(Shift.team_id == team_id)
    q = q.order_by(Shift.user_id, Shift.on_date.nulls_first(), Shift.weekday, Shift.start_time)
    return list((await session.execute(q)).scalars())


async def get(session: AsyncSession, organization_id: uuid.UUID, shift_id: uuid.UUID) -> Shift:
    row = (await session.execute(readable(Shift, organization_id).where(Shift.id == shift_id))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No shift {shift_id}.")
    return row


async def delete_one(session: AsyncSession, organization_id: uuid.UUID, shift_id: uuid.UUID) -> None:
    await session.execute(scoped_delete(Shift, organization_id).where(Shift.id == shift_id))


async def lines_of_users(
    session: AsyncSession, organization_id: uuid.UUID | None, user_ids: Iterable[uuid.UUID]
) -> list[Line]:
    """The roster lines of these users (organization None: the worker, with ids it read itself)."""
    ids = list(set(user_ids))
    if not ids:
        return []
    q = select(Shift).where(Shift.user_id.in_(ids))
    if organization_id is not None:
        q = q.where(tenant_condition(Shift, organization_id))
    return [line(r) for r in (await session.execute(q)).scalars()]


async def lock_user_lines(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[Line]:
    """An agent's lines, with their user row locked so two roster edits cannot both pass the overlap
    check."""
    await session.execute(readable_columns(User, organization_id, User.id).where(User.id == user_id).with_for_update())
    return await lines_of_users(session, organization_id, [user_id])


async def governed_presence(session: AsyncSession) -> list[tuple[User, bool]]:
    """Every active user with a roster, with whether they hold a live login session (worker)."""
    live = exists().where(
        UserSession.user_id == User.id, UserSession.revoked_at.is_(None), UserSession.expires_at > func.now()
    )
    rows = await session.execute(
        select(User, live)
        .where(User.is_active.is_(True), exists().where(Shift.user_id == User.id))
        .with_for_update(of=User, skip_locked=True)
    )
    return [(u, bool(logged_in)) for u, logged_in in rows]


async def inbound_per_hour(
    session: AsyncSession, organization_id: uuid.UUID, since: datetime, time_zone: str
) -> dict[tuple[int, int], int]:
    """Inbound messages per (ISO weekday 1..7, hour) in `time_zone` since `since`."""
    local = func.timezone(time_zone, Message.created_at)
    dow = func.extract("isodow", local)
    hour = func.extract("hour", local)
    rows = await session.execute(
        select(dow, hour, func.count())
        .where(
            and_(
                tenant_condition(Message, organization_id),
                Message.direction == "inbound",
                Message.created_at >= since,
            )
        )
        .group_by(dow, hour)
    )
    return {(int(d), int(h)): int(n) for d, h, n in rows}


def weeks_back(now: datetime, weeks: int) -> datetime:
    return now - timedelta(weeks=weeks)


async def all_lines(session: AsyncSession) -> list[Line]:
    """Every roster line (worker sweeps: organizations without rosters cost one empty read)."""
    return [line(r) for r in (await session.execute(select(Shift))).scalars()]


async def due_before(
    session: AsyncSession, user_id: uuid.UUID, before: datetime | None
) -> list[tuple[uuid.UUID, datetime]]:
    """The user's open conversations with a running clock due before `before` (None: any), with
    the earliest such deadline."""
    earliest = func.min(SlaClock.due_at)
    q = (
        select(Conversation.id, earliest)
        .join(SlaClock, SlaClock.conversation_id == Conversation.id)
        .where(
            Conversation.assignee_id == user_id,
            Conversation.status != "resolved",
            SlaClock.stopped_at.is_(None),
            SlaClock.due_at.is_not(None),
        )
        .group_by(Conversation.id)
        .order_by(earliest)
    )
    if before is not None:
        q = q.having(earliest < before)
    return [(r[0], r[1]) for r in await session.execute(q) if r[1] is not None]


async def lock_conversation(session: AsyncSession, conversation_id: uuid.UUID) -> Conversation | None:
    return (
        await session.execute(
            select(Conversation).where(Conversation.id == conversation_id).with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()


async def supervisors(session: AsyncSession, organization_id: uuid.UUID) -> list[tuple[User, int]]:
    """Active supervisors with their open load."""
    load = (
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.assignee_id == User.id, Conversation.status != "resolved")
        .scalar_subquery()
    )
    rows = await session.execute(
        readable_columns(User, organization_id, User, load).where(User.role == "supervisor", User.is_active.is_(True))
    )
    return [(u, int(n)) for u, n in rows]


async def claim_handover(
    session: AsyncSession,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    from_user_id: uuid.UUID,
    to_user_id: uuid.UUID,
    shift_ended_at: datetime,
) -> ShiftHandover | None:
    """The handover row, or None when this one was already done (the unique key: exactly once)."""
    new_id = (
        await session.execute(
            pg_insert(ShiftHandover)
            .values(
                organization_id=organization_id,
                conversation_id=conversation_id,
                from_user_id=from_user_id,
                to_user_id=to_user_id,
                shift_ended_at=shift_ended_at,
            )
            .on_conflict_do_nothing()
            .returning(ShiftHandover.id)
        )
    ).scalar_one_or_none()
    return None if new_id is None else await session.get(ShiftHandover, new_id)


async def handover_context(
    session: AsyncSession, conversation_id: uuid.UUID
) -> tuple[tuple[datetime, str] | None, list[tuple[str, datetime]], list[str]]:
    """(last reply to the buyer, open clocks with a deadline, latest notes) for the handover note."""
    last = (
        await session.execute(
            select(Message.created_at, Message.body)
            .where(Message.conversation_id == conversation_id, Message.direction == "outbound")
            .order_by(Message.created_at.desc())
            .limit(1)
        )
    ).first()
    clocks = await session.execute(
        select(SlaClock.kind, SlaClock.due_at).where(
            SlaClock.conversation_id == conversation_id, SlaClock.stopped_at.is_(None), SlaClock.due_at.is_not(None)
        )
    )
    notes = await session.execute(
        select(Note.body)
        .where(Note.conversation_id == conversation_id, Note.kind == "note")
        .order_by(Note.created_at.desc())
        .limit(3)
    )
    return (
        (last[0], last[1]) if last else None,
        [(str(k), d) for k, d in clocks if d is not None],
        [n for (n,) in notes],
    )


async def is_team_member(session: AsyncSession, tenant: Tenant, team_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the user belongs to the team (only a team's members are rostered on it)."""
    stmt = readable_columns(TeamMember, tenant, TeamMember.user_id).where(
        TeamMember.team_id == team_id, TeamMember.user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization | None:
    """The organization's own row (its time zone frames the coverage week)."""
    return await session.get(Organization, organization_id)


async def user(session: AsyncSession, tenant: Tenant, user_id: uuid.UUID) -> User | None:
    """The tenant's user with this id (the people a handover names)."""
    return await get_scoped(session, User, user_id, tenant)
