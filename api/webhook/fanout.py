"""From relayed outbox events to webhook deliveries: one row per (subscribed active endpoint, event)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from api.db import Session
from api.kit.ids import uuid7
from api.webhook import repository
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


async def create_deliveries(session: Session, events: Sequence[RelayedEvent], now: datetime) -> int:
    """Insert the deliveries of a relayed batch; (endpoint, event) is unique, so a re-run adds none."""
    orgs = {e.organization_id for e in events if e.event_type in WEBHOOK_EVENT_TYPES}
    if not orgs:
        return 0
    endpoints: dict[uuid.UUID, list[tuple[uuid.UUID, set[str]]]] = defaultdict(list)
    for endpoint_id, org_id, subscribed in await repository.active_subscriptions(session, orgs):
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
        # One statement for the whole batch, whatever its size (repository.insert_fanned_out).
        await repository.insert_fanned_out(session, now, **columns)
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
