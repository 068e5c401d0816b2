"""From relayed outbox events to webhook deliveries: one row per (subscribed active endpoint, event)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.ids import uuid7
from api.models import WebhookDelivery, WebhookEndpoint
from api.webhook.payloads import WEBHOOK_EVENT_TYPES, build_payload


class RelayedEvent(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def organization_id(self) -> uuid.UUID: ...
    @property
    def event_type(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


_CHUNK = 1000  # rows per INSERT: 8 parameters each stays far below PostgreSQL's 32,767


async def create_deliveries(session: AsyncSession, events: Sequence[RelayedEvent], now: datetime) -> int:
    """Insert the deliveries of a relayed batch; (endpoint, event) is unique, so a re-run adds none."""
    orgs = {e.organization_id for e in events if e.event_type in WEBHOOK_EVENT_TYPES}
    if not orgs:
        return 0
    endpoints: dict[uuid.UUID, list[tuple[uuid.UUID, set[str]]]] = defaultdict(list)
    for endpoint_id, org_id, subscribed in await session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.organization_id, WebhookEndpoint.event_types).where(
            WebhookEndpoint.organization_id.in_(orgs), WebhookEndpoint.is_active.is_(True)
        )
    ):
        endpoints[org_id].append((endpoint_id, set(subscribed)))
    rows: list[dict[str, Any]] = []
    for event in events:
        for endpoint_id, types in endpoints.get(event.organization_id, ()):
            if event.event_type in types:
                rows.append(delivery_row(endpoint_id, event, now))
    for start in range(0, len(rows), _CHUNK):
        stmt = insert(WebhookDelivery).values(rows[start : start + _CHUNK])
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"]))
    return len(rows)


def delivery_row(endpoint_id: uuid.UUID, event: RelayedEvent, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "organization_id": event.organization_id,
        "endpoint_id": endpoint_id,
        "event_id": event.id,
        "event_type": event.event_type,
        "payload": build_payload(event.id, event.organization_id, event.event_type, event.payload),
        "status": "pending",
        "next_attempt_at": now,
    }
