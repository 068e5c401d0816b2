"""From relayed outbox events to webhook deliveries: one row per (subscribed active endpoint, event)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.ids import uuid7
from api.models import WebhookEndpoint
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


# One statement for a whole relayed batch, whatever its size: a column per array parameter (no
# per-row parameters, no statement compiled per batch size).
_INSERT = text(
    """
    INSERT INTO webhook_deliveries
        (id, organization_id, endpoint_id, event_id, event_type, payload, status, next_attempt_at)
    SELECT v.id, v.org, v.endpoint_id, v.event_id, v.event_type, CAST(v.payload AS jsonb), 'pending', :now
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:orgs AS uuid[]), CAST(:endpoints AS uuid[]),
        CAST(:events AS bigint[]), CAST(:types AS text[]), CAST(:payloads AS text[])
    ) AS v(id, org, endpoint_id, event_id, event_type, payload)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    """
)


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
    columns: dict[str, list[Any]] = {k: [] for k in ("ids", "orgs", "endpoints", "events", "types", "payloads")}
    for event in events:
        targets = [eid for eid, types in endpoints.get(event.organization_id, ()) if event.event_type in types]
        if not targets:
            continue
        # Serialised once per event, whatever the number of endpoints.
        body = json.dumps(build_payload(event.id, event.organization_id, event.event_type, event.payload))
        for target in targets:
            columns["ids"].append(uuid7())
            columns["orgs"].append(event.organization_id)
            columns["endpoints"].append(target)
            columns["events"].append(event.id)
            columns["types"].append(event.event_type)
            columns["payloads"].append(body)
    if columns["ids"]:
        await session.execute(_INSERT, {"now": now, **columns})
    return len(columns["ids"])


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
