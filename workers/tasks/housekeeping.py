"""Retention of short-lived rows: idempotency records and expired sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.time import utc_now
from api.models import IdempotencyRecord, OutboxEvent, UserSession

OUTBOX_RETENTION = timedelta(days=30)


async def purge_expired(session: AsyncSession, idempotency_ttl: timedelta) -> dict[str, int]:
    now = utc_now()
    keys = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - idempotency_ttl))
    sessions = await session.execute(delete(UserSession).where(UserSession.expires_at < now - timedelta(days=1)))
    # Published events are kept for catch-up (24 h) and webhook range replays; a month is plenty.
    outbox = await session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.id.in_(
                select(OutboxEvent.id).where(OutboxEvent.published_at < now - OUTBOX_RETENTION).limit(50_000)
            )
        )
    )
    return {
        "idempotency_keys": keys.rowcount or 0,  # type: ignore[attr-defined]
        "sessions": sessions.rowcount or 0,  # type: ignore[attr-defined]
        "outbox_events": outbox.rowcount or 0,  # type: ignore[attr-defined]
    }


async def purge_expired_job(ctx: dict[str, Any]) -> dict[str, int]:
    async with ctx["sessionmaker"].begin() as session:
        return await purge_expired(session, timedelta(hours=ctx["settings"].idempotency_ttl_hours))
