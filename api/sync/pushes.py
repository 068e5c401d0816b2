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
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.channel.connectors.base import Connector, ConnectorError, Transient
from api.kit.time import utc_now
from api.models import Channel, InboundPush
from api.sync.inbound import ingest_batch
from api.sync.runtime import SyncRuntime, syncable

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "hourglass_sync"
MAX_ATTEMPTS = 5
# Headers worth keeping with the body (signatures, content type); the rest is transport noise.
KEPT_HEADERS = ("content-type", "authorization", "x-ebay-signature", "user-agent")


async def store(
    session: AsyncSession, channel: Channel, connector: Connector, headers: dict[str, str], body: bytes
) -> bool:
    """Store a verified push; False when this notification was already stored."""
    key = connector.push_dedupe_key(body) or "sha256:" + hashlib.sha256(body).hexdigest()
    kept = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    inserted = (
        await session.execute(
            insert(InboundPush)
            .values(
                id=uuid.uuid4(),
                organization_id=channel.organization_id,
                channel_id=channel.id,
                marketplace=channel.marketplace,
                dedupe_key=key[:300],
                headers=kept,
                body=body,
            )
            .on_conflict_do_nothing(index_elements=[InboundPush.channel_id, InboundPush.dedupe_key])
            .returning(InboundPush.id)
        )
    ).scalar_one_or_none()
    if inserted is not None:
        await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": f"push:{channel.id}"})
    return inserted is not None


def _due() -> Any:
    """Pending, and for a push that failed before, its backoff since receipt has passed
    (2 s, 4 s, 8 s, 16 s: no extra column needed, the schedule is anchored at `received_at`)."""
    return and_(
        InboundPush.status == "pending",
        or_(
            InboundPush.attempts == 0,
            InboundPush.received_at + func.make_interval(0, 0, 0, 0, 0, 0, func.power(2, InboundPush.attempts))
            <= func.now(),
        ),
    )


async def process_next(rt: SyncRuntime) -> uuid.UUID | None:
    """Claim one pending push (SKIP LOCKED), ingest what it carries, mark it; the push's channel, or
    None when no push is due."""
    async with rt.sessionmaker.begin() as session:
        push = (
            await session.execute(
                select(InboundPush)
                .where(_due())
                .order_by(InboundPush.received_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if push is None:
            return None
        channel = (await session.execute(select(Channel).where(Channel.id == push.channel_id))).scalar_one()
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
        await session.execute(
            update(Channel)
            .where(Channel.id.in_(channel_ids))
            .values(last_sync_at=func.now(), updated_at=Channel.updated_at)
        )


async def pending_count(session: AsyncSession, channel_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(InboundPush)
                .where(InboundPush.channel_id == channel_id, InboundPush.status == "pending")
            )
        ).scalar_one()
    )


RETENTION = timedelta(days=30)


async def purge_processed(session: AsyncSession) -> int:
    result = await session.execute(
        delete(InboundPush).where(InboundPush.status != "pending", InboundPush.received_at < utc_now() - RETENTION)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
