"""Delivering due webhook deliveries, one batch at a time: claim with a lease, send outside any
transaction, record. The dispatcher that runs these in a loop is in the workers
(workers/webhook_dispatcher.py).

A claim (SKIP LOCKED on the partial index of pending deliveries) pushes `next_attempt_at` a lease
ahead and commits, so no row lock is held during a 15 s request and several dispatchers share the
work. A dispatcher killed mid-request loses nothing: the lease runs out and the delivery is sent
again (at least once; `webhook-id` lets the receiver drop the duplicate). Results are recorded in
batches: the attempt log row, the delivery's new state and the endpoint's failure run, and the
endpoint is disabled (with the admins told) on 410 or after five days of failures.

Concurrency and order. Up to `per_endpoint` requests are in flight per endpoint (each on a lane of
its own in the sender), across as many endpoints as `concurrency` allows, so a slow receiver holds
only its own share. No delivery order is promised, per endpoint or per conversation (as with Stripe
and Svix): a retry waiting hours must not hold back the events after it. First attempts are started
in event order within a claim; receivers order by the payload's `timestamp`/`event_id` and drop
duplicates by `webhook-id`.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.crypto import CredentialCipher
from api.kit.time import utc_now
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from api.webhook import service
from api.webhook.retry import decide, parse_retry_after
from api.webhook.sender import PER_ENDPOINT, SendResult, WebhookSender
from api.webhook.signing import signed_headers

# Longer than the request timeout: a delivery is only re-claimed once its sender must be gone.
LEASE = timedelta(seconds=60)

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


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    organization_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secrets: tuple[str, ...]
    body: str
    attempts: int  # made before this one


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    result: SendResult
    finished_at: datetime


async def claim_due(
    session: AsyncSession,
    cipher: CredentialCipher,
    now: datetime,
    limit: int,
    *,
    in_flight: Counter[uuid.UUID] | None = None,
    per_endpoint: int = PER_ENDPOINT,
) -> list[Claimed]:
    """Lease up to `limit` due deliveries, at most `per_endpoint` in flight per endpoint, so one slow
    receiver cannot take every slot."""
    in_flight = in_flight or Counter()
    busy = [e for e, n in in_flight.items() if n >= per_endpoint]
    flying = [(e, n) for e, n in in_flight.items() if 0 < n < per_endpoint]
    params = {
        "now": now,
        "until": now + LEASE,
        "busy": busy,
        "flying": [e for e, _ in flying],
        "flying_n": [n for _, n in flying],
        "per_endpoint": per_endpoint,
        "limit": limit,
        "scan": limit * 4,
    }
    rows = (await session.execute(_CLAIM, params)).all()
    if not rows:
        return []
    endpoints = {
        e.id: e
        for e in (
            await session.execute(select(WebhookEndpoint).where(WebhookEndpoint.id.in_({r.endpoint_id for r in rows})))
        ).scalars()
    }
    signing = {eid: tuple(service.active_secrets(e, cipher, now)) for eid, e in endpoints.items()}
    return [
        Claimed(
            id=r.id,
            organization_id=r.organization_id,
            endpoint_id=r.endpoint_id,
            url=endpoints[r.endpoint_id].url,
            secrets=signing[r.endpoint_id],
            body=json.dumps(r.payload, separators=(",", ":"), ensure_ascii=False),
            attempts=r.attempts,
        )
        for r in sorted(rows, key=lambda r: r.id)  # ids are UUIDv7: creation order
    ]


async def send(sender: WebhookSender, claimed: Claimed) -> SendResult:
    # The signature's timestamp is the real clock even when tests move `now`: receivers check it.
    headers = signed_headers(claimed.secrets, str(claimed.id), utc_now(), claimed.body)
    return await sender.post(claimed.url, claimed.body.encode(), headers)


_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookAttempt.__table__)
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


async def record(session: AsyncSession, outcomes: Iterable[Outcome], rng: random.Random) -> None:
    """Apply a batch of attempt outcomes (in the order they finished) in the caller's transaction."""
    ordered = sorted(outcomes, key=lambda o: o.finished_at)
    if not ordered:
        return
    endpoint_ids = sorted({o.claimed.endpoint_id for o in ordered})
    endpoints = {
        e.id: e
        for e in (
            await session.execute(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.id.in_(endpoint_ids))
                .order_by(WebhookEndpoint.id)  # one lock order for every dispatcher: no deadlocks
                .with_for_update()
            )
        ).scalars()
    }
    attempts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    to_disable: dict[uuid.UUID, tuple[str, datetime]] = {}
    for o in ordered:
        endpoint = endpoints.get(o.claimed.endpoint_id)
        if endpoint is None:  # deleted meanwhile; its deliveries went with it
            continue
        r, now = o.result, o.finished_at
        made = o.claimed.attempts + 1
        decision = decide(
            status_code=r.status_code,
            retry_after=parse_retry_after(r.retry_after, now),
            attempts_made=made,
            now=now,
            failing_since=endpoint.failing_since,
            rng=rng,
        )
        endpoint.failing_since = decision.failing_since
        if decision.disable_reason and endpoint.is_active:
            to_disable.setdefault(endpoint.id, (decision.disable_reason, now))
        attempts.append(
            {
                "organization_id": o.claimed.organization_id,
                "delivery_id": o.claimed.id,
                "attempted_at": now,
                "duration_ms": r.duration_ms,
                "status_code": r.status_code,
                "request_excerpt": r.request_excerpt,
                "response_excerpt": r.response_excerpt,
                "error": r.error,
            }
        )
        updates.append(
            {
                "b_id": o.claimed.id,
                "b_status": decision.status,
                "b_attempts": made,
                "b_next": decision.next_attempt_at,
                "b_at": now,
                "b_code": r.status_code,
                "b_error": r.error if decision.status != "succeeded" else None,
            }
        )
    if attempts:
        await session.execute(insert(_attempts), attempts)  # Core executemany: no ORM bulk machinery
        await session.execute(_UPDATE_DELIVERY, updates)
    for endpoint_id, (reason, when) in to_disable.items():
        await service.disable(session, endpoints[endpoint_id], reason, when)
