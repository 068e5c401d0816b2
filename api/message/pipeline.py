"""The life of an inbound message, in one place: classify -> store -> SLA -> events.

Both ways a buyer message comes in go through `receive()`: the ERP push endpoint
(`POST /v1/channels/{id}/messages`) and the marketplace connectors (api/sync/inbound.py, for polls and
pushed batches). It returns a `Decision`, everything decided on the way, and keeps the part the
automation pass (api/automation/service.py, run later by a worker) needs on the message row
(`ingest_decision`: customer tier, first message of its conversation, classification); the SLA
policy and calendar it chose are in the snapshots of the clocks it started.

1. Classify in Python (rules, language, sanitised HTML, search tokens): pure, before any I/O. The
   order's status changes a classification, and the order is only read by step 2, so the message is
   classified once per status that matters and the database keeps the one for the order it finds.
2. Store in one statement (`hourglass_ingest`, migration 0006): the replay check (a replay costs only
   this statement), customer, order, conversation upsert (threading; serialises one thread's
   messages on its row), the message (idempotent on the marketplace's id), the conversation's
   counters and wait, and the open SLA clocks, locked.
3. Reconcile the SLA clocks with what step 2 returned (no re-read); clocks it starts go in with
   their timers and the conversation's deadline in one statement.
4. Emit the typed events to the outbox (written with the transaction).

A new conversation costs 3 statements (store, clocks, outbox), a follow-up 2, a replay 1.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import nh3
from sqlalchemy.ext.asyncio import AsyncSession

from api import events
from api.automation.classify import DEFAULT_CLASSIFIER, ORDER_STATUSES_THAT_MATTER, ClassificationInput
from api.automation.language import detect_language
from api.customer import service as customer_service
from api.kit.errors import Conflict, field_error
from api.kit.rows import attached, detached, timestamp
from api.kit.search import index_document
from api.message import repository
from api.message.inbound import InboundMessage
from api.message.rules import preview, thread_key
from api.models import Channel, Conversation, Message, SlaClock
from api.sla import service as sla_service
from api.sla.service import SlaChoice
from api.webhook.payloads import ConversationCreatedData, MessageData


@dataclass(frozen=True)
class Decision:
    """What the pipeline did with one inbound message. On a replay only `message` and `created`
    (False) are meaningful: nothing was decided again."""

    message: Message
    created: bool
    conversation_created: bool = False
    conversation: Conversation | None = None
    customer_id: uuid.UUID | None = None
    customer_tier: str | None = None
    # category, priority, classification_reason, language: the message's own classification (the
    # conversation keeps the one of its first message).
    classification: dict[str, Any] | None = None
    first_message: bool = False
    sla: SlaChoice | None = None


async def receive(session: AsyncSession, channel: Channel, inbound: InboundMessage) -> Decision:
    if channel.status != "active":
        raise Conflict(f"Channel {channel.id} is disabled; enable it before pushing messages.")
    digest = inbound.digest()
    # 1. classify (pure)
    classifications = _classify(channel.marketplace, inbound)
    # 2. store: one statement
    stored = await repository.store_inbound(session, _statement_input(channel, inbound, digest, classifications))
    if "replay" in stored:
        return _replay(detached(Message, stored["replay"]), digest)

    message = detached(Message, stored["message"])
    conversation = await attached(session, Conversation, stored["conversation"])
    created = bool(stored["conversation_created"])
    decided: dict[str, Any] = message.ingest_decision or {}
    tier = str(decided["customer_tier"])
    # 3. SLA clocks, from what the store returned
    sla = None
    if inbound.needs_reply or created:
        open_clocks = [await attached(session, SlaClock, row) for row in stored["open_clocks"]]
        stopped = stored["resolution_stopped_at"]
        sla = await sla_service.reconcile(
            session,
            conversation,
            tier=tier,
            open_clocks=open_clocks,
            resolution_stopped_at=timestamp(stopped) if stopped else None,
        )
    org = channel.organization_id
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
    # 4. events, typed, to the outbox
    if created:
        events.emit(
            session,
            org,
            "conversation.created",
            ConversationCreatedData(
                conversation_id=conversation.id, channel_id=channel.id, marketplace=channel.marketplace
            ),
            conversation_id=conversation.id,
        )
    events.emit(session, org, "message.received", MessageData.of(message), conversation_id=conversation.id)
    return Decision(
        message=message,
        created=True,
        conversation_created=created,
        conversation=conversation,
        customer_id=conversation.customer_id,
        customer_tier=tier,
        classification=decided.get("classification"),
        first_message=bool(decided.get("first_message")),
        sla=sla,
    )


def _replay(existing: Message, digest: str) -> Decision:
    if existing.content_digest != digest:
        raise Conflict(
            f"Message {existing.external_id!r} was already received with different content.",
            errors=field_error("body.external_message_id", "already used for a different message"),
        )
    return Decision(message=existing, created=False)


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
        }

    answers = {"": one(None)}
    if inbound.order_id:
        for status in ORDER_STATUSES_THAT_MATTER:
            answer = one(status)
            if answer != answers[""]:
                answers[status] = answer
    return answers


def _statement_input(
    channel: Channel, inbound: InboundMessage, digest: str, classifications: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The values `hourglass_ingest` stores, every rule already applied."""
    return {
        "organization_id": str(channel.organization_id),
        "channel_id": str(channel.id),
        "marketplace": channel.marketplace,
        "team_id": str(channel.default_team_id) if channel.default_team_id else None,
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
        "attachments": inbound.attachments,
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
