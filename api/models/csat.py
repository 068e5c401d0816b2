from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, enum_check

CSAT_STATES = ("scheduled", "refused", "sent", "answered", "cancelled")
# The states in which a survey counts as "asked" for the once-per-order rule.
ASKED_STATES = ("scheduled", "sent", "answered")


class CsatSettings(Base):
    """Per-organization CSAT settings (api/csat): off by default."""

    __tablename__ = "csat_settings"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="false")
    delay_minutes: Mapped[int] = mapped_column(Integer, server_default="60")
    # {"ebay": "in_thread", "email": "link", "tiktok": "off"}; a marketplace not listed uses its default form.
    forms: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    ask_after_complaint: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # {"en": "...", "zh": "...", "es": "..."}: the question per language; missing languages use the defaults.
    questions: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class CsatSurvey(IdMixin, TenantMixin, Base):
    """One CSAT decision taken when a conversation was resolved, and what became of it.

    A refused decision is kept too (with its reason and the rule's source): the conversation shows
    why no question went out."""

    __tablename__ = "csat_surveys"
    __table_args__ = (
        CheckConstraint(enum_check("state", CSAT_STATES), name="state"),
        CheckConstraint("form IS NULL OR form IN ('in_thread', 'link')", name="form"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score"),
        Index("ix_csat_surveys_conversation", "organization_id", "conversation_id", "created_at"),
        Index("ix_csat_surveys_due", "due_at", postgresql_where=text("state = 'scheduled'")),
        Index("ix_csat_surveys_org_sent", "organization_id", "sent_at"),
        # At most once per order: one asked survey per (channel, order), enforced by the database.
        Index(
            "uq_csat_surveys_order",
            "channel_id",
            "order_external_id",
            unique=True,
            postgresql_where=text("order_external_id IS NOT NULL AND state IN ('scheduled', 'sent', 'answered')"),
        ),
        Index("uq_csat_surveys_token", "token_digest", unique=True, postgresql_where=text("token_digest IS NOT NULL")),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(20))
    order_external_id: Mapped[str | None] = mapped_column(String(100))
    # Whose work is rated: the assignee when the conversation was resolved.
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(40))
    labels: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    language: Mapped[str] = mapped_column(String(10), server_default="en")
    state: Mapped[str] = mapped_column(String(12))
    form: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    # SHA-256 of the survey link's token (link form only); the token itself is only in the message.
    token_digest: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    answered_at: Mapped[datetime | None] = mapped_column()
    answer_message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    # How the answer came: `reply` (a message parsed by api/csat/parser.py) or `link` (the survey page).
    answered_via: Mapped[str | None] = mapped_column(String(10))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
