"""All SQL of bulk jobs, every statement scoped by organization (the worker's by the job it holds)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversation.views import ConversationFilters
from api.conversation.views_repository import VIEWS, predicates
from api.kit.errors import NotFound
from api.kit.scoped import readable, readable_columns
from api.models import BulkJob, BulkJobItem, Case, Conversation


async def conversation_ids_matching(
    session: AsyncSession, organization_id: uuid.UUID, view: str, filters: ConversationFilters, limit: int
) -> list[uuid.UUID]:
    """The conversations a filter matches now, in inbox order, at most `limit`."""
    stmt = (
        readable_columns(Conversation, organization_id, Conversation.id)
        .where(VIEWS[view], *predicates(filters))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def own_conversation_ids(
    session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await session.execute(
        readable_columns(Conversation, organization_id, Conversation.id).where(Conversation.id.in_(ids))
    )
    return set(rows.scalars())


async def own_case_ids(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 5_000):
        stmt = readable_columns(Case, organization_id, Case.id).where(Case.id.in_(ids[start : start + 5_000]))
        found |= set((await session.execute(stmt)).scalars())
    return found


async def case_ids_matching(
    session: AsyncSession,
    organization_id: uuid.UUID,
    states: list[str] | None,
    kind: str | None,
    marketplace: str | None,
    limit: int,
) -> list[uuid.UUID]:
    """Cases the filter matches now, oldest first (the order the queue works them)."""
    stmt = readable_columns(Case, organization_id, Case.id)
    if states:
        stmt = stmt.where(Case.state.in_(states))
    if kind:
        stmt = stmt.where(Case.kind == kind)
    if marketplace:
        stmt = stmt.where(Case.marketplace == marketplace)
    stmt = stmt.order_by(Case.created_at, Case.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def add_with_items(session: AsyncSession, job: BulkJob, target_ids: list[uuid.UUID]) -> None:
    """Insert the new job and its items, and read back what the database filled in."""
    session.add(job)
    await session.flush()
    await add_items(session, job, target_ids)
    await session.refresh(job)


async def add_items(session: AsyncSession, job: BulkJob, target_ids: list[uuid.UUID]) -> None:
    # One multi-row INSERT per 5,000 (asyncpg's 32,767 bind parameters, four per row).
    for start in range(0, len(target_ids), 5_000):
        chunk = target_ids[start : start + 5_000]
        await session.execute(
            insert(BulkJobItem),
            [
                {"job_id": job.id, "position": start + i, "organization_id": job.organization_id, "target_id": t}
                for i, t in enumerate(chunk)
            ],
        )


async def get(session: AsyncSession, organization_id: uuid.UUID, job_id: uuid.UUID) -> BulkJob:
    job = (await session.execute(readable(BulkJob, organization_id).where(BulkJob.id == job_id))).scalar_one_or_none()
    if job is None:
        raise NotFound(f"No bulk job {job_id}.")
    return job


async def lock_for_run(session: AsyncSession, job_id: uuid.UUID) -> BulkJob | None:
    """The job, locked for this chunk's transaction (a second runner waits, then sees the counts)."""
    return (await session.execute(select(BulkJob).where(BulkJob.id == job_id).with_for_update())).scalar_one_or_none()


async def claim_pending(session: AsyncSession, job: BulkJob, limit: int) -> list[BulkJobItem]:
    return list(
        (
            await session.execute(
                readable(BulkJobItem, job.organization_id)
                .where(BulkJobItem.job_id == job.id, BulkJobItem.status == "pending")
                .order_by(BulkJobItem.position)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )


async def failures(
    session: AsyncSession, organization_id: uuid.UUID, job_id: uuid.UUID, limit: int
) -> list[BulkJobItem]:
    return list(
        (
            await session.execute(
                readable(BulkJobItem, organization_id)
                .where(BulkJobItem.job_id == job_id, BulkJobItem.status == "failed")
                .order_by(BulkJobItem.position)
                .limit(limit)
            )
        ).scalars()
    )


async def stale_unfinished(session: AsyncSession, older_than: datetime) -> list[uuid.UUID]:
    """Jobs nobody has advanced since `older_than`: their worker died, or Redis lost their queue entry."""
    rows = await session.execute(
        select(BulkJob.id)
        .where(BulkJob.status != "completed", BulkJob.heartbeat_at < older_than)
        .order_by(BulkJob.heartbeat_at)
        .limit(100)
    )
    return list(rows.scalars())
