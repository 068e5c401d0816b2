"""Ingestion of inbound messages, shared by the ERP push endpoint and the marketplace connectors.

Idempotent on the marketplace's message id by a unique constraint (not a lookup): the same message
twice returns the first copy; the same id with other content is a conflict. Threading is an upsert
on (channel, thread key), which also serialises concurrent messages of one thread on its row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nh3
from sqlalchemy import case, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api import events
from api.automation.classify import DEFAULT_CLASSIFIER, ClassificationInput
from api.automation.language import detect_language
from api.customer import repository as customer_repository
from api.kit.errors import Conflict, field_error
from api.kit.search import index_document
from api.message import repository
from api.message.rules import content_digest, preview, thread_key
from api.models import Channel, Conversation, Message, Order
from api.sla import service as sla_service


@dataclass(frozen=True)
class InboundMessage:
    external_message_id: str
    buyer_external_id: str
    body: str
    sent_at: datetime
    external_thread_id: str | None = None
    order_id: str | None = None
    item_id: str | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    subject: str = ""
    body_html: str | None = None
    author_kind: str = "buyer"  # buyer | system
    no_response_needed: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # Marketplace metadata a connector knows: a category it implies (Walmart Customer Care, platform
    # notice), labels (bbb_complaint, attorney_general_complaint), and RFC 3834 Auto-Submitted mail.
    category: str | None = None
    labels: tuple[str, ...] = ()
    auto_submitted: bool = False

    def digest(self) -> str:
        return content_digest(
            {
                "id": self.external_message_id,
                "thread": self.external_thread_id,
                "order": self.order_id,
                "item": self.item_id,
                "buyer": self.buyer_external_id,
                "subject": self.subject,
                "body": self.body,
                "sent_at": self.sent_at.isoformat(),
                "author": self.author_kind,
            }
        )


@dataclass(frozen=True)
class IngestResult:
    message: Message
    created: bool
    conversation_created: bool


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "channel_id": str(message.channel_id),
        "direction": message.direction,
        "author_kind": message.author_kind,
        "external_id": message.external_id,
        "sent_at": message.sent_at.isoformat(),
        "delivery_status": message.delivery_status,
        "delivery_error": message.delivery_error,
        "preview": preview(message.body, 200),
    }


async def ingest(session: AsyncSession, channel: Channel, inbound: InboundMessage) -> IngestResult:
    if channel.status != "active":
        raise Conflict(f"Channel {channel.id} is disabled; enable it before pushing messages.")
    org = channel.organization_id
    digest = inbound.digest()

    # Fast path for replays: a marketplace re-sending what we already have costs one indexed read.
    existing = await repository.by_external_id(session, channel.id, inbound.external_message_id)
    if existing is not None:
        return _replay(existing, digest)

    customer_id = await customer_repository.upsert(
        session, org, channel.marketplace, inbound.buyer_external_id, inbound.buyer_name, inbound.buyer_email
    )
    order_uuid = order_status = None
    if inbound.order_id:
        order_row = (
            await session.execute(
                select(Order.id, Order.status).where(
                    Order.organization_id == org, Order.external_id == inbound.order_id
                )
            )
        ).one_or_none()
        if order_row is not None:
            order_uuid, order_status = order_row
    # Classified before the upsert, so a new conversation is born with its category, priority and
    # language (its SLA policy may depend on them); the values are ignored when the thread exists.
    classification = _classify(channel.marketplace, inbound, order_status)

    key = thread_key(
        inbound.external_thread_id, inbound.order_id, inbound.buyer_external_id, inbound.external_message_id
    )
    conv_insert = insert(Conversation).values(
        id=uuid.uuid4(),
        organization_id=org,
        channel_id=channel.id,
        marketplace=channel.marketplace,
        thread_key=key,
        external_thread_id=inbound.external_thread_id,
        customer_id=customer_id,
        order_id=order_uuid,
        order_external_id=inbound.order_id,
        item_external_id=inbound.item_id,
        subject=inbound.subject,
        last_message_at=inbound.sent_at,
        team_id=channel.default_team_id,
        **classification,
        **({"labels": sorted(set(inbound.labels))} if inbound.labels else {}),
        search_vector=func.to_tsvector(
            "simple", index_document(inbound.subject, inbound.buyer_name, inbound.order_id, inbound.item_id)
        ),
    )
    conv_upsert: Any = conv_insert.on_conflict_do_update(
        index_elements=[Conversation.channel_id, Conversation.thread_key],
        # A no-op write that locks the thread's row. (literal_column, not `.excluded`, which would
        # build an alias of the 35-column table on every message.)
        set_={"thread_key": literal_column("excluded.thread_key")},
    ).returning(Conversation.id, literal_column("(xmax = 0)").label("inserted"))
    conversation_id, conversation_created = (await session.execute(conv_upsert)).one()

    message_id = uuid.uuid4()
    msg_insert = (
        insert(Message)
        .values(
            id=message_id,
            organization_id=org,
            conversation_id=conversation_id,
            channel_id=channel.id,
            direction="inbound",
            author_kind=inbound.author_kind,
            external_id=inbound.external_message_id,
            subject=inbound.subject or None,
            body=inbound.body,
            body_html=nh3.clean(inbound.body_html) if inbound.body_html else None,
            sent_at=inbound.sent_at,
            content_digest=digest,
            no_response_needed=inbound.no_response_needed,
            attachments=inbound.attachments,
            meta={**inbound.metadata, **({"auto_submitted": True} if inbound.auto_submitted else {})},
        )
        .on_conflict_do_nothing(index_elements=[Message.channel_id, Message.external_id])
        .returning(Message)
    )
    message = (await session.execute(msg_insert)).scalar_one_or_none()
    if message is None:  # lost a race with a concurrent copy of the same message
        existing = await repository.by_external_id(session, channel.id, inbound.external_message_id)
        assert existing is not None
        return _replay(existing, digest)

    needs_reply = inbound.author_kind == "buyer" and not inbound.no_response_needed
    sent_at = inbound.sent_at
    changes: dict[str, Any] = {
        "message_count": Conversation.message_count + 1,
        "last_message_preview": case(
            (Conversation.last_message_at <= sent_at, preview(inbound.body)),
            else_=Conversation.last_message_preview,
        ),
        "last_message_at": func.greatest(Conversation.last_message_at, sent_at),
        "last_inbound_at": func.greatest(Conversation.last_inbound_at, sent_at),
        "first_inbound_at": func.least(Conversation.first_inbound_at, sent_at),
        "unread": True,
        "subject": case((Conversation.subject == "", inbound.subject), else_=Conversation.subject),
        "order_external_id": func.coalesce(Conversation.order_external_id, inbound.order_id),
        "search_vector": func.coalesce(Conversation.search_vector, func.to_tsvector("simple", "")).op("||")(
            func.to_tsvector("simple", index_document(inbound.body))
        ),
    }
    if needs_reply:
        # The wait starts at the oldest buyer message not answered yet; later ones do not reset it.
        unanswered = Conversation.last_response_at.is_(None) | (Conversation.last_response_at < sent_at)
        changes["waiting_since"] = case(
            (unanswered, func.least(func.coalesce(Conversation.waiting_since, sent_at), sent_at)),
            else_=Conversation.waiting_since,
        )
        changes["status"] = case((Conversation.status == "resolved", "open"), else_=Conversation.status)
        changes["resolved_at"] = None
    conversation = (
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(**changes)
            .returning(Conversation)
            .execution_options(populate_existing=True, synchronize_session=False)
        )
    ).scalar_one()
    if not conversation_created and inbound.labels:
        conversation.labels = sorted(set(conversation.labels or []) | set(inbound.labels))
    if needs_reply or conversation_created:
        await sla_service.reconcile(session, conversation)
    if conversation_created:
        events.emit(
            session,
            org,
            "conversation.created",
            {
                "conversation_id": str(conversation_id),
                "channel_id": str(channel.id),
                "marketplace": channel.marketplace,
            },
            conversation_id=conversation_id,
        )
    events.emit(session, org, "message.received", message_payload(message), conversation_id=conversation_id)
    return IngestResult(message=message, created=True, conversation_created=bool(conversation_created))


def _replay(existing: Message, digest: str) -> IngestResult:
    if existing.content_digest != digest:
        raise Conflict(
            f"Message {existing.external_id!r} was already received with different content.",
            errors=field_error("body.external_message_id", "already used for a different message"),
        )
    return IngestResult(message=existing, created=False, conversation_created=False)


def _classify(marketplace: str, inbound: InboundMessage, order_status: str | None) -> dict[str, Any]:
    """Category, priority and language of a new conversation, with the rule that decided."""
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
        "language": detect_language(f"{inbound.subject} {inbound.body}"),
    }
