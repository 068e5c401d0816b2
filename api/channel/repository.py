from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import Tenant, readable, readable_columns
from api.models import Channel, Conversation
from api.sync.leases import lock_key


async def get(session: AsyncSession, organization_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    result = await session.execute(readable(Channel, organization_id).where(Channel.id == channel_id))
    channel = result.scalar_one_or_none()
    if channel is None:
        raise NotFound(f"No channel {channel_id}.")
    return channel


async def list_all(session: AsyncSession, organization_id: uuid.UUID) -> list[Channel]:
    result = await session.execute(readable(Channel, organization_id).order_by(Channel.created_at, Channel.id))
    return list(result.scalars())


async def signed_for(session: AsyncSession, channel_id: uuid.UUID) -> Channel | None:
    """A channel by id in any organization: only for a marketplace's push, whose signature (checked
    against this channel's credentials) is what identifies the tenant, not a principal."""
    return (await session.execute(select(Channel).where(Channel.id == channel_id))).scalar_one_or_none()


async def save_credentials(session: AsyncSession, channel_id: uuid.UUID, encrypted: bytes) -> None:
    """Store a channel's (re-encrypted) credentials, e.g. after a token refresh."""
    await session.execute(update(Channel).where(Channel.id == channel_id).values(credentials_encrypted=encrypted))


async def lock_credentials(session: AsyncSession, channel_id: uuid.UUID) -> bytes | None:
    """Take the channel's refresh lock until the transaction ends, then read its stored credentials."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("refresh", channel_id)})
    stored: bytes | None = (
        await session.execute(select(Channel.credentials_encrypted).where(Channel.id == channel_id))
    ).scalar_one_or_none()
    return stored


async def conversation_count(session: AsyncSession, tenant: Tenant, channel_id: uuid.UUID) -> int:
    """How many of the tenant's conversations came through this channel."""
    count = await session.scalar(
        readable_columns(Conversation, tenant, func.count()).where(Conversation.channel_id == channel_id)
    )
    return int(count or 0)


async def rules_whose_conditions_contain(
    session: AsyncSession, tenant: Tenant, model: Any, conditions: dict[str, Any]
) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the tenant's rules or policies of `model` (a table with `conditions` JSONB and
    a `name`) whose conditions contain `conditions` (JSONB @>), by name."""
    rows = await session.execute(
        readable_columns(model, tenant, model.id, model.name)
        .where(model.conditions.contains(conditions))
        .order_by(model.name)
    )
    return [(row_id, name) for row_id, name in rows]
