"""All SQL of the webhook API (the relay's fan-out and the dispatcher keep theirs beside their logic)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.pagination import CursorScope
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def get_endpoint(
    session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint:
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.organization_id == organization_id
    )
    endpoint = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id}.")
    return endpoint


async def list_endpoints(session: AsyncSession, organization_id: uuid.UUID) -> list[WebhookEndpoint]:
    rows = await session.execute(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organization_id == organization_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(rows.scalars())


async def count_endpoints(session: AsyncSession, organization_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.organization_id == organization_id)
    return int((await session.execute(stmt)).scalar_one())


async def get_delivery(
    session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    delivery = (
        await session.execute(
            select(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.organization_id == organization_id,
            )
        )
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} for webhook endpoint {endpoint_id}.")
    return delivery


async def list_deliveries(
    session: AsyncSession,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[WebhookDelivery], str | None]:
    """Newest first, keyset-paginated on (created_at, id) (the endpoint's index)."""
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.organization_id == organization_id, WebhookDelivery.endpoint_id == endpoint_id
    )
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    scope = CursorScope(
        "webhook_deliveries:created_desc", {"org": organization_id, "endpoint_id": endpoint_id, "status": status}
    )
    if after := scope.read(cursor):
        created_at, delivery_id = after
        stmt = stmt.where(tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < tuple_(created_at, delivery_id))
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    next_cursor = scope.issue(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def attempts_of(session: AsyncSession, delivery_id: uuid.UUID, limit: int = 50) -> list[WebhookAttempt]:
    rows = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def fail_pending(session: AsyncSession, endpoint_id: uuid.UUID, reason: str) -> int:
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None, last_error=reason[:2000])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def requeue(session: AsyncSession, delivery_ids: list[uuid.UUID], now: datetime) -> int:
    if not delivery_ids:
        return 0
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .values(status="pending", attempts=0, next_attempt_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
