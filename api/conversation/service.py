"""Conversation operations: reading with context, triage updates, notes, spam, replies."""

from __future__ import annotations

import uuid
from typing import Any

from api import audit
from api.attachment import service as attachment_service
from api.auth.principal import Principal
from api.channel import repository as channel_repository
from api.compliance import service as compliance
from api.conversation import repository
from api.conversation.schemas import (
    ConversationDetail,
    ConversationRead,
    ConversationUpdate,
    NoteCreate,
    NoteRead,
)
from api.csat import service as csat
from api.customer import repository as customer_repository
from api.customer.schemas import CustomerRead, CustomerSummary
from api.db import Session
from api.kit.errors import Conflict, InvalidInput, NotFound, field_error
from api.kit.time import utc_now
from api.message import repository as message_repository
from api.message.outbound import queue_reply
from api.message.schemas import FailureRead, MessageRead
from api.models import Conversation, Message, Note
from api.notification import service as notifications
from api.order import repository as order_repository
from api.order import service as order_service
from api.outbox import events
from api.sla import repository as sla_repository
from api.sla import service as sla_service
from api.team import repository as team_repository
from api.template import service as templates
from api.user import repository as user_repository
from api.webhook.payloads import ConversationData

DETAIL_MESSAGE_LIMIT = 200


def payload(c: Conversation) -> dict[str, Any]:
    """The conversation as events carry it (webhooks, WebSocket), as a plain dict for the producers
    that compare or extend it; the typed model is `api.webhook.payloads.ConversationData`."""
    return events.envelope("conversation.updated", ConversationData.of(c))["data"]


def _read(c: Conversation, customer: CustomerSummary | None) -> dict[str, Any]:
    return {
        **{
            k: getattr(c, k)
            for k in (
                "id",
                "channel_id",
                "marketplace",
                "external_thread_id",
                "subject",
                "category",
                "priority",
                "status",
                "assignee_id",
                "team_id",
                "unread",
                "waiting_since",
                "last_message_at",
                "last_message_preview",
                "message_count",
                "has_failed_delivery",
                "spam_reason",
                "created_at",
                "updated_at",
                "resolved_at",
            )
        },
        "labels": list(c.labels or []),
        "failure": FailureRead.of(c.last_delivery_error) if c.has_failed_delivery else None,
        "customer": customer,
        "order_id": c.order_external_id,
        "item_id": c.item_external_id,
        "sla_deadline": c.sla_deadline,
        "sla_due_soon_at": c.sla_due_soon_at,
        "sla_state": sla_service.state_at(c.sla_deadline, c.sla_due_soon_at, utc_now()),
        "snoozed": c.snoozed_at is not None,
        "snoozed_until": c.snoozed_until,
    }


async def read_many(session: Session, organization_id: uuid.UUID, items: list[Conversation]) -> list[ConversationRead]:
    customers = await customer_repository.get_many(
        session, organization_id, {c.customer_id for c in items if c.customer_id}
    )
    return [
        ConversationRead.model_validate(
            _read(c, CustomerSummary.model_validate(customers[c.customer_id]) if c.customer_id in customers else None)
        )
        for c in items
    ]


async def detail(session: Session, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> ConversationDetail:
    c = await repository.get(session, organization_id, conversation_id)
    messages = await message_repository.for_conversation(session, organization_id, c.id, DETAIL_MESSAGE_LIMIT + 1)
    truncated = len(messages) > DETAIL_MESSAGE_LIMIT
    messages = messages[-DETAIL_MESSAGE_LIMIT:]
    notes = await repository.notes(session, organization_id, c.id)
    customer = await customer_repository.get(session, organization_id, c.customer_id) if c.customer_id else None
    order = await order_repository.get(session, organization_id, c.order_id) if c.order_id else None
    base = _read(c, CustomerSummary.model_validate(customer) if customer else None)
    return ConversationDetail.model_validate(
        {
            **base,
            "messages": [MessageRead.model_validate(m) for m in messages],
            "messages_truncated": truncated,
            "notes": [NoteRead.model_validate(n) for n in notes],
            "order": await order_service.read_one(session, order) if order else None,
            "customer_profile": CustomerRead.model_validate(customer) if customer else None,
            "manual_fields": list(c.manual_fields or ()),
            "clocks": [
                sla_service.clock_view(k, utc_now())
                for k in await sla_repository.clocks_of(session, organization_id, c.id)
            ],
        }
    )


async def update(
    session: Session,
    principal: Principal,
    conversation_id: uuid.UUID,
    data: ConversationUpdate,
    *,
    audit_extra: dict[str, Any] | None = None,
) -> Conversation:
    """`audit_extra` is added to the audit entry (a macro names itself there, `by_macro`)."""
    org = principal.organization_id
    c = await repository.get(session, org, conversation_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    before = payload(c)
    if "assignee_id" in changes and changes["assignee_id"] is not None:
        user = await user_repository.get(session, org, changes["assignee_id"], field="body.assignee_id")
        if not user.is_active:
            raise InvalidInput("That user is deactivated.", errors=field_error("body.assignee_id", "user is inactive"))
    if changes.get("team_id") is not None:
        await team_repository.get(session, org, changes["team_id"], field="body.team_id")
    previous_assignee = c.assignee_id
    for field, value in changes.items():
        setattr(c, field, value)
    if changes:
        # What a person (or the ERP acting for one) set stays set: automation rules skip these fields.
        c.manual_fields = sorted(set(c.manual_fields or ()) | changes.keys())
    if "status" in changes:
        c.resolved_at = utc_now() if changes["status"] == "resolved" else None
    await session.flush()
    if changes.keys() & {"status", "category", "priority", "labels", "team_id"}:
        # Status drives the resolution clock and pauses; the rest can select another SLA policy.
        await sla_service.reconcile(session, c)
    await session.refresh(c)
    after = payload(c)
    changed = {k: after[k] for k in after if after[k] != before[k]}
    if not changed:
        return c
    audit.record(
        session,
        principal,
        org,
        "conversation.updated",
        "conversation",
        c.id,
        {**{k: {"from": before[k], "to": after[k]} for k in changed}, **(audit_extra or {})},
    )
    if "assignee_id" in changed or "team_id" in changed:
        events.emit(session, org, "conversation.assigned", after, conversation_id=c.id)
    if "assignee_id" in changed:
        notifications.notify_assignment(
            session,
            c,
            previous_assignee,
            by="person",
            by_name=principal.name if principal.user_id else f"{principal.name} (API key)",
            actor_user_id=principal.user_id,
        )
    if changed.get("status") == "resolved":
        events.emit(session, org, "conversation.resolved", after, conversation_id=c.id)
        # Whether to ask the buyer for a rating is decided now and shown on the conversation.
        await csat.on_resolved(session, c)
    events.emit(session, org, "conversation.updated", {**after, "changed": sorted(changed)}, conversation_id=c.id)
    return c


async def set_read(session: Session, principal: Principal, conversation_id: uuid.UUID, read: bool) -> Conversation:
    c = await repository.get(session, principal.organization_id, conversation_id, lock=True)
    if c.unread == (not read):
        return c
    c.unread = not read
    await session.flush()
    await session.refresh(c)
    events.emit(
        session, c.organization_id, "conversation.updated", {**payload(c), "changed": ["unread"]}, conversation_id=c.id
    )
    return c


async def add_note(session: Session, principal: Principal, conversation_id: uuid.UUID, data: NoteCreate) -> Note:
    c = await repository.get(session, principal.organization_id, conversation_id)
    note = Note(
        id=uuid.uuid4(),
        organization_id=c.organization_id,
        conversation_id=c.id,
        author_user_id=principal.user_id,
        author_api_key_id=principal.api_key_id,
        kind=data.kind,
        body=data.body,
    )
    mentions = await notifications.mentions_in(session, c.organization_id, data.body)
    note.mentions = [m.as_json() for m in mentions]
    session.add(note)
    await session.flush()
    await session.refresh(note)
    notifications.notify_mentions(session, c, note, mentions, principal.name or None)
    audit.record(
        session,
        principal,
        c.organization_id,
        "note.created",
        "conversation",
        c.id,
        {"note_id": str(note.id), "kind": note.kind},
    )
    events.emit(
        session,
        c.organization_id,
        "note.created",
        {"conversation_id": str(c.id), "note_id": str(note.id), "kind": note.kind},
        conversation_id=c.id,
    )
    return note


async def flag_spam(session: Session, principal: Principal, conversation_id: uuid.UUID, reason: str) -> Conversation:
    """Only unreplied pre-sale conversations can be flagged as spam: order threads must be answered."""
    c = await repository.get(session, principal.organization_id, conversation_id, lock=True)
    if c.order_external_id or c.order_id:
        raise Conflict(
            "Conversations about an order cannot be flagged as spam; the buyer must be answered.",
            errors=field_error("conversation", "has an order"),
        )
    if await _has_outbound(session, c):
        raise Conflict(
            "This conversation was already replied to; only unreplied pre-sale messages can be flagged.",
            errors=field_error("conversation", "already replied"),
        )
    c.spam_reason = reason
    c.spam_flagged_at = utc_now()
    await session.flush()
    await sla_service.reconcile(session, c, stop_reason="spam")
    await session.refresh(c)
    audit.record(
        session, principal, c.organization_id, "conversation.spam_flagged", "conversation", c.id, {"reason": reason}
    )
    events.emit(
        session,
        c.organization_id,
        "conversation.updated",
        {**payload(c), "changed": ["spam_reason"]},
        conversation_id=c.id,
    )
    return c


async def unflag_spam(session: Session, principal: Principal, conversation_id: uuid.UUID) -> Conversation:
    c = await repository.get(session, principal.organization_id, conversation_id, lock=True)
    if c.spam_reason is not None:
        c.spam_reason = None
        c.spam_flagged_at = None
        await session.flush()
        await sla_service.reconcile(session, c)
        await session.refresh(c)
        audit.record(session, principal, c.organization_id, "conversation.spam_unflagged", "conversation", c.id)
        events.emit(
            session,
            c.organization_id,
            "conversation.updated",
            {**payload(c), "changed": ["spam_reason"]},
            conversation_id=c.id,
        )
    return c


async def _only_notices(session: Session, c: Conversation) -> bool:
    """Marketplace system mail (FROM_EBAY, Amazon and Walmart notices) cannot be answered: a reply
    would fail at the marketplace or go to a no-reply address. Refused here, before it is queued."""
    return await message_repository.has_only_notices(session, c.id)


async def _has_outbound(session: Session, c: Conversation) -> bool:
    """Whether a person (or the ERP) has answered. An automatic acknowledgement is not an answer:
    out-of-hours spam gets one too, and the agent must still be able to flag it in the morning."""
    return await message_repository.has_answer(session, c.id)


async def _refuse_collision(
    session: Session, principal: Principal, c: Conversation, based_on: uuid.UUID, confirm: bool
) -> None:
    try:
        seen: Message | None = await message_repository.get(session, principal.organization_id, based_on)
    except NotFound:
        seen = None
    if seen is None or seen.conversation_id != c.id:
        raise InvalidInput(
            "based_on_message_id is not a message of this conversation.",
            errors=field_error("body.based_on_message_id", "not a message of this conversation"),
        )
    newer = await message_repository.newer_than(session, principal.organization_id, c.id, seen, principal.user_id)
    if newer is not None and not confirm:
        who = "The buyer wrote again" if newer.direction == "inbound" else "Someone else replied"
        raise Conflict(
            f"{who} after you opened this draft; read it, then send with confirm to send anyway.",
            errors=field_error("body.based_on_message_id", "a newer message arrived in the conversation"),
            extra={"newer_message": MessageRead.model_validate(newer).model_dump(mode="json")},
        )


async def reply(
    session: Session,
    principal: Principal,
    conversation_id: uuid.UUID,
    body: str,
    *,
    author_kind: str,
    template_id: uuid.UUID | None,
    original_text: str | None = None,
    original_language: str | None = None,
    resolve: bool = False,
    based_on_message_id: uuid.UUID | None = None,
    confirm: bool = False,
    attachment_ids: list[uuid.UUID] | None = None,
) -> Message:
    c = await repository.get(session, principal.organization_id, conversation_id, lock=True)
    if based_on_message_id is not None:
        # Under the conversation's lock: two agents sending at once take turns, so the second one
        # sees the first one's reply here and is asked to confirm.
        await _refuse_collision(session, principal, c, based_on_message_id, confirm)
    channel = await channel_repository.get(session, principal.organization_id, c.channel_id)
    if channel.status != "active":
        raise Conflict("The conversation's channel is disabled; enable it to send replies.")
    if principal.user_id is not None and author_kind != "human":
        raise InvalidInput(
            "People's replies are always human.", errors=field_error("body.author_kind", "must be human")
        )
    if await _only_notices(session, c):
        raise Conflict(
            "This conversation holds only marketplace notices (no buyer wrote in it); there is no one to reply to.",
            errors=field_error("conversation", "marketplace notices only"),
        )
    files = await attachment_service.for_reply(
        session, principal.organization_id, channel.marketplace, list(attachment_ids or [])
    )
    # Every outbound message is checked by the compliance linter before it leaves; blocking violations refuse the reply.
    compliance.enforce(await compliance.lint_for_conversation(session, c, body))
    if template_id is not None:
        await templates.get(session, principal.organization_id, template_id)  # 404 for another org's
        await templates.count_use(session, template_id)
    message = await queue_reply(
        session,
        principal,
        c,
        body,
        author_kind=author_kind,
        template_id=template_id,
        original_text=original_text,
        original_language=original_language,
        attachments=files.refs,
    )
    await _after_reply(session, principal, c, resolve=resolve)
    return message


async def _after_reply(session: Session, principal: Principal, c: Conversation, *, resolve: bool) -> None:
    """Replying moves work on: "assign to me on reply" (the person's preference) takes an unassigned
    conversation, and "send and resolve" closes it. Both go through `update`, as if the person had
    set them: audited, in the activity log, sticky against rules, with their events."""
    changes: dict[str, Any] = {}
    if principal.user_id is not None and c.assignee_id is None:
        me = await user_repository.get(session, principal.organization_id, principal.user_id)
        if me.assign_on_reply:
            changes["assignee_id"] = me.id
    if resolve and c.status != "resolved":
        changes["status"] = "resolved"
    if changes:
        await update(session, principal, c.id, ConversationUpdate(**changes))
