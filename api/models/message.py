from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, enum_check

DIRECTIONS = ("inbound", "outbound")
AUTHOR_KINDS = ("buyer", "human", "auto", "system")
DELIVERY_STATUSES = ("queued", "sending", "accepted", "sent", "failed")


class Message(IdMixin, TenantMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        # The idempotency of ingestion: a marketplace message id appears once per channel.
        UniqueConstraint("channel_id", "external_id"),
        CheckConstraint(enum_check("direction", DIRECTIONS), name="direction"),
        CheckConstraint(enum_check("author_kind", AUTHOR_KINDS), name="author_kind"),
        CheckConstraint(
            f"delivery_status IS NULL OR {enum_check('delivery_status', DELIVERY_STATUSES)}", name="delivery_status"
        ),
        Index("ix_messages_conversation", "conversation_id", "sent_at", "id"),
        Index(
            "ix_messages_unprocessed",
            "created_at",
            postgresql_where=text("processed_at IS NULL AND direction = 'inbound'"),
        ),
        Index(
            "ix_messages_outbound_queue",
            "organization_id",
            "delivery_status",
            "created_at",
            postgresql_where=text("direction = 'outbound'"),
        ),
        Index("ix_messages_org_change", "organization_id", "change_xid", "id"),
        # "Which message lists attachment X?" (the clean-up of unsent uploads): containment on the
        # few messages that carry files, not a scan of every message.
        Index(
            "ix_messages_attachment_refs",
            "attachments",
            postgresql_using="gin",
            postgresql_ops={"attachments": "jsonb_path_ops"},
            postgresql_where=text("attachments <> '[]'::jsonb"),
        ),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))
    author_kind: Mapped[str] = mapped_column(String(10))
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(1024))
    body: Mapped[str] = mapped_column(Text)
    # Sanitised HTML of e-mail bodies (nh3); rendered in a sandboxed iframe by the SPA.
    body_html: Mapped[str | None] = mapped_column(Text)
    # When the marketplace says the message was sent (inbound) or when delivery was confirmed (outbound).
    sent_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # SHA-256 of the canonical inbound payload: the same external id with other content is a conflict.
    content_digest: Mapped[str | None] = mapped_column(String(64))
    delivery_status: Mapped[str | None] = mapped_column(String(10))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivery_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    delivered_at: Mapped[datetime | None] = mapped_column()
    no_response_needed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Why a person said the message needs no answer (NO_RESPONSE_REASONS); NULL when it was not them.
    no_response_reason: Mapped[str | None] = mapped_column(String(40))
    # The inbound message a reply answers: the SLA engine needs to know which wait it ends.
    in_reply_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    template_id: Mapped[uuid.UUID | None] = mapped_column()
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default="{}")
    # When the automation pipeline (classification follow-ups, assignment, auto-replies) handled
    # this inbound message; NULL means still to do (a partial index makes that a cheap queue).
    processed_at: Mapped[datetime | None] = mapped_column()
    # The transaction that last wrote the row (a trigger): its position in GET /v1/messages/sync.
    change_xid: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # What the ingest pipeline decided for this message (api/message/pipeline.py, `Decision`), read by
    # the automation pass instead of deriving the customer tier and SLA policy a second time.
    ingest_decision: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # A reply written in the agent's language and sent machine-translated: what the agent wrote (the
    # `body` is what was sent, and what the compliance linter checked).
    original_text: Mapped[str | None] = mapped_column(Text)
    original_language: Mapped[str | None] = mapped_column(String(10))

    # Mail relays (api/message/outbound.py): when an `accepted` reply counts as delivered if no
    # bounce has come back, and when a bounce came back for it.
    @property
    def accepted_at(self) -> datetime | None:
        return _time((self.meta or {}).get("accepted_at"))

    @property
    def confirm_after(self) -> datetime | None:
        return _time((self.meta or {}).get("confirm_after"))

    @property
    def bounced_at(self) -> datetime | None:
        return _time(((self.meta or {}).get("bounce") or {}).get("at"))

    @property
    def auto_no_response_reason(self) -> str | None:
        """Why Hourglass decided on its own that this buyer message needs no response (the classifier's
        reason, kept in the metadata at ingest); None when it needs one or a person marked it."""
        if not self.no_response_needed:
            return None
        reason = (self.meta or {}).get("no_response_reason")
        return str(reason) if reason else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
