from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

CASE_KINDS = ("return", "refund", "replacement", "reship", "cancellation", "claim")
CASE_SOURCES = ("agent", "automation", "erp", "marketplace")
FOLLOWUP_STATES = ("none", "scheduled", "not_allowed", "sent", "cancelled")


class Case(IdMixin, TenantMixin, TimestampMixin, Base):
    """An after-sales case (return, refund, claim...) opened from a conversation.

    The state follows the pure state machine of api/case/states.py; every transition is a row of
    `case_transitions`. The case's clocks are timers in `sla_timers` (case_id set), fired exactly once
    by api/case/clocks.py with the same claim-and-stamp mechanism as conversation clocks."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(enum_check("kind", CASE_KINDS), name="kind"),
        CheckConstraint(enum_check("source", CASE_SOURCES), name="source"),
        CheckConstraint(enum_check("followup_state", FOLLOWUP_STATES), name="followup_state"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_non_negative"),
        CheckConstraint("refunded_amount IS NULL OR refunded_amount >= 0", name="refunded_non_negative"),
        # A marketplace return/dispute opens one case however often its notice is read (ingest is
        # idempotent by this constraint).
        Index(
            "uq_cases_marketplace_case",
            "organization_id",
            "marketplace",
            "marketplace_case_id",
            unique=True,
            postgresql_where=text("marketplace_case_id IS NOT NULL"),
        ),
        Index("ix_cases_org_created", "organization_id", "created_at", "id"),
        Index("ix_cases_org_state_created", "organization_id", "state", "created_at", "id"),
        Index("ix_cases_org_due", "organization_id", "due_at", "id", postgresql_where=text("due_at IS NOT NULL")),
        Index("ix_cases_conversation", "conversation_id"),
        Index("ix_cases_customer", "customer_id"),
        Index(
            "ix_cases_followup_due",
            "followup_due_at",
            postgresql_where=text("followup_state = 'scheduled'"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30), server_default="requested")
    source: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # Further conversations about the same case (the buyer wrote twice, or on the marketplace's thread).
    linked_conversation_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), server_default="{}")
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    order_external_id: Mapped[str | None] = mapped_column(String(100))
    # [{"sku", "item_id", "title", "quantity"}]: the order's lines this case is about.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    reason: Mapped[str] = mapped_column(Text, server_default="")
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    refunded_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    marketplace_case_id: Mapped[str | None] = mapped_column(String(100))
    # The marketplace's own respond-by date (eBay respondByDate, Walmart returnByDate...).
    marketplace_deadline: Mapped[datetime | None] = mapped_column()
    # When the case must leave `requested` (the organization's handling target, 6 h for a return by default).
    handling_due_at: Mapped[datetime | None] = mapped_column()
    # The sooner of the two while the case is `requested` (the queue's deadline order), else NULL.
    due_at: Mapped[datetime | None] = mapped_column()
    handled_at: Mapped[datetime | None] = mapped_column()
    overdue_at: Mapped[datetime | None] = mapped_column()
    # Free-text references (URLs or marketplace media ids) given before cases linked stored attachments
    # (migration 0015 linked those that named a stored attachment; these named none). Read-only: the
    # case's files are rows of `case_attachments`.
    legacy_attachment_refs: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_by_type: Mapped[str] = mapped_column(String(20))
    opened_by_id: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column()
    # Follow-up contact (回访) after closing: scheduled, or why not (api/case/followup.py).
    followup_state: Mapped[str] = mapped_column(String(20), server_default="none")
    followup_due_at: Mapped[datetime | None] = mapped_column()
    followup_reason: Mapped[str | None] = mapped_column(Text)
    followup_template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("templates.id", ondelete="SET NULL"))
    followup_message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class CaseTransition(Base):
    """One step of a case's state machine: who moved it, from where to where, and why. Append-only."""

    __tablename__ = "case_transitions"
    __table_args__ = (Index("ix_case_transitions_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_type: Mapped[str] = mapped_column(String(20))  # user | api_key | automation | marketplace | system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200), server_default="")
    reason: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CaseAttachment(Base):
    """A stored attachment (a buyer's photo on the conversation, an agent's upload) linked to a case.

    The foreign key on (organization_id, attachment_id) makes a link to another organization's file
    impossible by construction, not only by the service's check."""

    __tablename__ = "case_attachments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "attachment_id"],
            ["attachments.organization_id", "attachments.id"],
            name="fk_case_attachments_attachment",
            ondelete="CASCADE",
        ),
        # The clean-up of unsent uploads asks "is this file on a case?" by attachment.
        Index("ix_case_attachments_attachment", "attachment_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    attachment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    added_by_type: Mapped[str] = mapped_column(String(20))  # user | api_key | automation | marketplace | system
    added_by_id: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CaseSettings(Base):
    """Per-organization case settings: handling targets per kind and the follow-up contact."""

    __tablename__ = "case_settings"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    # {"return": 21600, "claim": 0, ...}: seconds a new case may stay `requested`.
    handling_seconds: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    followup_enabled: Mapped[bool] = mapped_column(server_default="false")
    followup_days: Mapped[int] = mapped_column(Integer, server_default="3")
    followup_template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("templates.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
