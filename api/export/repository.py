"""SQL of export jobs: the requester's jobs (scoped to their organization), and the worker's claim,
progress, snapshot and stream, which work on one job by its id (the worker holds only the id) and on
every organization's jobs for the sweeps. The SELECT of each kind of export is built in
api/export/sources_repository.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.export.sources_repository import ExportStatement
from api.kit.scoped import get_scoped, readable, readable_columns
from api.models import ExportJob, PrivacySettings

# --- the requester's jobs ----------------------------------------------------------------------


async def owns(session: AsyncSession, principal: Principal, model: Any, row_id: uuid.UUID) -> bool:
    """Whether the caller's organization has a `model` row with this id (a channel, team, customer or
    user an export filter names)."""
    found = (await session.execute(readable_columns(model, principal, model.id).where(model.id == row_id))).first()
    return found is not None


async def add(session: AsyncSession, job: ExportJob) -> None:
    """Insert the new job and read back what the database filled in (created_at)."""
    session.add(job)
    await session.flush()
    await session.refresh(job)


async def visible(
    session: AsyncSession, principal: Principal, export_id: uuid.UUID, *, created_by: uuid.UUID | None
) -> ExportJob | None:
    """The organization's export with this id; only one `created_by` made, when given."""
    stmt = readable(ExportJob, principal).where(ExportJob.id == export_id)
    if created_by is not None:
        stmt = stmt.where(ExportJob.created_by_user_id == created_by)
    return (await session.execute(stmt)).scalar()


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    created_by: uuid.UUID | None,
    kind: str | None,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[ExportJob]:
    """The organization's exports (only those `created_by` made, when given), newest first, after the
    (created_at, id) keyset position; `limit` rows at most."""
    stmt = readable(ExportJob, principal)
    if created_by is not None:
        stmt = stmt.where(ExportJob.created_by_user_id == created_by)
    if kind:
        stmt = stmt.where(ExportJob.kind == kind)
    if status:
        stmt = stmt.where(ExportJob.status == status)
    if after:
        at, after_id = after
        stmt = stmt.where(or_(ExportJob.created_at < at, and_(ExportJob.created_at == at, ExportJob.id < after_id)))
    rows = await session.execute(stmt.order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(limit))
    return list(rows.scalars())


# --- the worker's job, by its id ---------------------------------------------------------------


async def lock_runnable(session: AsyncSession, job_id: uuid.UUID) -> ExportJob | None:
    """The job, if queued or running and not locked by another runner (any organization's: the worker
    holds only its id), locked for the claim's transaction."""
    return (
        await session.execute(
            select(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status.in_(("queued", "running")))
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()


async def record_progress(session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
    """Set these columns of the job the worker claimed (by its id)."""
    await session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


async def masked_roles(session: AsyncSession, organization_id: uuid.UUID) -> list[str]:
    """The roles the organization masks buyer contact data for, read from the database (not from the
    per-process privacy cache); none without privacy settings."""
    row = await get_scoped(session, PrivacySettings, organization_id, organization_id)
    return list(row.masked_roles or ()) if row else []


async def begin_snapshot(session: AsyncSession) -> None:
    """Begin the session's transaction as one REPEATABLE READ snapshot, planned for reading every row.

    Read only, so it never blocks writers. A cursor is planned for its first 10% of rows by default
    (nested loops over the joins); an export reads every row, so plan it as a whole query (hash
    joins), as COPY would be."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    await session.execute(select(func.now()))  # begins the transaction at this isolation
    await session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))


async def count_rows(session: AsyncSession, statement: ExportStatement) -> int:
    """How many rows the export's SELECT returns (its ordering dropped)."""
    total: int = (
        await session.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
    ).scalar_one()
    return total


async def stream_batches(
    session: AsyncSession, statement: ExportStatement, batch_rows: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """The export's rows through a server-side cursor, `batch_rows` at a time."""
    result = await session.stream(statement.execution_options(yield_per=batch_rows))
    return result.partitions(batch_rows)


# --- every organization's jobs (the worker's sweeps) -------------------------------------------


async def stalled(session: AsyncSession, heartbeat_before: datetime) -> list[uuid.UUID]:
    """Exports queued or running whose heartbeat is older than `heartbeat_before` (every
    organization's): their worker died or their queue entry was lost."""
    rows = await session.execute(
        select(ExportJob.id).where(
            ExportJob.status.in_(("queued", "running")), ExportJob.heartbeat_at < heartbeat_before
        )
    )
    return list(rows.scalars())


async def lock_expired(session: AsyncSession, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(id, organization id, format) of every organization's finished exports whose file expired by
    `now`, locked (skipping those another sweep holds)."""
    rows = await session.execute(
        select(ExportJob.id, ExportJob.organization_id, ExportJob.format)
        .where(ExportJob.status == "done", ExportJob.expires_at <= now)
        .with_for_update(skip_locked=True)
    )
    return [(export_id, org_id, fmt) for export_id, org_id, fmt in rows.all()]


async def mark_expired(session: AsyncSession, export_ids: list[uuid.UUID]) -> None:
    """The sweep's locked exports (any organization's) are `expired`."""
    await session.execute(update(ExportJob).where(ExportJob.id.in_(export_ids)).values(status="expired"))


async def statuses(session: AsyncSession, export_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The status of each of these exports that exists, whatever its organization (the sweep finds
    their ids in file names)."""
    rows = await session.execute(select(ExportJob.id, ExportJob.status).where(ExportJob.id.in_(export_ids)))
    return {export_id: status for export_id, status in rows.all()}
