"""Marketplace pushes: stored verbatim before they are acknowledged, processed by the workers.

The endpoint verifies the signature, stores the raw body (unique per channel and notification id,
so a re-sent push is one row) and answers; `NOTIFY hourglass_sync` (sent at commit) wakes a worker.
The row is the queue: a flushed Redis or a worker killed mid-push loses nothing, because the push
stays `pending` until the transaction that ingested its messages commits.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import timedelta

from api.channel.connectors.base import Connector, ConnectorError, Transient
from api.db import Session
from api.kit.time import utc_now
from api.models import Channel
from api.sync import repository
from api.sync.inbound import ingest_batch
from api.sync.runtime import SyncRuntime, syncable

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = repository.NOTIFY_CHANNEL  # the workers LISTEN on it
MAX_ATTEMPTS = 5
# Headers worth keeping with the body (signatures, content type); the rest is transport noise.
KEPT_HEADERS = ("content-type", "authorization", "x-ebay-signature", "user-agent")


async def store(session: Session, channel: Channel, connector: Connector, headers: dict[str, str], body: bytes) -> bool:
    """Store a verified push; False when this notification was already stored."""
    key = connector.push_dedupe_key(body) or "sha256:" + hashlib.sha256(body).hexdigest()
    kept = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    inserted = await repository.insert_push(session, channel, dedupe_key=key[:300], headers=kept, body=body)
    if inserted is not None:
        await repository.notify_push(session, channel.id)
    return inserted is not None


async def process_next(rt: SyncRuntime) -> uuid.UUID | None:
    """Claim one pending push (SKIP LOCKED), ingest what it carries, mark it; the push's channel, or
    None when no push is due."""
    async with rt.sessionmaker.begin() as session:
        push = await repository.lock_next_due_push(session)
        if push is None:
            return None
        channel = await repository.channel_of(session, push.organization_id, push.channel_id)
        now = utc_now()
        if not syncable(channel):
            push.status, push.error, push.processed_at = "failed", "channel disabled or without credentials", now
            return push.channel_id
        connector = rt.connector(channel)
        try:
            parsed = connector.parse_push(push.body)
            messages = await connector.resolve_push(parsed)
        except ConnectorError as exc:
            push.attempts += 1
            push.error = f"{type(exc).__name__}: {exc.describe()}"[:2000]
            if not isinstance(exc, Transient) or push.attempts >= MAX_ATTEMPTS:
                # Polling still has the message: a push that cannot be resolved is only a late hint.
                push.status, push.processed_at = "failed", now
            return push.channel_id
        except (ValueError, KeyError, TypeError) as exc:
            # An unreadable push must not come back forever; it stays stored for inspection.
            log.warning("push %s of channel %s unreadable: %r", push.id, channel.id, exc)
            push.attempts += 1
            push.status, push.processed_at, push.error = (
                "failed",
                now,
                f"unreadable: {type(exc).__name__}: {exc}"[:2000],
            )
            return push.channel_id
        finally:
            await connector.aclose()
        async with session.begin_nested():
            tally = await ingest_batch(session, channel, messages, isolate=True)
        push.attempts += 1
        if tally.refused:
            # Kept pending (its other messages are in): the next attempt re-ingests idempotently.
            push.error = "; ".join(f"{i}: {e}" for i, e in tally.refused)[:2000]
            if push.attempts >= MAX_ATTEMPTS:
                push.status, push.processed_at = "failed", utc_now()
            return push.channel_id
        push.status, push.processed_at = "processed", utc_now()
        push.error = None if messages else (parsed.note or None)
        return push.channel_id


async def mark_synced(rt: SyncRuntime, channel_ids: set[uuid.UUID]) -> None:
    """Processed pushes are a successful sync too (the status's last success and lag): one update per
    drained batch, not one per push, so pushes of one channel never queue on its row."""
    if not channel_ids:
        return
    async with rt.sessionmaker.begin() as session:
        await repository.mark_channels_synced(session, channel_ids)


async def pending_count(session: Session, channel_id: uuid.UUID) -> int:
    return await repository.pending_push_count(session, channel_id)


RETENTION = timedelta(days=30)


async def purge_processed(session: Session) -> int:
    return await repository.purge_pushes_received_before(session, utc_now() - RETENTION)
