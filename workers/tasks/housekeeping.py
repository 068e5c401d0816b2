"""Retention of short-lived rows: idempotency records and expired sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.auth import repository as auth_repository
from api.db import Session
from api.kit.time import utc_now
from api.ops import idempotency_repository
from api.outbox import repository as outbox_repository

OUTBOX_RETENTION = timedelta(days=30)
# Outbox rows deleted per run: a backlog after a long outage drains over several runs, not one huge statement.
OUTBOX_PURGE_BATCH = 50_000


async def purge_expired(session: Session, idempotency_ttl: timedelta) -> dict[str, int]:
    now = utc_now()
    keys = await idempotency_repository.purge_before(session, now - idempotency_ttl)
    sessions = await auth_repository.purge_sessions_expired_before(session, now - timedelta(days=1))
    # Published events are kept for catch-up (24 h) and webhook range replays; a month is plenty.
    outbox = await outbox_repository.purge_published_before(session, now - OUTBOX_RETENTION, OUTBOX_PURGE_BATCH)
    return {"idempotency_keys": keys, "sessions": sessions, "outbox_events": outbox}


async def purge_expired_job(ctx: dict[str, Any]) -> dict[str, int]:
    async with ctx["sessionmaker"].begin() as session:
        return await purge_expired(session, timedelta(hours=ctx["settings"].idempotency_ttl_hours))
