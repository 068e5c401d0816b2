"""SQL for a person's own notifications (the service's fan-out keeps its queries beside its rules)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.kit.scoped import readable
from api.models import Notification


async def list_for(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, *, unread: bool, limit: int
) -> list[Notification]:
    """The user's notifications, newest first (only unread ones if asked)."""
    stmt = readable(Notification, principal).where(Notification.user_id == user_id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = await session.execute(stmt.order_by(Notification.created_at.desc()).limit(limit))
    return list(rows.scalars())


async def get_for(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification | None:
    """One of the user's notifications, or None (also for anyone else's)."""
    stmt = readable(Notification, principal).where(Notification.id == notification_id, Notification.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()
