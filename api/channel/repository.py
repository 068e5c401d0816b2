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


async def signed_for(session: AsyncSession, channel_id: uuid.UUID) -> Channel | None:
    """A channel by id in any organization: only for a marketplace's push, whose signature (checked
    against this channel's credentials) is what identifies the tenant, not a principal."""
    return (await session.execute(select(Channel).where(Channel.id == channel_id))).scalar_one_or_none()
