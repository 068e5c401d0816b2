from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import tenant_condition
from api.models import DraftLockSettings


async def settings(session: AsyncSession, organization_id: uuid.UUID) -> DraftLockSettings | None:
    q = select(DraftLockSettings).where(tenant_condition(DraftLockSettings, organization_id))
    return (await session.execute(q)).scalar_one_or_none()
