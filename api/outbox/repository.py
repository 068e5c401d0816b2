"""All SQL of the outbox: writing events (in the producer's transaction) and the relay's claim,
numbering and stamping of a batch (see relay.py for why the order is kept this way)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import Tenant, readable_columns
from api.models import OutboxEvent

# pg_advisory_xact_lock key: the relay holds it exclusively, catch-up shares it (api/realtime/catchup.py).
PUBLISH_LOCK = 0x48_47_52_65_6C_61_79  # "HGRelay"

# Identities follow the order of `n`, so the relay publishes the batch in the order it was planned.
_INSERT_MANY = text(
    """
    INSERT INTO outbox_events (organization_id, event_type, conversation_id, payload)
    SELECT x.organization_id, x.event_type, x.conversation_id, x.payload::jsonb
    FROM unnest(CAST(:organization_ids AS uuid[]), CAST(:event_types AS text[]),
                CAST(:conversation_ids AS uuid[]), CAST(:payloads AS text[]))
         WITH ORDINALITY AS x(organization_id, event_type, conversation_id, payload, n)
    ORDER BY x.n
    """
)
_CLAIM = text(
    """
    SELECT id, organization_id, event_type, conversation_id, payload, created_at
    FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT :limit
    """
)
_NUMBERS = text("SELECT nextval('outbox_publish_seq') FROM generate_series(1, :n)")
_STAMP = text(
    """
    UPDATE outbox_events o SET seq = v.seq, published_at = :now
    FROM unnest(CAST(:ids AS bigint[]), CAST(:seqs AS bigint[])) AS v(id, seq)
    WHERE o.id = v.id
    """
)


def add(
    session: AsyncSession,
    organization_id: uuid.UUID,
    event_type: str,
    payload: dict[str, Any],
    conversation_id: uuid.UUID | None,
) -> None:
    """One event, written with the session's next flush (so it keeps its place among the ORM's writes)."""
    session.add(
        OutboxEvent(
            organization_id=organization_id,
            event_type=event_type,
            conversation_id=conversation_id,
            payload=payload,
        )
    )


async def insert_many(
    session: AsyncSession,
    organization_ids: Sequence[uuid.UUID],
    event_types: Sequence[str],
    conversation_ids: Sequence[uuid.UUID | None],
    payloads: Sequence[str],
) -> None:
    """Many events in one statement, in the order given (payloads as JSON text)."""
    await session.execute(
        _INSERT_MANY,
        {
            "organization_ids": list(organization_ids),
            "event_types": list(event_types),
            "conversation_ids": list(conversation_ids),
            "payloads": list(payloads),
        },
    )


async def lock_publishing(session: AsyncSession) -> None:
    """Take the relay's exclusive lock until the transaction ends (one publisher at a time)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK})


async def unpublished(session: AsyncSession, limit: int) -> list[Any]:
    """The oldest unpublished rows in id order: (id, organization_id, event_type, conversation_id,
    payload, created_at)."""
    return list((await session.execute(_CLAIM, {"limit": limit})).all())


async def draw_numbers(session: AsyncSession, n: int) -> list[int]:
    """`n` publication numbers from the sequence, ascending (under the lock nobody else draws)."""
    return sorted(r[0] for r in await session.execute(_NUMBERS, {"n": n}))


async def stamp_published(session: AsyncSession, ids: Sequence[int], seqs: Sequence[int], now: datetime) -> None:
    await session.execute(_STAMP, {"now": now, "ids": list(ids), "seqs": list(seqs)})


async def subject_of(session: AsyncSession, outbox_id: int) -> uuid.UUID | None:
    """The id of what an outbox event is about (`data.id` of its envelope): the jobs the relay starts
    for an event (a bulk job, an export) read it here. None when the row is gone."""
    payload: dict[str, Any] | None = (
        await session.execute(select(OutboxEvent.payload).where(OutboxEvent.id == outbox_id))
    ).scalar()
    return uuid.UUID(payload["data"]["id"]) if payload else None


async def published_between(
    session: AsyncSession,
    tenant: Tenant,
    since: datetime,
    until: datetime,
    event_types: Sequence[str],
    *,
    limit: int,
) -> list[Any]:
    """(id, event_type, payload) of the tenant's published events of these types created in
    [since, until), in id order, at most `limit` (a webhook range replay)."""
    stmt = (
        readable_columns(OutboxEvent, tenant, OutboxEvent.id, OutboxEvent.event_type, OutboxEvent.payload)
        .where(
            OutboxEvent.created_at >= since,
            OutboxEvent.created_at < until,
            OutboxEvent.published_at.is_not(None),
            OutboxEvent.event_type.in_(event_types),
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


async def purge_published_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` events published before `cutoff` (every organization's); how many went."""
    result = await session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.id.in_(select(OutboxEvent.id).where(OutboxEvent.published_at < cutoff).limit(limit))
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
