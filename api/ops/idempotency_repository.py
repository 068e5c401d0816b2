"""SQL of idempotency records (api/ops/idempotency.py). A record belongs to the credential that made
the request (`principal`, a session or an API key), not to an organization: its statements are
scoped by that credential, and the retention purge spans every organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import IdempotencyRecord


async def insert_if_new(
    session: AsyncSession, principal: str, key: str, method: str, path: str, digest: str
) -> uuid.UUID | None:
    """A new in-flight record for the credential's key, and its id; None if the key has one already."""
    stmt = (
        insert(IdempotencyRecord)
        .values(principal=principal, key=key, method=method, path=path, request_digest=digest)
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(IdempotencyRecord.id)
    )
    new_id: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def lock_record(session: AsyncSession, principal: str, key: str) -> IdempotencyRecord:
    """The credential's record for `key` (which must exist), locked FOR UPDATE until the transaction ends."""
    stmt = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one()


async def delete_record(session: AsyncSession, record_id: Any) -> None:
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


async def store_response(
    session: AsyncSession,
    record_id: Any,
    *,
    status: int,
    headers: dict[str, str],
    body: bytes,
    completed_at: datetime,
) -> None:
    """Complete a record with the response it replays (the body as the caller stores it: encrypted)."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(response_status=status, response_headers=headers, response_body=body, completed_at=completed_at)
    )


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete the records made before `cutoff` (every organization's); how many went."""
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return result.rowcount or 0  # type: ignore[attr-defined]
