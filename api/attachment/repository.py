"""All SQL of attachments; every statement is scoped to one organization, except the worker's claim
of pending fetches, which serves every organization with rows that carry their own."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.models import Attachment, Message

NOTIFY_CHANNEL = "hourglass_attachments"
MAX_ATTEMPTS = 3


def ref(row: Attachment) -> dict[str, Any]:
    """How a message lists one of its attachments (never the marketplace's URL)."""
    return {
        "id": str(row.id),
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "status": row.status,
        "failure_reason": row.failure_reason,
    }


async def get(session: AsyncSession, organization_id: uuid.UUID, attachment_id: uuid.UUID) -> Attachment:
    row = (
        await session.execute(
            select(Attachment).where(Attachment.organization_id == organization_id, Attachment.id == attachment_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Attachment {attachment_id} not found.")
    return row


async def many(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, Attachment]:
    if not ids:
        return {}
    rows = (
        await session.execute(
            select(Attachment).where(Attachment.organization_id == organization_id, Attachment.id.in_(ids))
        )
    ).scalars()
    return {row.id: row for row in rows}


async def of_message(session: AsyncSession, message_id: uuid.UUID) -> list[Attachment]:
    rows = await session.execute(
        select(Attachment).where(Attachment.message_id == message_id).order_by(Attachment.created_at, Attachment.id)
    )
    return list(rows.scalars())


async def of_message_refs(session: AsyncSession, message_id: uuid.UUID) -> list[dict[str, Any]]:
    return [ref(row) for row in await of_message(session, message_id)]


async def refresh_message(session: AsyncSession, organization_id: uuid.UUID, message_id: uuid.UUID) -> None:
    """Rewrite the message's list of its own attachments from their rows."""
    refs = [ref(row) for row in await of_message(session, message_id)]
    await session.execute(
        update(Message)
        .where(Message.organization_id == organization_id, Message.id == message_id)
        .values(attachments=refs)
    )


async def claim_pending(session: AsyncSession) -> Attachment | None:
    """One pending fetch, locked for this transaction (others skip it)."""
    return (
        await session.execute(
            select(Attachment)
            .where(Attachment.status == "pending")
            .order_by(Attachment.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()


async def notify(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


async def content_referenced(session: AsyncSession, sha256: str) -> bool:
    """Whether any attachment row (any organization: the store is content-addressed) holds these bytes."""
    return bool((await session.execute(select(exists().where(Attachment.sha256 == sha256)))).scalar())
