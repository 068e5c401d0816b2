from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, and_, bindparam, cast, column, exists, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit import changefeed
from api.kit.errors import NotFound
from api.kit.scoped import tenant_condition
from api.models import Message


async def get(
    session: AsyncSession, organization_id: uuid.UUID, message_id: uuid.UUID, *, lock: bool = False
) -> Message:
    stmt = select(Message).where(Message.id == message_id, tenant_condition(Message, organization_id))
    if lock:
        stmt = stmt.with_for_update()
    message = (await session.execute(stmt)).scalar_one_or_none()
    if message is None:
        raise NotFound(f"No message {message_id}.")
    return message


async def claim_unprocessed_inbound(session: AsyncSession) -> Message | None:
    """The oldest inbound message no automation has processed yet, locked (SKIP LOCKED, so several
    workers share the queue). Every organization's: the automation loop serves them all."""
    stmt = (
        select(Message)
        .where(Message.processed_at.is_(None), Message.direction == "inbound")
        .order_by(Message.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def skip_unprocessed_inbound(session: AsyncSession, now: datetime) -> None:
    """Mark the oldest unprocessed inbound message processed, flagged `automation_error`: a message
    that breaks the pipeline must not block the queue behind it."""
    stmt = (
        select(Message.id)
        .where(Message.processed_at.is_(None), Message.direction == "inbound")
        .order_by(Message.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    message_id = (await session.execute(stmt)).scalar_one_or_none()
    if message_id is not None:
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(processed_at=now, meta=Message.meta.op("||")({"automation_error": True}))
        )


_STORE_INBOUND = (
    text("SELECT hourglass_ingest_many(:p) AS stored")
    .bindparams(bindparam("p", type_=JSONB))
    .columns(column("stored", JSONB))
)


async def store_inbound(session: AsyncSession, page: dict[str, Any]) -> dict[str, Any]:
    """Store a batch of inbound messages of one channel in one round trip (migration 0010,
    `hourglass_ingest_many`). Returns `replays` (external id -> stored message) for the messages
    already known, and for the others `messages` (external id -> message, its `ingest_decision`
    filled), `conversations` (id -> row as updated), `open_clocks` (of the conversations that
    existed, locked) and `resolution_stopped_at` (conversation id -> when its last resolution clock
    stopped).

    A text statement does not autoflush: the pipeline leaves nothing unflushed but outbox rows (the
    SLA engine flushes what it changes), so a batch of one thread in one transaction reads its own
    writes while its events still go in together at commit."""
    return dict((await session.execute(_STORE_INBOUND, {"p": page})).scalar_one())


async def by_external_id(session: AsyncSession, channel_id: uuid.UUID, external_id: str) -> Message | None:
    result = await session.execute(
        select(Message).where(Message.channel_id == channel_id, Message.external_id == external_id)
    )
    return result.scalar_one_or_none()


async def for_conversation(
    session: AsyncSession,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    limit: int,
    before: tuple[Any, uuid.UUID] | None = None,
) -> list[Message]:
    """The latest `limit` messages (older than `before`), returned oldest first."""
    stmt = select(Message).where(tenant_condition(Message, organization_id), Message.conversation_id == conversation_id)
    if before:
        stmt = stmt.where(tuple_(Message.sent_at, Message.id) < tuple_(before[0], before[1]))
    stmt = stmt.order_by(Message.sent_at.desc(), Message.id.desc()).limit(limit)
    return list(reversed(list((await session.execute(stmt)).scalars())))


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    direction: str | None,
    delivery_status: str | None,
    channel_id: uuid.UUID | None,
    conversation_id: uuid.UUID | None,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> list[Message]:
    """Messages oldest first (FIFO for ERPs collecting queued replies)."""
    conditions = [tenant_condition(Message, organization_id)]
    if direction:
        conditions.append(Message.direction == direction)
    if delivery_status:
        conditions.append(Message.delivery_status == delivery_status)
    if channel_id:
        conditions.append(Message.channel_id == channel_id)
    if conversation_id:
        conditions.append(Message.conversation_id == conversation_id)
    if after:
        conditions.append(tuple_(Message.created_at, Message.id) > tuple_(after[0], after[1]))
    stmt = select(Message).where(and_(*conditions)).order_by(Message.created_at, Message.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def changed_since(
    session: AsyncSession,
    organization_id: uuid.UUID,
    after: tuple[int, uuid.UUID] | None,
    limit: int,
    *,
    direction: str | None,
    channel_id: uuid.UUID | None,
) -> tuple[list[Message], tuple[int, uuid.UUID]]:
    """The organization's messages in change order after `after` (see api/kit/changefeed.py). Only
    filters on what never changes, so a message cannot leave the feed by changing."""
    conditions = [tenant_condition(Message, organization_id)]
    if direction:
        conditions.append(Message.direction == direction)
    if channel_id:
        conditions.append(Message.channel_id == channel_id)
    return await changefeed.changed_since(session, Message, conditions, after, limit)


async def failed_replies(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID
) -> list[Message]:
    """The conversation's failed replies, oldest first, locked (a retry changes them)."""
    result = await session.execute(
        select(Message)
        .where(
            tenant_condition(Message, organization_id),
            Message.conversation_id == conversation_id,
            Message.direction == "outbound",
            Message.delivery_status == "failed",
        )
        .order_by(Message.created_at, Message.id)
        .with_for_update()
    )
    return list(result.scalars())


async def latest_failed_error(session: AsyncSession, conversation_id: uuid.UUID) -> str | None:
    """The newest failed reply's error (None when no reply of the conversation is failed)."""
    result = await session.execute(
        select(func.coalesce(Message.delivery_error, "delivery failed"))
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "outbound",
            Message.delivery_status == "failed",
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def has_failed_outbound(session: AsyncSession, conversation_id: uuid.UUID) -> bool:
    result = await session.execute(
        select(func.count())
        .select_from(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "outbound",
            Message.delivery_status == "failed",
        )
    )
    return bool(result.scalar_one())


async def last_response_at(
    session: AsyncSession, conversation_id: uuid.UUID, authors: list[str], *, exclude: uuid.UUID | None = None
) -> datetime | None:
    """When the latest delivered reply that answers the buyer was written (what `last_response_at`
    holds), leaving out `exclude` (a reply that turned out not to be delivered)."""
    query = select(func.max(Message.created_at)).where(
        Message.conversation_id == conversation_id,
        Message.direction == "outbound",
        Message.delivery_status == "sent",
        Message.author_kind.in_(authors),
    )
    if exclude is not None:
        query = query.where(Message.id != exclude)
    return (await session.execute(query)).scalar_one_or_none()


async def outbound_by_mail_ids(
    session: AsyncSession, organization_id: uuid.UUID, channel_id: uuid.UUID, mail_ids: list[str]
) -> list[Message]:
    """Our replies on a mail channel whose Message-IDs are among `mail_ids`, locked (a bounce is
    about to change one)."""
    if not mail_ids:
        return []
    rows = await session.execute(
        select(Message)
        .where(
            tenant_condition(Message, organization_id),
            Message.channel_id == channel_id,
            Message.direction == "outbound",
            Message.external_id.in_(mail_ids),
        )
        .with_for_update()
    )
    return list(rows.scalars())


async def accepted_replies(session: AsyncSession, organization_id: uuid.UUID, limit: int) -> list[Message]:
    """Replies a mail relay accepted whose bounce window has passed (outbound-queue index range)."""
    due = cast(Message.meta["confirm_after"].astext, DateTime(timezone=True))
    rows = await session.execute(
        select(Message)
        .where(
            tenant_condition(Message, organization_id),
            Message.direction == "outbound",
            Message.delivery_status == "accepted",
            due <= func.now(),
        )
        .order_by(Message.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def latest_buyer_body(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID
) -> str | None:
    """The text of the buyer's most recent message in a conversation (None before the buyer wrote)."""
    return (
        await session.execute(
            select(Message.body)
            .where(
                tenant_condition(Message, organization_id),
                Message.conversation_id == conversation_id,
                Message.direction == "inbound",
                Message.author_kind == "buyer",
            )
            .order_by(Message.sent_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def newer_than(
    session: AsyncSession,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    seen: Message,
    author_user_id: uuid.UUID | None,
) -> Message | None:
    """The newest message of the conversation that arrived after `seen` and is not the caller's own
    (a buyer's new message, or a reply someone else sent meanwhile). An automatic acknowledgement
    ("we are away, we will answer within a business day") answers nothing, so a person's reply on
    top of it is no collision."""
    q = (
        select(Message)
        .where(
            tenant_condition(Message, organization_id),
            Message.conversation_id == conversation_id,
            tuple_(Message.created_at, Message.id) > tuple_(seen.created_at, seen.id),
            Message.author_kind != "auto",
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    if author_user_id is not None:
        q = q.where(Message.author_user_id.is_distinct_from(author_user_id))
    return (await session.execute(q)).scalar_one_or_none()


async def oldest_unanswered_buyer_at(
    session: AsyncSession, conversation_id: uuid.UUID, answered_at: datetime | None
) -> datetime | None:
    """When the oldest buyer message that needs a response and is newer than `answered_at` (the
    latest delivered qualifying reply, None when there is none) was sent: what `waiting_since` holds.
    By the conversation's id alone: the caller holds the organization's conversation."""
    pending = select(func.min(Message.sent_at)).where(
        Message.conversation_id == conversation_id,
        Message.direction == "inbound",
        Message.author_kind == "buyer",
        Message.no_response_needed.is_(False),
    )
    if answered_at is not None:
        pending = pending.where(Message.sent_at > answered_at)
    return (await session.execute(pending)).scalar_one_or_none()


async def has_only_notices(session: AsyncSession, conversation_id: uuid.UUID) -> bool:
    """Whether the conversation's inbound messages are all marketplace system mail (at least one
    notice, no buyer's message). By the conversation's id alone: the caller holds the
    organization's conversation."""
    inbound = (Message.conversation_id == conversation_id) & (Message.direction == "inbound")
    notices = exists().where(inbound, Message.author_kind == "system")
    buyers = exists().where(inbound, Message.author_kind == "buyer")
    return bool((await session.execute(select(notices & ~buyers))).scalar())


async def has_answer(session: AsyncSession, conversation_id: uuid.UUID) -> bool:
    """Whether the conversation has an outbound message other than an automatic one. By the
    conversation's id alone: the caller holds the organization's conversation."""
    answered = exists().where(
        Message.conversation_id == conversation_id, Message.direction == "outbound", Message.author_kind != "auto"
    )
    return bool((await session.execute(select(answered))).scalar())
