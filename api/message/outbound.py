"""Replies: queued by agents (or ERPs), delivered by a connector or confirmed by the ERP.

A reply stops the buyer's wait only when its delivery is confirmed and it counts as a response on
the policy that times the wait (see `sla.service.reply_counts`); a failed delivery leaves the wait running and
lists the conversation under Failed.

Mail relays (Amazon, Walmart) confirm nothing: a relay that refuses a reply mostly answers later with
a bounce rather than during the SMTP session. So an SMTP acceptance makes the reply `accepted` (sent,
awaiting confirmation) and the clocks keep running; it becomes `sent` once the bounce window has
passed with the mailbox read and no bounce (`confirm_accepted`), which stops the clocks as of the
acceptance, when the relay had it. A bounce (`record_bounce`) fails it instead: while `accepted`
the clocks never stopped; after a confirmation (a bounce later than the window) the stopped clocks
are marked `bounced` and the wait starts again from the buyer's message. Each bounce is recorded by
its own id, and the status moves only forward from `accepted`/`sent`, so one reply restarts the
clocks at most once however often its bounce is read.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from api import audit
from api.auth.principal import Principal
from api.db import Session
from api.kit.errors import Conflict, InvalidInput, field_error
from api.kit.time import utc_now
from api.message import repository
from api.message.content import contains_question
from api.models import Channel, Conversation, Message, SlaClock
from api.outbox import events
from api.sla import escalation
from api.sla import repository as sla_repository
from api.sla import service as sla_service
from api.webhook.payloads import ConversationUpdatedData, MessageData


async def queue_reply(
    session: Session,
    principal: Principal | None,
    conversation: Conversation,
    body: str,
    *,
    author_kind: str = "human",
    template_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    original_text: str | None = None,
    original_language: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
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
        attachments=attachments or [],
    )
    session.add(message)
    conversation.message_count += 1
    conversation.last_message_at = max(conversation.last_message_at, now)
    # The list preview stays on the buyer's last words: our own replies (the automatic
    # acknowledgement above all) would otherwise hide what the buyer asked.
    if conversation.spam_reason is not None and author_kind == "human":
        # Replying to a conversation means it was not spam after all.
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


async def recompute_waiting(session: Session, conversation: Conversation) -> None:
    """waiting_since = oldest buyer message newer than the latest delivered qualifying reply."""
    conversation.waiting_since = await repository.oldest_unanswered_buyer_at(
        session, conversation.id, conversation.last_response_at
    )


async def record_delivery(
    session: Session,
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
    if status == "accepted":
        raise ValueError("use record_acceptance for a relay's acceptance")

    confirming = message.delivery_status == "accepted"
    if not confirming:
        message.delivery_attempts += 1
    if status == "sent":
        if confirming and delivered_at is None:
            # The relay had it when it accepted it; the window only told us it kept it.
            delivered_at = message.accepted_at
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
        if await sla_service.reply_counts(session, conversation, message.author_kind):
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
    await _refresh_failed(session, conversation)
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


async def record_acceptance(
    session: Session,
    message: Message,
    conversation: Conversation,
    *,
    external_id: str,
    accepted_at: datetime,
    window: timedelta,
) -> Message:
    """A mail relay accepted the reply by SMTP: `accepted` until `accepted_at + window` has passed
    with the mailbox read and no bounce. The clocks keep running meanwhile."""
    if message.delivery_status in ("accepted", "sent"):
        return message
    clash = await repository.by_external_id(session, message.channel_id, external_id)
    if clash is not None and clash.id != message.id:
        raise Conflict(f"External id {external_id!r} already belongs to another message of this channel.")
    message.external_id = external_id
    message.delivery_attempts += 1
    message.delivery_status = "accepted"
    message.delivery_error = None
    meta = {k: v for k, v in (message.meta or {}).items() if k not in ("bounce", "confirmed_by")}
    message.meta = meta | {
        "accepted_at": accepted_at.isoformat(),
        "confirm_after": (accepted_at + window).isoformat(),
    }
    await session.flush()
    await _refresh_failed(session, conversation)
    await session.flush()
    events.emit(
        session,
        conversation.organization_id,
        "message.accepted",
        MessageData.of(message),
        conversation_id=conversation.id,
    )
    return message


async def confirm_accepted(session: Session, message: Message, conversation: Conversation, channel: Channel) -> Message:
    """No bounce within the window (and the mailbox was read after it): the reply counts as delivered."""
    if message.delivery_status != "accepted":
        return message
    message.meta = {**(message.meta or {}), "confirmed_by": "no_bounce"}
    return await record_delivery(session, None, message, conversation, channel, status="sent")


async def record_bounce(
    session: Session,
    message: Message,
    conversation: Conversation,
    channel: Channel,
    *,
    bounce_id: str,
    reason: str,
    source: str,
    status_code: str | None = None,
) -> bool:
    """A bounce (a delivery status notification or the relay's rejection notice) for this reply.
    Returns whether it changed anything: a bounce already seen, or one for a reply no longer
    awaiting or confirmed by the window (retried since, or failed already), changes nothing."""
    meta = dict(message.meta or {})
    seen = list(meta.get("bounces") or [])
    if bounce_id in seen:
        return False
    meta["bounces"] = [*seen, bounce_id][-20:]
    late = message.delivery_status == "sent" and meta.get("confirmed_by") == "no_bounce"
    if message.delivery_status != "accepted" and not late:
        message.meta = meta
        await session.flush()
        return False
    now = utc_now()
    meta["bounce"] = {"at": now.isoformat(), "reason": reason[:1000], "source": source, "status": status_code}
    meta.pop("confirmed_by", None)
    message.meta = meta
    error = f"Bounced: {reason}"[:2000]
    if late:
        # Confirmed by the window, refused after it: undo what the confirmation did.
        message.delivery_status = "accepted"
        message.delivered_at = None
        await _reopen_wait(session, message, conversation, channel, now)
    await record_delivery(session, None, message, conversation, channel, status="failed", error=error)
    return True


async def _reopen_wait(
    session: Session, message: Message, conversation: Conversation, channel: Channel, now: datetime
) -> None:
    """The buyer is waiting again: the clocks this reply stopped did not end with a reply, and the
    wait runs from the oldest buyer message not answered by another delivered reply."""
    clocks = await sla_repository.clocks_stopped_by(session, conversation.organization_id, conversation.id, message.id)
    for clock in clocks:
        clock.state = "stopped"
        clock.stop_reason = "bounced"
    conversation.last_response_at = await repository.last_response_at(
        session, conversation.id, await _counting_authors(session, conversation, clocks), exclude=message.id
    )
    await session.flush()
    await recompute_waiting(session, conversation)
    await sla_service.reconcile(session, conversation, at=now)


async def _counting_authors(session: Session, conversation: Conversation, clocks: list[SlaClock]) -> list[str]:
    """The authors whose replies answered the buyer under the policy of the clocks a reply stopped."""
    return [
        kind for kind in ("human", "auto") if await sla_service.reply_counts(session, conversation, kind, clocks=clocks)
    ]


async def mark_no_response_needed(
    session: Session,
    actor: Principal,
    message: Message,
    conversation: Conversation,
    *,
    reason: str,
    note: str | None = None,
    confirm_question: bool = False,
) -> Message:
    """The buyer's message needs no answer: it leaves the wait (and the response rate).

    It stops a marketplace clock, so it is never a side effect of a click: a reason is required,
    `other` needs a note, and a message that seems to ask something needs `confirm_question`."""
    if message.direction != "inbound" or message.author_kind != "buyer":
        raise Conflict("Only buyer messages can be marked as needing no response.")
    if message.no_response_needed:
        return message
    if reason == "other" and not note:
        raise InvalidInput("Say why this message needs no response.", errors=field_error("body.note", "required"))
    if not confirm_question and contains_question(f"{message.subject or ''}\n{message.body}"):
        raise Conflict(
            "The buyer seems to ask a question. Confirm that it still needs no response.",
            errors=field_error("body.confirm_question", "the message contains a question"),
        )
    message.no_response_needed = True
    message.no_response_reason = reason
    await _rewait(session, conversation, message.id)
    audit.record(
        session,
        actor,
        conversation.organization_id,
        "message.no_response_needed",
        "conversation",
        conversation.id,
        {"message_id": str(message.id), "reason": reason, "note": note, "confirmed_question": confirm_question},
    )
    return message


async def undo_no_response_needed(
    session: Session, actor: Principal, message: Message, conversation: Conversation
) -> Message:
    """The message needs an answer after all: it waits again from when the buyer sent it, so the
    clock that starts again keeps the deadline it had (and the message counts in the rate again)."""
    if not message.no_response_needed or message.direction != "inbound":
        return message
    previous = message.no_response_reason
    message.no_response_needed = False
    message.no_response_reason = None
    await _rewait(session, conversation, message.id)
    audit.record(
        session,
        actor,
        conversation.organization_id,
        "message.no_response_undone",
        "conversation",
        conversation.id,
        {"message_id": str(message.id), "reason": previous},
    )
    return message


async def _rewait(session: Session, conversation: Conversation, message_id: uuid.UUID) -> None:
    await session.flush()
    await recompute_waiting(session, conversation)
    await sla_service.reconcile(session, conversation, stop_reason="no_response_needed", stop_message_id=message_id)
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


async def mark_response_needed(
    session: Session, actor: Principal, message: Message, conversation: Conversation
) -> Message:
    """Undo "no response needed" (Hourglass's automatic decision or a person's): the buyer's message
    waits for an answer again and its clocks start from when it was sent."""
    if message.direction != "inbound" or message.author_kind != "buyer":
        raise Conflict("Only a buyer's message can need a response.")
    if not message.no_response_needed:
        return message
    undone = message.auto_no_response_reason
    message.no_response_needed = False
    message.no_response_reason = None
    if "no_response_reason" in (message.meta or {}):
        message.meta = {k: v for k, v in message.meta.items() if k != "no_response_reason"}
    await session.flush()
    await recompute_waiting(session, conversation)
    await sla_service.reconcile(session, conversation)
    events.emit(
        session,
        conversation.organization_id,
        "conversation.updated",
        ConversationUpdatedData(
            id=conversation.id, changed=["waiting_since"], waiting_since=conversation.waiting_since
        ),
        conversation_id=conversation.id,
    )
    audit.record(
        session,
        actor,
        conversation.organization_id,
        "message.response_needed",
        "message",
        message.id,
        {"undid": "automatic" if undone else "manual", **({"reason": undone} if undone else {})},
    )
    return message


async def _refresh_failed(session: Session, conversation: Conversation) -> None:
    """The conversation's failed-reply flag and the newest failure's error, from its messages."""
    conversation.last_delivery_error = await repository.latest_failed_error(session, conversation.id)
    conversation.has_failed_delivery = conversation.last_delivery_error is not None


async def retry(session: Session, actor: Principal, message: Message, conversation: Conversation) -> Message:
    if message.direction != "outbound" or message.delivery_status != "failed":
        raise Conflict("Only a failed outbound message can be retried.")
    message.delivery_status = "queued"
    await session.flush()
    await _refresh_failed(session, conversation)
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
