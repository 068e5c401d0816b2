from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.models import Channel


async def get(session: AsyncSession, organization_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    result = await session.execute(
        select(Channel).where(Channel.id == channel_id, Channel.organization_id == organization_id)
    )
    channel = result.scalar_one_or_none()
    if channel is None:
        raise NotFound(f"No channel {channel_id}.")
    return channel


async def list_all(session: AsyncSession, organization_id: uuid.UUID) -> list[Channel]:
    result = await session.execute(
        select(Channel).where(Channel.organization_id == organization_id).order_by(Channel.created_at, Channel.id)
    )
    return list(result.scalars())
