from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import InvalidInput, NotFound, field_error
from api.kit.scoped import Tenant, get_scoped, readable_columns, scoped_delete, tenant_condition
from api.models import BusinessCalendar, Team, TeamMember


async def get(
    session: AsyncSession, organization_id: uuid.UUID, team_id: uuid.UUID, *, field: str | None = None
) -> Team:
    result = await session.execute(select(Team).where(Team.id == team_id, tenant_condition(Team, organization_id)))
    team = result.scalar_one_or_none()
    if team is None:
        if field:  # a reference in a request body: the request is invalid, not the URL
            raise InvalidInput(f"No team {team_id}.", errors=field_error(field, "no such team"))
        raise NotFound(f"No team {team_id}.")
    return team


async def list_all(session: AsyncSession, organization_id: uuid.UUID) -> list[Team]:
    result = await session.execute(select(Team).where(tenant_condition(Team, organization_id)).order_by(Team.name))
    return list(result.scalars())


async def members(
    session: AsyncSession, organization_id: uuid.UUID, team_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    result = await session.execute(
        select(TeamMember.team_id, TeamMember.user_id).where(
            tenant_condition(TeamMember, organization_id), TeamMember.team_id.in_(team_ids)
        )
    )
    out: dict[uuid.UUID, list[uuid.UUID]] = {t: [] for t in team_ids}
    for team_id, user_id in result:
        out[team_id].append(user_id)
    return out


async def member_ids(session: AsyncSession, tenant: Tenant, team_id: uuid.UUID) -> list[uuid.UUID]:
    result = await session.execute(
        readable_columns(TeamMember, tenant, TeamMember.user_id).where(TeamMember.team_id == team_id)
    )
    return list(result.scalars())


async def clear_members(session: AsyncSession, tenant: Tenant, team_id: uuid.UUID) -> None:
    """Remove every member of the team (before its new member list is added)."""
    await session.execute(scoped_delete(TeamMember, tenant).where(TeamMember.team_id == team_id))


async def calendar(session: AsyncSession, tenant: Tenant, calendar_id: uuid.UUID) -> BusinessCalendar | None:
    """The organization's business calendar a team names, or None (also for another organization's)."""
    return await get_scoped(session, BusinessCalendar, calendar_id, tenant)
