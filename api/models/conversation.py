from __future__ import annotations

import uuid
from datetime import datetime

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
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

CONVERSATION_STATUSES = ("open", "pending", "resolved")
PRIORITIES = ("low", "normal", "high", "urgent")
CATEGORIES = (
    "uncategorized",
    "pre_sale",
    "order_status",
    "shipping",
    "return_refund",
    "cancel",
    "damaged",
    "complaint",
    "product_question",
    "walmart_customer_care",
    "platform_notice",
    "spam_likely",
)
SPAM_REASONS = ("spam", "fraud", "inappropriate")

_INBOX_ORDER = (text("last_message_at DESC"), text("id DESC"))


class Conversation(IdMixin, TenantMixin, TimestampMixin, Base):
    """A buyer thread on one channel.

    The inbox columns are denormalised here (last message, unread, waiting_since, failed flag) so
    every inbox view (Walmart's Message Center filters) is one indexed scan over this table, never a join over messages.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        # Threading key: marketplace thread id, else order+buyer, else the first message id.
        UniqueConstraint("channel_id", "thread_key"),
        CheckConstraint(enum_check("status", CONVERSATION_STATUSES), name="status"),
        CheckConstraint(enum_check("priority", PRIORITIES), name="priority"),
        CheckConstraint(enum_check("category", CATEGORIES), name="category"),
        CheckConstraint(f"spam_reason IS NULL OR {enum_check('spam_reason', SPAM_REASONS)}", name="spam_reason"),
        # One partial index per view, each in inbox order, so listing is an index range scan and a capped
        # count an index-only scan. Their predicates are the views' (snoozed conversations are in none but
        # "snoozed"), so that no candidate row has to be read from the table to be checked.
        Index(
            "ix_conv_view_all",
            "organization_id",
            *_INBOX_ORDER,
            postgresql_where=text("spam_reason IS NULL AND snoozed_at IS NULL"),
        ),
        Index(
            "ix_conv_view_unread",
            "organization_id",
            *_INBOX_ORDER,
            postgresql_where=text("unread AND spam_reason IS NULL AND snoozed_at IS NULL"),
        ),
        Index(
            "ix_conv_view_response_needed",
            "organization_id",
            *_INBOX_ORDER,
            postgresql_where=text("waiting_since IS NOT NULL AND spam_reason IS NULL AND snoozed_at IS NULL"),
        ),
        Index(
            "ix_conv_view_failed",
            "organization_id",
            *_INBOX_ORDER,
            postgresql_where=text("has_failed_delivery AND snoozed_at IS NULL"),
        ),
        Index(
            "ix_conv_view_spam",
            "organization_id",
            *_INBOX_ORDER,
            postgresql_where=text("spam_reason IS NOT NULL AND snoozed_at IS NULL"),
        ),
        Index("ix_conv_org_category", "organization_id", "category", *_INBOX_ORDER),
        Index("ix_conv_org_assignee", "organization_id", "assignee_id", *_INBOX_ORDER),
        Index("ix_conv_org_channel", "organization_id", "channel_id", *_INBOX_ORDER),
        Index(
            "ix_conv_org_order",
            "organization_id",
            "order_external_id",
            postgresql_ops={"order_external_id": "text_pattern_ops"},
        ),
        Index("ix_conv_customer", "customer_id"),
        Index(
            "ix_conv_org_sla_deadline",
            "organization_id",
            "sla_deadline",
            "id",
            postgresql_where=text("sla_deadline IS NOT NULL"),
        ),
        Index("ix_conv_search", "search_vector", postgresql_using="gin"),
        Index("ix_conv_org_change", "organization_id", "change_xid", "id"),
        # The snooze loop's claim: due wake-ups in time order, across organizations.
        Index("ix_conv_snooze_due", "snoozed_until", postgresql_where=text("snoozed_at IS NOT NULL")),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(20))
    thread_key: Mapped[str] = mapped_column(String(400))
    external_thread_id: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    order_external_id: Mapped[str | None] = mapped_column(String(100))
    item_external_id: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(1024), server_default="")
    category: Mapped[str] = mapped_column(String(40), server_default="uncategorized")
    priority: Mapped[str] = mapped_column(String(10), server_default="normal")
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    labels: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    unread: Mapped[bool] = mapped_column(Boolean, server_default="true")
    # Marketplace timestamp of the oldest buyer message not yet answered; NULL when nothing waits.
    waiting_since: Mapped[datetime | None] = mapped_column()
    first_inbound_at: Mapped[datetime | None] = mapped_column()
    last_inbound_at: Mapped[datetime | None] = mapped_column()
    # created_at of the latest delivered reply that counts as a response (see api.sla.service.reply_counts).
    last_response_at: Mapped[datetime | None] = mapped_column()
    last_message_at: Mapped[datetime] = mapped_column()
    last_message_preview: Mapped[str] = mapped_column(String(300), server_default="")
    message_count: Mapped[int] = mapped_column(Integer, server_default="0")
    has_failed_delivery: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The newest failed reply's error, kept beside the flag so the Failed view can say why without
    # a per-row lookup of messages (explained by api/channel/failures.py).
    last_delivery_error: Mapped[str | None] = mapped_column(Text)
    spam_reason: Mapped[str | None] = mapped_column(String(20))
    spam_flagged_at: Mapped[datetime | None] = mapped_column()
    language: Mapped[str | None] = mapped_column(String(10))
    # Which rule decided the category and priority (classification is explainable).
    classification_reason: Mapped[str | None] = mapped_column(String(300))
    resolved_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    # The earliest deadline among open SLA clocks, and when it turns "due soon" (amber); NULL when
    # no clock runs. The list's sla_state filter and deadline sort read these.
    sla_deadline: Mapped[datetime | None] = mapped_column()
    sla_due_soon_at: Mapped[datetime | None] = mapped_column()
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True)
    # The id of the transaction that last inserted or updated the row, set by a trigger on every
    # write (whoever writes, ORM or SQL): the position of the row in the sync feed
    # (GET /v1/conversations/sync, see conversation.repository.changed_since).
    change_xid: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # Fields a person set (priority, assignee, team, status, category, labels): automation rules
    # leave them alone until a person changes them again (see automation.service, "people first").
    manual_fields: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default="{}")
    # Snoozed (set while snoozed): the conversation leaves every list but "snoozed" until
    # `snoozed_until` (the snooze loop wakes it, workers/tasks/snooze.py) or until the buyer writes
    # (a trigger clears it when last_inbound_at moves, migration 0011_i16triage_snooze). NULL
    # `snoozed_until` = only the buyer's next message wakes it. SLA clocks keep running meanwhile.
    snoozed_at: Mapped[datetime | None] = mapped_column()
    snoozed_until: Mapped[datetime | None] = mapped_column()
    snoozed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
