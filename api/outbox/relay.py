"""The outbox relay: unpublished outbox rows become WebSocket pushes (Redis pub/sub), webhook
deliveries and follow-up jobs, at least once, in order.

Ordering. One relay publishes at a time: each batch runs under a transaction-scoped advisory lock
(`repository.PUBLISH_LOCK`), claims the oldest unpublished rows in id order, and numbers them from a sequence
(`seq`) in that order. Several relays may run (one per worker); the others wait on the lock, so
they are hot standbys rather than parallel publishers. Parallel SKIP LOCKED claimers would be
faster, but two batches published concurrently interleave, and a conversation's events could
overtake each other; and a skipped (locked) row would be published after its successors.

Why a separate `seq` rather than the outbox id: ids are handed out when a business transaction
inserts, not when it commits, so id 101 may become visible before id 100. The relay publishes in
the order rows become visible, and `seq` records exactly that order, so `seq > since` is a gap-free
resume point. Changes to one conversation serialise on its row lock (held until commit), so the
events they emit become visible, and are numbered, in the order the changes happened.

At least once. Redis is published to before the commit: if the commit then fails, the rows are
relayed again with new numbers (a duplicate, never a loss; `event_id` tells them apart). If Redis
refuses, the batch still commits (webhooks must not wait for Redis) and the caller later tells every
API process to make its sockets reconnect, and they catch up from PostgreSQL. Webhook deliveries
are inserted in the same transaction as the `published_at` stamp and are unique per (endpoint,
event), so a re-run creates none twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.db import Session
from api.kit import jsontext
from api.kit.time import utc_now
from api.outbox import repository
from api.realtime.frames import CONTROL_CHANNEL, event_message, org_channel
from api.webhook.fanout import create_deliveries

log = logging.getLogger(__name__)

# Follow-up jobs per event type: arq job names the relay enqueues (after claiming, before commit),
# each with a deterministic job id so a re-run does not enqueue twice. Domains add entries here;
# the API never imports worker code, it names jobs by string.
FOLLOW_UP_JOBS: dict[str, tuple[str, ...]] = {
    # workers/tasks/bulk.py: runs the job the event announces.
    "bulk_job.created": ("bulk_job_created_job",),
    # workers/tasks/exports.py: writes the export's file.
    "export.created": ("export_created_job",),
}
JOB_QUEUE = "hourglass"
PUBLISH_TIMEOUT = 5.0


@dataclass(frozen=True)
class OutboxRow:
    id: int
    organization_id: uuid.UUID
    event_type: str
    conversation_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass
class RelayResult:
    events: int = 0
    deliveries: int = 0
    published: bool = True
    # seconds from the business transaction's start (created_at) to publication, per event
    lags: list[float] = field(default_factory=list)
    # what was relayed, so the worker can wake the loops that act on it (automation, reply delivery)
    event_types: frozenset[str] = frozenset()


class JobQueue(Protocol):
    async def enqueue_job(self, function: str, *args: Any, **kwargs: Any) -> Any: ...


async def relay_once(
    session: Session,
    redis: Redis,
    *,
    now: datetime | None = None,
    limit: int = 500,
    jobs: JobQueue | None = None,
) -> RelayResult:
    """Relay one batch inside the caller's transaction; the caller commits (the loop that calls this
    runs in the workers: workers/tasks/outbox.py)."""
    await repository.lock_publishing(session)
    rows = [OutboxRow(*r) for r in await repository.unpublished(session, limit)]
    if not rows:
        return RelayResult()
    now = now or utc_now()
    seqs = await repository.draw_numbers(session, len(rows))
    await repository.stamp_published(session, [r.id for r in rows], seqs, now)
    deliveries = await create_deliveries(session, rows, now)
    if jobs is not None:
        await _enqueue_follow_ups(jobs, rows)
    result = RelayResult(
        events=len(rows),
        deliveries=deliveries,
        lags=[(now - r.created_at).total_seconds() for r in rows],
        event_types=frozenset(r.event_type for r in rows),
    )
    try:
        # Bounded: the publish lock is held meanwhile, and sockets resuming wait on it.
        await asyncio.wait_for(publish(redis, rows, seqs), timeout=PUBLISH_TIMEOUT)
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("outbox relay: Redis refused %d events (%s); sockets will catch up", len(rows), exc)
        result.published = False
    return result


async def publish(redis: Redis, rows: Sequence[OutboxRow], seqs: Sequence[int]) -> None:
    pipe = redis.pipeline(transaction=False)
    for row, seq in zip(rows, seqs, strict=True):
        message = event_message(row.event_type, seq, row.id, row.conversation_id, row.payload)
        pipe.publish(org_channel(row.organization_id), jsontext.dumps(message))
    await pipe.execute()


async def announce_reconnect(redis: Redis, reason: str) -> None:
    """Every API process asks its sockets to reconnect (they resume from PostgreSQL)."""
    await redis.publish(CONTROL_CHANNEL, json.dumps({"type": "reconnect", "reason": reason}))


async def _enqueue_follow_ups(jobs: JobQueue, rows: Sequence[OutboxRow]) -> None:
    for row in rows:
        for job in FOLLOW_UP_JOBS.get(row.event_type, ()):
            await jobs.enqueue_job(job, row.id, _job_id=f"{job}:{row.id}", _queue_name=JOB_QUEUE)
