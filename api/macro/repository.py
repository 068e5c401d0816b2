from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import readable, readable_columns
from api.models import Macro, TeamMember


def _shared_with(organization_id: uuid.UUID, user_id: uuid.UUID) -> ColumnElement[bool]:
    """The user's own macros, the organization's and those of the user's teams (of the organization's
    macros: the statement it is added to is scoped)."""
    my_teams = readable_columns(TeamMember, organization_id, TeamMember.team_id).where(TeamMember.user_id == user_id)
    return or_(
        Macro.owner_user_id == user_id,
        Macro.visibility == "org",
        and_(Macro.visibility == "team", Macro.team_id.in_(my_teams)),
    )


async def visible_to(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[Macro]:
    """The user's own macros, their teams' and the organization's, by name."""
    rows = await session.execute(
        readable(Macro, organization_id).where(_shared_with(organization_id, user_id)).order_by(Macro.name, Macro.id)
    )
    return list(rows.scalars())


async def get_visible(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, macro_id: uuid.UUID, *, lock: bool = False
) -> Macro:
    """One macro the user may see; another person's personal macro is as unknown as another org's."""
    stmt = readable(Macro, organization_id).where(Macro.id == macro_id, _shared_with(organization_id, user_id))
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No macro {macro_id}.")
    return row


async def is_member(session: AsyncSession, organization_id: uuid.UUID, team_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    row = await session.execute(
        readable_columns(TeamMember, organization_id, TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id
        )
    )
    return row.first() is not None


async def add(session: AsyncSession, macro: Macro) -> None:
    """Insert the new macro and read back what the database filled in."""
    session.add(macro)
    await session.flush()
    await session.refresh(macro)


async def save(session: AsyncSession, macro: Macro) -> None:
    """Write the macro's changes and read it back as stored."""
    await session.flush()
    await session.refresh(macro)


async def remove(session: AsyncSession, macro: Macro) -> None:
    """Delete the macro (when the caller's transaction flushes)."""
    await session.delete(macro)
