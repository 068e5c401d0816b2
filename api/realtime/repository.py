"""SQL of the realtime domain: what a resuming socket reads of the organization's published outbox
events (catchup.py explains the order of these steps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import Tenant, readable_columns
from api.models import OutboxEvent
from api.outbox.repository import PUBLISH_LOCK


async def wait_for_publishing(session: AsyncSession) -> None:
    """Take the relay's lock in shared mode until the transaction ends: waits for a relay batch in
    progress to commit. Gives up after 5 s (a relay stuck mid-batch must not hang every resuming
    socket), raising the database's lock timeout error."""
    await session.execute(text("SET LOCAL lock_timeout = '5s'"))
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": PUBLISH_LOCK})


async def latest_seq(session: AsyncSession, tenant: Tenant) -> int:
    """The tenant's newest publication number, 0 if it has none."""
    stmt = readable_columns(OutboxEvent, tenant, func.coalesce(func.max(OutboxEvent.seq), 0)).where(
        OutboxEvent.seq.is_not(None)
    )
    latest: int = (await session.execute(stmt)).scalar_one()
    return latest


async def published_at_of(session: AsyncSession, tenant: Tenant, seq: int) -> datetime | None:
    """When the tenant's event numbered `seq` was published (None: not the tenant's, or purged)."""
    stmt = readable_columns(OutboxEvent, tenant, OutboxEvent.published_at).where(OutboxEvent.seq == seq)
    published_at: datetime | None = (await session.execute(stmt)).scalar_one_or_none()
    return published_at


async def published_after(session: AsyncSession, tenant: Tenant, since: int, limit: int) -> list[Any]:
    """The tenant's events numbered after `since`, oldest first, at most `limit`: (seq, id,
    event_type, conversation_id, payload, published_at)."""
    stmt = (
        readable_columns(
            OutboxEvent,
            tenant,
            OutboxEvent.seq,
            OutboxEvent.id,
            OutboxEvent.event_type,
            OutboxEvent.conversation_id,
            OutboxEvent.payload,
            OutboxEvent.published_at,
        )
        .where(OutboxEvent.seq > since)
        .order_by(OutboxEvent.seq)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())
