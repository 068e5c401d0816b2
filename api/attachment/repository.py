"""All SQL of attachments; every statement is scoped to one organization, except the worker's claims
(pending fetches, unsent uploads), which serve every organization with rows that carry their own."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import tenant_condition
from api.models import Attachment, CaseAttachment, Message

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
            select(Attachment).where(tenant_condition(Attachment, organization_id), Attachment.id == attachment_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Attachment {attachment_id} not found.")
    return row


async def signed_for(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    """An attachment by id in any organization: only for a signed link, whose signature (checked
    before this is called) is what grants access, not a principal."""
    return await session.get(Attachment, attachment_id)


async def many(
    session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, Attachment]:
    """With `lock`, the rows are held (FOR KEY SHARE) until the caller commits the reply or case that
    names them: the clean-up of unsent uploads skips them meanwhile, and a file it is deleting right
    now reads as unknown once it is gone."""
    if not ids:
        return {}
    stmt = select(Attachment).where(tenant_condition(Attachment, organization_id), Attachment.id.in_(ids))
    if lock:
        stmt = stmt.with_for_update(read=True, key_share=True)
    rows = (await session.execute(stmt)).scalars()
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
        .where(tenant_condition(Message, organization_id), Message.id == message_id)
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


# -- cases ------------------------------------------------------------------------------------------


def case_ref(row: Attachment) -> dict[str, Any]:
    """How a case lists one of its files: as a message does, with where to download it."""
    return {**ref(row), "message_id": row.message_id, "download_url": f"/v1/attachments/{row.id}"}


async def of_case(session: AsyncSession, organization_id: uuid.UUID, case_id: uuid.UUID) -> list[Attachment]:
    rows = await session.execute(
        select(Attachment)
        .join(CaseAttachment, CaseAttachment.attachment_id == Attachment.id)
        .where(tenant_condition(CaseAttachment, organization_id), CaseAttachment.case_id == case_id)
        .order_by(CaseAttachment.added_at, CaseAttachment.attachment_id)
    )
    return list(rows.scalars())


async def of_cases(
    session: AsyncSession, organization_id: uuid.UUID, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Attachment]]:
    """Each case's files in one query (a page of cases)."""
    out: dict[uuid.UUID, list[Attachment]] = {i: [] for i in case_ids}
    if not case_ids:
        return out
    rows = await session.execute(
        select(CaseAttachment.case_id, Attachment)
        .join(Attachment, CaseAttachment.attachment_id == Attachment.id)
        .where(tenant_condition(CaseAttachment, organization_id), CaseAttachment.case_id.in_(case_ids))
        .order_by(CaseAttachment.added_at, CaseAttachment.attachment_id)
    )
    for case_id, row in rows:
        out[case_id].append(row)
    return out


async def case_attachment_ids(session: AsyncSession, organization_id: uuid.UUID, case_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(CaseAttachment.attachment_id)
        .where(tenant_condition(CaseAttachment, organization_id), CaseAttachment.case_id == case_id)
        .order_by(CaseAttachment.added_at, CaseAttachment.attachment_id)
    )
    return list(rows.scalars())


async def link_to_case(
    session: AsyncSession,
    organization_id: uuid.UUID,
    case_id: uuid.UUID,
    attachment_ids: list[uuid.UUID],
    actor_type: str,
    actor_id: str | None,
    now: datetime,
) -> None:
    if not attachment_ids:
        return
    # In the given order: each link a microsecond after the one before, so the case lists them so.
    rows = [
        {
            "case_id": case_id,
            "attachment_id": attachment_id,
            "organization_id": organization_id,
            "added_by_type": actor_type,
            "added_by_id": actor_id,
            "added_at": now + timedelta(microseconds=n),
        }
        for n, attachment_id in enumerate(attachment_ids)
    ]
    await session.execute(pg_insert(CaseAttachment).values(rows).on_conflict_do_nothing())
    # An upload on a case is in use: the clean-up of unsent uploads leaves it alone.
    await session.execute(
        update(Attachment)
        .where(
            tenant_condition(Attachment, organization_id),
            Attachment.id.in_(attachment_ids),
            Attachment.source == "upload",
            Attachment.settled_at.is_(None),
        )
        .values(settled_at=now)
    )


async def unlink_from_case(
    session: AsyncSession, organization_id: uuid.UUID, case_id: uuid.UUID, attachment_ids: list[uuid.UUID]
) -> None:
    if not attachment_ids:
        return
    await session.execute(
        delete(CaseAttachment).where(
            tenant_condition(CaseAttachment, organization_id),
            CaseAttachment.case_id == case_id,
            CaseAttachment.attachment_id.in_(attachment_ids),
        )
    )
    # An upload that was only on this case is unsent again: the clean-up looks at it once more (and
    # finds it in use if a message or another case still has it).
    await session.execute(
        update(Attachment)
        .where(
            tenant_condition(Attachment, organization_id),
            Attachment.id.in_(attachment_ids),
            Attachment.source == "upload",
        )
        .values(settled_at=None)
    )


async def conversation_images(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID
) -> list[uuid.UUID]:
    """The stored images of the buyer's messages on a conversation, oldest first."""
    rows = await session.execute(
        select(Attachment.id)
        .join(Message, Message.id == Attachment.message_id)
        .where(
            tenant_condition(Message, organization_id),
            Message.conversation_id == conversation_id,
            Message.direction == "inbound",
            tenant_condition(Attachment, organization_id),
            Attachment.status == "stored",
            Attachment.content_type.like("image/%"),
        )
        .order_by(Message.sent_at, Message.id, Attachment.created_at, Attachment.id)
    )
    return list(rows.scalars())


# -- clean-up of unsent uploads ----------------------------------------------------------------------


async def claim_unsettled_uploads(session: AsyncSession, created_before: datetime, limit: int) -> list[Attachment]:
    """Uploads past their grace period not yet found in use, locked for this transaction (other
    workers skip them); all organizations, each row carries its own."""
    rows = await session.execute(
        select(Attachment)
        .where(Attachment.source == "upload", Attachment.settled_at.is_(None), Attachment.created_at < created_before)
        .order_by(Attachment.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def upload_in_use(session: AsyncSession, row: Attachment) -> bool:
    """Whether a message of the upload's organization lists it (a reply sent it) or a case links it."""
    on_message = exists().where(
        tenant_condition(Message, row.organization_id),
        # The predicate of ix_messages_attachment_refs, so the partial GIN index answers the containment.
        Message.attachments != text("'[]'::jsonb"),
        Message.attachments.contains([{"id": str(row.id)}]),
    )
    on_case = exists().where(
        tenant_condition(CaseAttachment, row.organization_id), CaseAttachment.attachment_id == row.id
    )
    return bool((await session.execute(select(or_(on_message, on_case)))).scalar())


async def delete_attachment(session: AsyncSession, row: Attachment) -> None:
    await session.execute(
        delete(Attachment).where(tenant_condition(Attachment, row.organization_id), Attachment.id == row.id)
    )


async def delete_of_buyer_messages(
    session: AsyncSession, organization_id: uuid.UUID, conversation_ids: list[uuid.UUID]
) -> list[str]:
    """Delete the files of the buyer's messages on these conversations (an erasure): their links to
    cases go with them. Returns the digests of the bytes they held."""
    if not conversation_ids:
        return []
    buyer_messages = select(Message.id).where(
        tenant_condition(Message, organization_id),
        Message.conversation_id.in_(conversation_ids),
        Message.author_kind == "buyer",
    )
    rows = await session.execute(
        delete(Attachment)
        .where(tenant_condition(Attachment, organization_id), Attachment.message_id.in_(buyer_messages))
        .returning(Attachment.sha256)
    )
    return sorted({sha for sha in rows.scalars() if sha})
