"""The life of an inbound message, in one place: classify -> store -> SLA -> events.

Both ways a buyer message comes in go through `receive_many()`: the ERP push endpoint
(`POST /v1/channels/{id}/messages`, with the pushes to its channel that arrive meanwhile:
api/message/push_batches.py) and the marketplace connectors (api/sync/inbound.py: a poll page or a
pushed batch at once); `receive()` is the batch of one (the help-center form). It returns a `Decision` per
message, everything decided on the way, and keeps the part the automation pass
(api/automation/service.py, run later by a worker) needs on the message row (`ingest_decision`:
customer tier, first message of its conversation, classification); the SLA policy and calendar it
chose are in the snapshots of the clocks it started. A batch is decided as its messages would be one
by one, in order.

1. Classify in Python (rules, language, sanitised HTML, search tokens): pure, before any I/O. The
   order's status changes a classification, and the order is only read by step 2, so the message is
   classified once per status that matters and the database keeps the one for the order it finds.
2. Store the batch in one round trip (`hourglass_ingest_many`, migration 0010), one set-based
   statement per table: the replay check (a batch of replays costs only this), customers, orders,
   conversation upserts (threading; serialises one thread's messages on its row), the messages
   (idempotent on the marketplace's ids), the conversations' counters and wait, and the open SLA
   clocks, locked.
3. Reconcile each conversation's SLA clocks with what step 2 returned (no re-read); the clocks the
   batch starts go in with their timers and the conversations' deadlines in one statement.
4. Emit the typed events to the outbox (one insert at the flush, with the transaction).

A batch costs 3 statements (store, clocks, outbox) when it starts a clock, 2 when it does not, 1 when
it is all replays.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import nh3

from api.attachment import repository as attachment_repository
from api.attachment import service as attachment_service
from api.automation.classify import DEFAULT_CLASSIFIER, ORDER_STATUSES_THAT_MATTER, ClassificationInput
from api.automation.language import detect_language
from api.customer import service as customer_service
from api.db import Session
from api.kit.errors import Conflict, field_error
from api.kit.rows import attached, detached, timestamp
from api.kit.search import index_document
from api.message import repository
from api.message.content import preview, thread_key
from api.message.inbound import InboundMessage
from api.models import Channel, Conversation, Message, SlaClock
from api.outbox import events
from api.sla import service as sla_service
from api.sla.service import SlaChoice
from api.webhook.payloads import ConversationCreatedData, MessageData


@dataclass(frozen=True)
class Decision:
    """What the pipeline did with one inbound message. On a replay only `message`, `created` (False)
    and `conflicting` are meaningful: nothing was decided again."""

    message: Message
    created: bool
    # A replay whose content differs from the stored message (the first copy stands).
    conflicting: bool = False
    conversation_created: bool = False
    conversation: Conversation | None = None
    customer_id: uuid.UUID | None = None
    customer_tier: str | None = None
    # category, priority, classification_reason, language: the message's own classification (the
    # conversation keeps the one of its first message).
    classification: dict[str, Any] | None = None
    first_message: bool = False
    sla: SlaChoice | None = None


async def receive(session: Session, channel: Channel, inbound: InboundMessage) -> Decision:
    """One message: the batch of one. A replay with other content than the stored message is refused."""
    return refuse_conflicting((await receive_many(session, channel, [inbound]))[0])


def refuse_conflicting(decision: Decision) -> Decision:
    """A pushed replay whose content differs from the stored message is a 409 (the first copy stands)."""
    if decision.conflicting:
        raise Conflict(
            f"Message {decision.message.external_id!r} was already received with different content.",
            errors=field_error("body.external_message_id", "already used for a different message"),
        )
    return decision


def ensure_active(channel: Channel) -> None:
    if channel.status != "active":
        raise Conflict(f"Channel {channel.id} is disabled; enable it before pushing messages.")


async def receive_many(session: Session, channel: Channel, inbounds: Sequence[InboundMessage]) -> list[Decision]:
    """Messages of one channel (a poll page, a pushed batch), decided as if they came one by one in
    this order, in one round trip for the store, one for the SLA clocks they start and one for the
    outbox. Returns one Decision per message, in order; a copy of a message earlier in the batch is a
    replay of it."""
    ensure_active(channel)
    if not inbounds:
        return []
    # The digest is of what the marketplace sent, before the classifier's labels join it.
    digests = [inbound.digest() for inbound in inbounds]
    # 1. classify (pure); what the classifier read in the words travels on the message
    classified = [_classify(channel.marketplace, inbound) for inbound in inbounds]
    inbounds = [_apply_classification(inbound, c[""]) for inbound, c in zip(inbounds, classified, strict=True)]
    entries: list[dict[str, Any]] = []
    first_of: dict[str, int] = {}
    for n, inbound in enumerate(inbounds):
        if inbound.external_message_id not in first_of:
            first_of[inbound.external_message_id] = n
            entries.append(_entry(n, inbound, digests[n], classified[n]))
    # 2. store: one statement
    stored = await repository.store_inbound(session, _page_input(channel, entries))
    fresh = stored.get("messages") or {}
    conversations: dict[str, Conversation] = {}
    for key, row in (stored.get("conversations") or {}).items():
        conversations[key] = await attached(session, Conversation, row)
    messages = {external_id: detached(Message, row) for external_id, row in fresh.items()}
    await _register_attachments(session, channel, inbounds, messages)
    # 3. SLA clocks, once per conversation, from what the store returned; the clocks they start go in
    #    together. A conversation is reconciled after its page's last message, with that message's
    #    customer tier: the state the one-by-one order would leave.
    clocks: dict[uuid.UUID, list[SlaClock]] = {}
    for row in stored.get("open_clocks") or []:
        clock = await attached(session, SlaClock, row)
        clocks.setdefault(clock.conversation_id, []).append(clock)
    resolution_stopped = stored.get("resolution_stopped_at") or {}
    last_tier: dict[uuid.UUID, str] = {}
    needs_sla: set[uuid.UUID] = set()
    for n, inbound in enumerate(inbounds):
        message = messages.get(inbound.external_message_id)
        if message is None or first_of[inbound.external_message_id] != n:
            continue
        decided = message.ingest_decision or {}
        last_tier[message.conversation_id] = str(decided["customer_tier"])
        if inbound.needs_reply or decided.get("conversation_created"):
            needs_sla.add(message.conversation_id)
    choices: dict[uuid.UUID, SlaChoice | None] = {}
    deferred = sla_service.Deferred()
    for conversation_id in needs_sla:
        conversation = conversations[str(conversation_id)]
        stopped = resolution_stopped.get(str(conversation_id))
        choices[conversation_id] = await sla_service.reconcile(
            session,
            conversation,
            tier=last_tier[conversation_id],
            open_clocks=clocks.get(conversation_id, []),
            resolution_stopped_at=timestamp(stopped) if stopped else None,
            defer=deferred,
        )
    await sla_service.start_planned(session, deferred)
    # 4. events, typed, to the outbox; and what was decided, message by message
    org = channel.organization_id
    decisions: list[Decision] = []
    pending = deferred.events  # the SLA updates first, as the messages one by one would
    for n, inbound in enumerate(inbounds):
        external_id = inbound.external_message_id
        message = messages.get(external_id)
        if message is None or first_of[external_id] != n:
            existing = message if message is not None else detached(Message, stored["replays"][external_id])
            decisions.append(
                Decision(message=existing, created=False, conflicting=existing.content_digest != digests[n])
            )
            continue
        conversation = conversations[str(message.conversation_id)]
        decided = message.ingest_decision or {}
        created = bool(decided.get("conversation_created"))
        if created and conversation.customer_id is not None:
            # A buyer on a new thread may be someone known on another marketplace (api/customer/service.py).
            await customer_service.after_new_conversation(
                session,
                org,
                conversation.customer_id,
                category=conversation.category,
                buyer_email=inbound.buyer_email,
                buyer_external_id=inbound.buyer_external_id,
            )
        if created:
            pending.append(
                events.PendingEvent(
                    org,
                    "conversation.created",
                    ConversationCreatedData(
                        conversation_id=conversation.id, channel_id=channel.id, marketplace=channel.marketplace
                    ),
                    conversation.id,
                )
            )
        pending.append(events.PendingEvent(org, "message.received", MessageData.of(message), conversation.id))
        decisions.append(
            Decision(
                message=message,
                created=True,
                conversation_created=created,
                conversation=conversation,
                customer_id=conversation.customer_id,
                customer_tier=str(decided["customer_tier"]),
                classification=decided.get("classification"),
                first_message=bool(decided.get("first_message")),
                sla=choices.get(conversation.id),
            )
        )
    await events.emit_many(session, pending)
    return decisions


async def _register_attachments(
    session: Session, channel: Channel, inbounds: Sequence[InboundMessage], messages: dict[str, Message]
) -> None:
    """A new message's files become attachments (stored now for mail parts, fetched by the worker for
    marketplace URLs); the message then lists them. A file that cannot be had never loses the message."""
    done: set[str] = set()
    for inbound in inbounds:
        message = messages.get(inbound.external_message_id)
        if message is None or not inbound.attachments or inbound.external_message_id in done:
            continue
        done.add(inbound.external_message_id)
        settings = attachment_service.current_settings()
        await attachment_service.register_inbound(
            session,
            channel.organization_id,
            message.id,
            inbound.attachments,
            attachment_service.file_store(settings),
            settings.attachment_max_bytes,
        )
        message.attachments = [dict(r) for r in (await attachment_repository.of_message_refs(session, message.id))]


def _classify(marketplace: str, inbound: InboundMessage) -> dict[str, dict[str, Any]]:
    """Category, priority and language of a new conversation, with the rule that decided: keyed by
    the order status it assumes ("" for none or any other), only statuses that change the answer."""
    language = detect_language(f"{inbound.subject} {inbound.body}")

    def one(order_status: str | None) -> dict[str, Any]:
        result = DEFAULT_CLASSIFIER.classify(
            ClassificationInput(
                subject=inbound.subject,
                body=inbound.body,
                marketplace=marketplace,
                author_kind=inbound.author_kind,
                labels=frozenset(inbound.labels),
                has_order=bool(inbound.order_id),
                order_status=order_status,
                preset_category=inbound.category,
            )
        )
        return {
            "category": result.category,
            "priority": result.priority,
            "classification_reason": result.reason[:300],
            "language": language,
            "labels": list(result.labels),
            "no_response_reason": result.no_response_reason,
        }

    answers = {"": one(None)}
    if inbound.order_id:
        for status in ORDER_STATUSES_THAT_MATTER:
            answer = one(status)
            if answer != answers[""]:
                answers[status] = answer
    return answers


def _apply_classification(inbound: InboundMessage, decided: dict[str, Any]) -> InboundMessage:
    """What the classifier read in the words, carried on the message (both are independent of the
    order's status): risk labels join the conversation's labels (a BBB threat picks the 1-hour
    policy), and a buyer's plain "thanks" needs no response, its reason kept for the agent who may
    undo it (POST /v1/messages/{id}/response-needed)."""
    labels = tuple(sorted(set(inbound.labels) | set(decided["labels"])))
    reason = decided["no_response_reason"]
    if reason is None or inbound.no_response_needed:
        return replace(inbound, labels=labels) if labels != inbound.labels else inbound
    return replace(
        inbound, labels=labels, no_response_needed=True, metadata={**inbound.metadata, "no_response_reason": reason}
    )


def _page_input(channel: Channel, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """What `hourglass_ingest_many` stores, every rule already applied."""
    return {
        "organization_id": str(channel.organization_id),
        "channel_id": str(channel.id),
        "marketplace": channel.marketplace,
        "team_id": str(channel.default_team_id) if channel.default_team_id else None,
        "messages": entries,
    }


def _entry(n: int, inbound: InboundMessage, digest: str, classifications: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One message's values for `hourglass_ingest_many`; `n` is its place in the batch."""
    return {
        "n": n,
        "external_message_id": inbound.external_message_id,
        "external_thread_id": inbound.external_thread_id,
        "thread_key": thread_key(
            inbound.external_thread_id, inbound.order_id, inbound.buyer_external_id, inbound.external_message_id
        ),
        "buyer_external_id": inbound.buyer_external_id,
        "buyer_name": inbound.buyer_name,
        "buyer_email": inbound.buyer_email,
        "order_id": inbound.order_id,
        "item_id": inbound.item_id,
        "subject": inbound.subject,
        "message_subject": inbound.subject or None,
        "body": inbound.body,
        "body_html": nh3.clean(inbound.body_html) if inbound.body_html else None,
        "sent_at": inbound.sent_at.isoformat(),
        "author_kind": inbound.author_kind,
        "no_response_needed": inbound.no_response_needed,
        "needs_reply": inbound.needs_reply,
        "content_digest": digest,
        # The files are registered as attachments once the message exists (`_register_attachments`).
        "attachments": [],
        "metadata": {**inbound.metadata, **({"auto_submitted": True} if inbound.auto_submitted else {})},
        "labels": sorted(set(inbound.labels)),
        "classifications": classifications,
        "preview": preview(inbound.body),
        "conversation_document": index_document(inbound.subject, inbound.buyer_name, inbound.order_id, inbound.item_id),
        "body_document": index_document(inbound.body),
        "customer_id": str(uuid.uuid4()),
        "conversation_id": str(uuid.uuid4()),
        "message_id": str(uuid.uuid4()),
    }
