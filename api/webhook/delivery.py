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

The statements (the claim, the endpoints' locks, the batched record) are in repository.py.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.db import Session
from api.kit.crypto import CredentialCipher
from api.kit.time import utc_now
from api.webhook import repository, service
from api.webhook.retry import decide, parse_retry_after
from api.webhook.sender import PER_ENDPOINT, SendResult, WebhookSender
from api.webhook.signing import signed_headers

# Longer than the request timeout: a delivery is only re-claimed once its sender must be gone.
LEASE = timedelta(seconds=60)


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
    session: Session,
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
    rows = await repository.claim_due_deliveries(
        session,
        now=now,
        until=now + LEASE,
        busy=busy,
        flying=[e for e, _ in flying],
        flying_n=[n for _, n in flying],
        per_endpoint=per_endpoint,
        limit=limit,
        # Scanning more than `limit` lets busy endpoints' rows be passed over.
        scan=limit * 4,
    )
    if not rows:
        return []
    endpoints = {e.id: e for e in await repository.endpoints_by_id(session, {r.endpoint_id for r in rows})}
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


async def record(session: Session, outcomes: Iterable[Outcome], rng: random.Random) -> None:
    """Apply a batch of attempt outcomes (in the order they finished) in the caller's transaction."""
    ordered = sorted(outcomes, key=lambda o: o.finished_at)
    if not ordered:
        return
    endpoint_ids = sorted({o.claimed.endpoint_id for o in ordered})
    # Locked in id order, the same for every dispatcher: no deadlocks.
    endpoints = {e.id: e for e in await repository.lock_endpoints(session, endpoint_ids)}
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
                "id": o.claimed.id,
                "status": decision.status,
                "attempts": made,
                "next_attempt_at": decision.next_attempt_at,
                "last_attempt_at": now,
                "last_status_code": r.status_code,
                "last_error": r.error if decision.status != "succeeded" else None,
            }
        )
    await repository.record_attempts(session, attempts, updates)
    for endpoint_id, (reason, when) in to_disable.items():
        await service.disable(session, endpoints[endpoint_id], reason, when)
