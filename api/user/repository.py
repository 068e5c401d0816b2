from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import InvalidInput, NotFound, field_error
from api.kit.scoped import tenant_condition
from api.models import User


async def get(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, *, field: str | None = None
) -> User:
    user = (
        await session.execute(select(User).where(User.id == user_id, tenant_condition(User, organization_id)))
    ).scalar_one_or_none()
    if user is None:
        if field:
            raise InvalidInput(f"No user {user_id}.", errors=field_error(field, "no such user"))
        raise NotFound(f"No user {user_id}.")
    return user


async def list_all(session: AsyncSession, organization_id: uuid.UUID) -> list[User]:
    result = await session.execute(
        select(User).where(tenant_condition(User, organization_id)).order_by(User.name, User.id)
    )
    return list(result.scalars())
