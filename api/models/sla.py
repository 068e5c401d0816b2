from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
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

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

CLOCK_KINDS = (
    "marketplace_first_response",
    "marketplace_next_response",
    "internal_first_response",
    "internal_next_response",
    "internal_resolution",
)
CLOCK_STATES = ("running", "met", "breached", "stopped")


class BusinessCalendar(IdMixin, TenantMixin, TimestampMixin, Base):
    """Working hours for internal clocks: IANA zone, intervals per weekday, holidays."""

    __tablename__ = "business_calendars"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["09:00", "18:00"]], ...} as accepted by sla.calendar.BusinessCalendar.from_spec
    intervals: Mapped[dict[str, Any]] = mapped_column(JSONB)
    holidays: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    recurring_holidays: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    country_holidays: Mapped[str | None] = mapped_column(String(8))
    subdivision: Mapped[str | None] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class SlaPolicy(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("organization_id", "builtin_key"),
        Index("ix_sla_policies_org_position", "organization_id", "position"),
    )

    name: Mapped[str] = mapped_column(String(200))
    builtin_key: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(Text, server_default="")
    position: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    conditions: Mapped[dict[str, list[str]]] = mapped_column(JSONB, server_default="{}")
    first_response_seconds: Mapped[int] = mapped_column(Integer)
    next_response_seconds: Mapped[int | None] = mapped_column(Integer)
    # Whether an automatic reply answers the buyer under this policy (the built-in ones carry each
    # marketplace's rule); copied into every clock's snapshot and read by sla.service.reply_counts.
    automation_counts: Mapped[bool] = mapped_column(Boolean, server_default="false")
    internal_first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    internal_next_response_seconds: Mapped[int | None] = mapped_column(Integer)
    internal_resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("business_calendars.id", ondelete="SET NULL"))
    pause_while_pending: Mapped[bool] = mapped_column(Boolean, server_default="false")
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class SlaClock(IdMixin, TenantMixin, TimestampMixin, Base):
    """One deadline of one conversation. Ends met, breached or stopped; ended clocks never change."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        CheckConstraint(enum_check("kind", CLOCK_KINDS), name="kind"),
        CheckConstraint(enum_check("state", CLOCK_STATES), name="state"),
        # One open clock of each kind per conversation: a later buyer message never starts another.
        Index(
            "uq_sla_clocks_open", "conversation_id", "kind", unique=True, postgresql_where=text("stopped_at IS NULL")
        ),
        Index("ix_sla_clocks_conversation", "conversation_id", "started_at"),
        Index("ix_sla_clocks_org_started", "organization_id", "kind", "started_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    # The policy as it was when the clock started: later edits never rewrite this clock.
    policy_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text)
    marketplace: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column()
    # NULL while the clock is paused (internal clocks, conversation pending on the buyer).
    due_at: Mapped[datetime | None] = mapped_column()
    due_soon_at: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), server_default="running")
    breached_at: Mapped[datetime | None] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    stop_reason: Mapped[str | None] = mapped_column(String(30))
    anchor_message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    stop_message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    pauses: Mapped[list[list[str | None]]] = mapped_column(JSONB, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class SlaTimer(Base):
    """A due escalation tier or breach of a clock. Firing is `UPDATE ... SET fired_at` on a claimed
    row, in the same transaction as its effects, and (clock_id, tier) is unique: each fires once.

    A timer belongs to a conversation's clock (`clock_id`) or to an after-sales case (`case_id`, its
    handling target and the marketplace's deadline; fired by api/case/clocks.py): one table, one index
    and one wake-up for every deadline, and the conversation claim's join on sla_clocks never sees a
    case's timers."""

    __tablename__ = "sla_timers"
    __table_args__ = (
        UniqueConstraint("clock_id", "tier"),
        UniqueConstraint("case_id", "tier"),
        CheckConstraint("num_nonnulls(clock_id, case_id) = 1", name="one_owner"),
        Index("ix_sla_timers_due", "due_at", postgresql_where=text("fired_at IS NULL AND cancelled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    clock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sla_clocks.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    tier: Mapped[int] = mapped_column(Integer)  # 0..n-1 escalation tiers; BREACH_TIER for the deadline
    action: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column()
    fired_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()


BREACH_TIER = 1000


class Notification(IdMixin, TenantMixin, TimestampMixin, Base):
    """An in-app notification for one user (escalations); pushed over the WebSocket by the relay."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, server_default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    read_at: Mapped[datetime | None] = mapped_column()


class OutboundEmail(IdMixin, TenantMixin, TimestampMixin, Base):
    """Mail the system sends (escalations), written in the effect's transaction, sent by a worker."""

    __tablename__ = "outbound_emails"
    __table_args__ = (Index("ix_outbound_emails_pending", "created_at", postgresql_where=text("sent_at IS NULL")),)

    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # An HTML alternative to `body` (scheduled reports); plain-text mail leaves it null.
    html_body: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
