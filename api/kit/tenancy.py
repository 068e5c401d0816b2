"""Ids a request body names must be the caller's own rows.

A path id that is not the caller's answers 404 in each domain's lookup; an id inside a body (a
rule's channels, a team's members) is stored as given unless something checks it, and a row of one
organization would then name another's. The answer for another organization's id is the answer for
an id that exists nowhere, so it tells nothing about other tenants.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import InvalidInput, field_error


async def require_own(
    session: AsyncSession, model: Any, organization_id: uuid.UUID, ids: Iterable[Any], field: str, noun: str
) -> None:
    """Refuse (422, naming `field.<index>`) the first id that is not a row of `model` in the organization."""
    wanted = [uuid.UUID(str(i)) for i in ids]
    if not wanted:
        return
    found = set(
        (
            await session.execute(
                select(model.id).where(model.id.in_(wanted), model.organization_id == organization_id)
            )
        ).scalars()
    )
    for index, value in enumerate(wanted):
        if value not in found:
            raise InvalidInput(f"No such {noun}.", errors=field_error(f"{field}.{index}", f"no such {noun}"))
