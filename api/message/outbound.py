"""Replies: queued by agents (or ERPs), delivered by a connector or confirmed by the ERP.

A reply stops the buyer's wait only when its delivery is confirmed and it counts as a response on
that marketplace (see `rules.counts_as_response`); a failed delivery leaves the wait running and
lists the conversation under Failed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, events
from api.auth.principal import Principal
from api.kit.errors import Conflict, field_error
from api.kit.time import utc_now
from api.message import repository
from api.message.rules import counts_as_response, preview
from api.models import Channel, Conversation, Message
from api.sla import escalation
from api.sla import service as sla_service
from api.webhook.payloads import MessageData


async def queue_reply(
    session: AsyncSession,
    principal: Principal | None,
    conversation: Conversation,
    body: str,
    *,
    author_kind: str = "human",
    template_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    original_text: str | None = None,
    original_language: str | None = None,
) -> Message:
    org = organization_id or conversation.organization_id
    now = utc_now()
    message = Message(
        id=uuid.uuid4(),
        organization_id=org,
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        direction="outbound",
        author_kind=author_kind,
        author_user_id=principal.user_id if principal else None,
        body=body,
        sent_at=now,
        created_at=now,
        delivery_status="queued",
        template_id=template_id,
        original_text=original_text,
        original_language=original_language if original_text is not None else None,
    )
    session.add(message)
    conversation.message_count += 1
    conversation.last_message_at = max(conversation.last_message_at, now)
    conversation.last_message_preview = preview(body)
    if conversation.spam_reason is not None and author_kind == "human":
        # Replying to a conversation means it was not spam after all (R9).
        conversation.spam_reason = None
        conversation.spam_flagged_at = None
        await session.flush()
        await sla_service.reconcile(session, conversation)
    await session.flush()
    await session.refresh(message)
    events.emit(session, org, "message.queued", MessageData.of(message), conversation_id=conversation.id)
    audit.record(
        session,
        principal,
        org,
        "message.reply_queued",
        "conversation",
        conversation.id,
        {"message_id": str(message.id), "author_kind": author_kind},
        actor_type=None if principal else "automation",
    )
    return message


async def recompute_waiting(session: AsyncSession, conversation: Conversation) -> None:
    """waiting_since = oldest buyer message newer than the latest delivered qualifying reply."""
    pending = select(func.min(Message.sent_at)).where(
        Message.conversation_id == conversation.id,
        Message.direction == "inbound",
        Message.author_kind == "buyer",
        Message.no_response_needed.is_(False),
    )
    if conversation.last_response_at is not None:
        pending = pending.where(Message.sent_at > conversation.last_response_at)
    conversation.waiting_since = (await session.execute(pending)).scalar_one_or_none()


async def record_delivery(
    session: AsyncSession,
    actor: Principal | None,
    message: Message,
    conversation: Conversation,
    channel: Channel,
    *,
    status: str,
    external_id: str | None = None,
    error: str | None = None,
    delivered_at: datetime | None = None,
) -> Message:
    """Apply a delivery outcome. Re-reporting the outcome already recorded is a no-op."""
    if message.direction != "outbound":
        raise Conflict("Only outbound messages have a delivery status.")
    if message.delivery_status == "sent":
        if status == "sent" and (external_id is None or external_id == message.external_id):
            return message
        raise Conflict("This message was already confirmed sent; its outcome cannot change.")
    if message.delivery_status == "failed" and status == "failed" and error == message.delivery_error:
        return message

    message.delivery_attempts += 1
    if status == "sent":
        if external_id:
            clash = await repository.by_external_id(session, message.channel_id, external_id)
            if clash is not None and clash.id != message.id:
                raise Conflict(
                    f"External id {external_id!r} already belongs to another message of this channel.",
                    errors=field_error("body.external_message_id", "already used in this channel"),
                )
            message.external_id = external_id
        message.delivery_status = "sent"
        message.delivery_error = None
        message.delivered_at = delivered_at or utc_now()
        message.sent_at = message.delivered_at
        if counts_as_response(channel.marketplace, message.author_kind):
            if conversation.last_response_at is None or message.created_at > conversation.last_response_at:
                conversation.last_response_at = message.created_at
            await recompute_waiting(session, conversation)
            # Confirmed delivery of a qualifying reply is what stops the clocks.
            await sla_service.reconcile(
                session, conversation, stop_reason="reply", stop_message_id=message.id, at=message.delivered_at
            )
        event = "message.sent"
    else:
        message.delivery_status = "failed"
        message.delivery_error = error or "delivery failed"
        conversation.has_failed_delivery = True
        event = "message.failed"
        # The buyer is still waiting and the clock still runs: tell the people who own the thread.
        if conversation.assignee_id:
            escalation.notify(
                session,
                conversation,
                conversation.assignee_id,
                "delivery.failed",
                f"Reply not delivered: {conversation.order_external_id or conversation.subject}",
                f"The marketplace refused the reply: {message.delivery_error}",
                {"message_id": str(message.id)},
            )
    await session.flush()
    conversation.has_failed_delivery = await repository.has_failed_outbound(session, conversation.id)
    await session.flush()
    events.emit(session, conversation.organization_id, event, MessageData.of(message), conversation_id=conversation.id)
    audit.record(
        session,
        actor,
        conversation.organization_id,
        event,
        "message",
        message.id,
        {"status": status, "error": message.delivery_error},
        actor_type=None if actor else "system",
    )
    return message


async def mark_no_response_needed(
    session: AsyncSession, actor: Principal, message: Message, conversation: Conversation
) -> Message:
    """The buyer's message needs no answer: it leaves the wait (and the response rate)."""
    if message.direction != "inbound":
        raise Conflict("Only inbound messages can be marked as needing no response.")
    if message.no_response_needed:
        return message
    message.no_response_needed = True
    await session.flush()
    await recompute_waiting(session, conversation)
    await sla_service.reconcile(session, conversation, stop_reason="no_response_needed", stop_message_id=message.id)
    events.emit(
        session,
        conversation.organization_id,
        "conversation.updated",
        {
            "id": str(conversation.id),
            "changed": ["waiting_since"],
            "waiting_since": conversation.waiting_since.isoformat() if conversation.waiting_since else None,
        },
        conversation_id=conversation.id,
    )
    audit.record(session, actor, conversation.organization_id, "message.no_response_needed", "message", message.id)
    return message


async def retry(session: AsyncSession, actor: Principal, message: Message, conversation: Conversation) -> Message:
    if message.direction != "outbound" or message.delivery_status != "failed":
        raise Conflict("Only a failed outbound message can be retried.")
    message.delivery_status = "queued"
    await session.flush()
    conversation.has_failed_delivery = await repository.has_failed_outbound(session, conversation.id)
    await session.flush()
    events.emit(
        session,
        conversation.organization_id,
        "message.queued",
        MessageData.of(message),
        conversation_id=conversation.id,
    )
    audit.record(session, actor, conversation.organization_id, "message.retried", "message", message.id)
    return message
