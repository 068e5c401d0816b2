"""All SQL of webhooks: the subscriptions API, the relay's fan-out into deliveries (fanout.py), and
the dispatcher's claim and record of a batch (delivery.py).

The fan-out and the dispatcher run at the rate of events (hundreds a second): their statements are
one per batch, whatever its size, and their locking is explained beside each of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.pagination import CursorScope
from api.kit.scoped import readable, readable_columns, scoped_update
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def get_endpoint(
    session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint:
    stmt = readable(WebhookEndpoint, organization_id).where(WebhookEndpoint.id == endpoint_id)
    endpoint = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id}.")
    return endpoint


async def list_endpoints(session: AsyncSession, organization_id: uuid.UUID) -> list[WebhookEndpoint]:
    rows = await session.execute(
        readable(WebhookEndpoint, organization_id).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(rows.scalars())


async def count_endpoints(session: AsyncSession, organization_id: uuid.UUID) -> int:
    stmt = readable_columns(WebhookEndpoint, organization_id, func.count())
    return int((await session.execute(stmt)).scalar_one())


async def get_delivery(
    session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    delivery = (
        await session.execute(
            readable(WebhookDelivery, organization_id).where(
                WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id
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
    stmt = readable(WebhookDelivery, organization_id).where(WebhookDelivery.endpoint_id == endpoint_id)
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


async def attempts_of(
    session: AsyncSession, organization_id: uuid.UUID, delivery_id: uuid.UUID, limit: int = 50
) -> list[WebhookAttempt]:
    rows = await session.execute(
        readable(WebhookAttempt, organization_id)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def fail_pending(session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID, reason: str) -> int:
    result = await session.execute(
        scoped_update(WebhookDelivery, organization_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None, last_error=reason[:2000])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def requeue(
    session: AsyncSession, organization_id: uuid.UUID, delivery_ids: list[uuid.UUID], now: datetime
) -> int:
    if not delivery_ids:
        return 0
    result = await session.execute(
        scoped_update(WebhookDelivery, organization_id)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .values(status="pending", attempts=0, next_attempt_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def deliveries_of_events(
    session: AsyncSession, organization_id: uuid.UUID, endpoint_id: uuid.UUID, event_ids: Sequence[int]
) -> list[Any]:
    """(id, event_id, status) of the endpoint's deliveries of these events."""
    stmt = readable_columns(
        WebhookDelivery, organization_id, WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.status
    ).where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.event_id.in_(event_ids))
    return list((await session.execute(stmt)).all())


# Rows per INSERT of a range replay (a replay may hold up to ten thousand events).
_REPLAY_CHUNK = 1000


async def insert_deliveries(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert delivery rows (full column dicts), skipping (endpoint, event) pairs that exist."""
    for start in range(0, len(rows), _REPLAY_CHUNK):
        await session.execute(
            insert(WebhookDelivery)
            .values(list(rows[start : start + _REPLAY_CHUNK]))
            .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
        )


# --- The relay's fan-out (fanout.py) ---------------------------------------------------------------


async def active_subscriptions(session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> list[Any]:
    """(id, organization_id, event_types) of the active endpoints of these organizations: the relay's
    batch spans organizations, so this reads every organization the batch names, in one statement."""
    stmt = select(WebhookEndpoint.id, WebhookEndpoint.organization_id, WebhookEndpoint.event_types).where(
        WebhookEndpoint.organization_id.in_(organization_ids), WebhookEndpoint.is_active.is_(True)
    )
    return list((await session.execute(stmt)).all())


# One statement for a whole relayed batch, whatever its size: a column per array parameter (no
# per-row parameters, no statement compiled per batch size).
_INSERT_FANNED_OUT = text(
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


async def insert_fanned_out(
    session: AsyncSession,
    now: datetime,
    *,
    ids: Sequence[uuid.UUID],
    orgs: Sequence[uuid.UUID],
    endpoints: Sequence[uuid.UUID],
    events: Sequence[int],
    types: Sequence[str],
    payloads: Sequence[str],
) -> None:
    """Insert pending deliveries given column by column (payloads as JSON text), due `now`, of
    several organizations at once; an (endpoint, event) pair that exists is skipped."""
    params = {
        "now": now,
        "ids": ids,
        "orgs": orgs,
        "endpoints": endpoints,
        "events": events,
        "types": types,
        "payloads": payloads,
    }
    await session.execute(_INSERT_FANNED_OUT, params)


# --- The dispatcher (delivery.py) --------------------------------------------------------------------

# One statement claims a batch: rank the oldest due deliveries per endpoint (looking takes no lock),
# keep those within each endpoint's remaining room, lock just those (SKIP LOCKED: rows another
# dispatcher is leasing are left to it, without waiting) and lease them. A row another dispatcher
# leased and committed meanwhile is re-checked on its new version (`next_attempt_at` is ahead):
# never claimed twice. Scanning more than `limit` lets busy endpoints' rows be passed over.
_CLAIM = text(
    """
    WITH due AS (
        SELECT d.id, d.endpoint_id, d.next_attempt_at,
               row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rank
        FROM (
            SELECT id, endpoint_id, next_attempt_at FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= :now
              AND endpoint_id <> ALL(CAST(:busy AS uuid[]))
            ORDER BY next_attempt_at LIMIT :scan
        ) d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.is_active
    ), picked AS (
        SELECT due.id FROM due
        LEFT JOIN unnest(CAST(:flying AS uuid[]), CAST(:flying_n AS int[])) AS f(endpoint_id, n)
          ON f.endpoint_id = due.endpoint_id
        WHERE due.rank + coalesce(f.n, 0) <= :per_endpoint
        ORDER BY due.next_attempt_at LIMIT :limit
    ), locked AS (
        SELECT w.id FROM webhook_deliveries w
        WHERE w.id IN (SELECT id FROM picked) AND w.status = 'pending' AND w.next_attempt_at <= :now
        FOR UPDATE OF w SKIP LOCKED
    )
    UPDATE webhook_deliveries w SET next_attempt_at = :until
    FROM locked WHERE w.id = locked.id
    RETURNING w.id, w.organization_id, w.endpoint_id, w.payload, w.attempts
    """
)


async def claim_due_deliveries(
    session: AsyncSession,
    *,
    now: datetime,
    until: datetime,
    busy: Sequence[uuid.UUID],
    flying: Sequence[uuid.UUID],
    flying_n: Sequence[int],
    per_endpoint: int,
    limit: int,
    scan: int,
) -> list[Any]:
    """Lease due deliveries of every organization until `until`: (id, organization_id, endpoint_id,
    payload, attempts). Endpoints in `busy` are passed over; an endpoint in `flying` has its count
    from `flying_n` taken off its `per_endpoint` room; `scan` due rows are looked at for `limit`."""
    params = {
        "now": now,
        "until": until,
        "busy": busy,
        "flying": flying,
        "flying_n": flying_n,
        "per_endpoint": per_endpoint,
        "limit": limit,
        "scan": scan,
    }
    return list((await session.execute(_CLAIM, params)).all())


async def endpoints_by_id(session: AsyncSession, endpoint_ids: Iterable[uuid.UUID]) -> list[WebhookEndpoint]:
    """The endpoints with these ids, whichever organization's (the ids come from a claimed batch)."""
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids))
    return list((await session.execute(stmt)).scalars())


async def lock_endpoints(session: AsyncSession, endpoint_ids: Sequence[uuid.UUID]) -> list[WebhookEndpoint]:
    """The endpoints with these ids (whichever organization's), locked FOR UPDATE in id order: one
    lock order for every dispatcher, so two recording batches cannot deadlock."""
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(endpoint_ids))
        .order_by(WebhookEndpoint.id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookAttempt.__table__)
# Only a delivery still pending is updated: one disabled meanwhile (failed) keeps its state.
_UPDATE_DELIVERY = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.status == "pending")
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        next_attempt_at=bindparam("b_next"),
        last_attempt_at=bindparam("b_at"),
        last_status_code=bindparam("b_code"),
        last_error=bindparam("b_error"),
    )
)
# The keys of an update dict (`record_attempts`), by the statement's parameter they fill.
_UPDATE_PARAMS = {
    "b_id": "id",
    "b_status": "status",
    "b_attempts": "attempts",
    "b_next": "next_attempt_at",
    "b_at": "last_attempt_at",
    "b_code": "last_status_code",
    "b_error": "last_error",
}


async def record_attempts(
    session: AsyncSession, attempts: Sequence[Mapping[str, Any]], updates: Sequence[Mapping[str, Any]]
) -> None:
    """Log attempts (webhook_attempts column dicts) and set their deliveries' new state (dicts of
    id, status, attempts, next_attempt_at, last_attempt_at, last_status_code, last_error), each in
    one executemany, of whichever organizations the batch holds."""
    if not attempts:
        return
    await session.execute(insert(_attempts), list(attempts))  # Core executemany: no ORM bulk machinery
    params = [{param: u[key] for param, key in _UPDATE_PARAMS.items()} for u in updates]
    await session.execute(_UPDATE_DELIVERY, params)
