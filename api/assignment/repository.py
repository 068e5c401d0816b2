"""SQL of routing and of team queues: members' loads, the team lock, the buyer's previous agent,
assignment rules and the conversations waiting in a team's queue."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.kit.scoped import Tenant, get_scoped, readable, readable_columns
from api.models import AssignmentRule, Conversation, Team, TeamMember, User


async def member_loads(session: AsyncSession, team_id: uuid.UUID) -> list[tuple[uuid.UUID, str, int, int]]:
    """(user id, status, capacity, open conversations) of the team's active members. By the team's id
    alone: the callers hold a team they read (and locked) for its organization."""
    open_count = (
        select(func.count())
        .select_from(Conversation)
        .where(and_(Conversation.assignee_id == User.id, Conversation.status != "resolved"))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(User.id, User.status, User.capacity, open_count)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id, User.is_active.is_(True))
    )
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


async def previous_assignee(session: AsyncSession, conversation: Conversation) -> uuid.UUID | None:
    """The agent of the buyer's most recent other conversation that has one."""
    stmt = (
        readable_columns(Conversation, conversation.organization_id, Conversation.assignee_id)
        .where(
            Conversation.customer_id == conversation.customer_id,
            Conversation.id != conversation.id,
            Conversation.assignee_id.is_not(None),
        )
        .order_by(Conversation.last_message_at.desc())
        .limit(1)
    )
    assignee: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return assignee


async def lock_team(session: AsyncSession, tenant: Tenant, team_id: uuid.UUID) -> Team:
    """The organization's team, locked while its members' loads are counted and the choice written."""
    stmt = readable(Team, tenant).where(Team.id == team_id).with_for_update()
    return (await session.execute(stmt)).scalar_one()


async def lock_team_of_any_organization(session: AsyncSession, team_id: uuid.UUID) -> Team:
    """A team of any organization, locked (the queue sweep, which runs for every organization)."""
    return (await session.execute(select(Team).where(Team.id == team_id).with_for_update())).scalar_one()


async def team_name(session: AsyncSession, tenant: Tenant, team_id: uuid.UUID) -> str:
    name: str = (
        await session.execute(readable_columns(Team, tenant, Team.name).where(Team.id == team_id))
    ).scalar_one()
    return name


async def user(session: AsyncSession, tenant: Tenant, user_id: uuid.UUID) -> User | None:
    """The organization's user with this id (None for another organization's)."""
    return await get_scoped(session, User, user_id, tenant)


async def active_rules(session: AsyncSession, tenant: Tenant) -> list[AssignmentRule]:
    """The organization's active assignment rules, in their order."""
    stmt = readable(AssignmentRule, tenant).where(AssignmentRule.is_active.is_(True)).order_by(AssignmentRule.position)
    return list((await session.execute(stmt)).scalars())


def _queued(team_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    """A conversation waiting in the team's queue: the team's, open, not spam, with nobody assigned."""
    return (
        Conversation.team_id == team_id,
        Conversation.assignee_id.is_(None),
        Conversation.status != "resolved",
        Conversation.spam_reason.is_(None),
    )


async def teams_with_queue_of_every_organization(session: AsyncSession) -> list[uuid.UUID]:
    """The teams, of every organization, with at least one conversation waiting in their queue."""
    rows = await session.execute(
        select(Conversation.team_id)
        .where(Conversation.team_id.is_not(None), Conversation.assignee_id.is_(None))
        .where(Conversation.status != "resolved", Conversation.spam_reason.is_(None))
        .group_by(Conversation.team_id)
    )
    return [r[0] for r in rows if r[0] is not None]


async def queued_count(session: AsyncSession, team: Team) -> int:
    """How many conversations wait in the team's queue."""
    stmt = readable_columns(Conversation, team.organization_id, func.count()).where(*_queued(team.id))
    return int((await session.execute(stmt)).scalar_one())


async def lock_oldest_queued(session: AsyncSession, team: Team, limit: int) -> list[Conversation]:
    """Up to `limit` of the team's queued conversations, longest waiting first, locked; rows another
    transaction holds are skipped."""
    stmt = (
        readable(Conversation, team.organization_id)
        .where(*_queued(team.id))
        .order_by(Conversation.waiting_since.asc().nulls_last(), Conversation.last_message_at, Conversation.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows: list[Any] = list((await session.execute(stmt)).scalars())
    return rows
