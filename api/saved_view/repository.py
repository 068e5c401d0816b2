from __future__ import annotations

import uuid

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import readable, readable_columns
from api.models import SavedView, TeamMember


async def visible_to(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[SavedView]:
    """The user's own views and those shared with a team they belong to, by name."""
    my_teams = readable_columns(TeamMember, organization_id, TeamMember.team_id).where(TeamMember.user_id == user_id)
    rows = await session.execute(
        readable(SavedView, organization_id)
        .where(or_(SavedView.owner_user_id == user_id, SavedView.team_id.in_(my_teams)))
        .order_by(SavedView.name, SavedView.id)
    )
    return list(rows.scalars())


async def is_member(session: AsyncSession, organization_id: uuid.UUID, team_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    row = await session.execute(
        readable_columns(TeamMember, organization_id, TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id
        )
    )
    return row.first() is not None


async def get(session: AsyncSession, organization_id: uuid.UUID, view_id: uuid.UUID) -> SavedView:
    row = (
        await session.execute(readable(SavedView, organization_id).where(SavedView.id == view_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No saved view {view_id}.")
    return row


async def add(session: AsyncSession, view: SavedView) -> None:
    """Insert the new view and read back what the database filled in."""
    session.add(view)
    await session.flush()
    await session.refresh(view)


async def remove(session: AsyncSession, view: SavedView) -> None:
    """Delete the view (when the caller's transaction flushes)."""
    await session.delete(view)
