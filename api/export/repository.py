"""SQL of export jobs that runs outside a request (the service keeps the request-side queries)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import ExportJob


async def stalled(session: AsyncSession, heartbeat_before: datetime) -> list[uuid.UUID]:
    """Exports queued or running whose heartbeat is older than `heartbeat_before` (every
    organization's): their worker died or their queue entry was lost."""
    rows = await session.execute(
        select(ExportJob.id).where(
            ExportJob.status.in_(("queued", "running")), ExportJob.heartbeat_at < heartbeat_before
        )
    )
    return list(rows.scalars())
