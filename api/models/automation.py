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


class Template(IdMixin, TenantMixin, TimestampMixin, Base):
    """A reply template (Jinja, rendered in a sandbox) grouped by category and language."""

    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", "language"),
        Index("ix_templates_org_category", "organization_id", "category", "language"),
    )

    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10), server_default="en")
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    starter_key: Mapped[str | None] = mapped_column(String(60))
    usage_count: Mapped[int] = mapped_column(Integer, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class AutoReplyRule(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "auto_reply_rules"
    __table_args__ = (Index("ix_auto_reply_rules_org", "organization_id", "position"),)

    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    cooldown_minutes: Mapped[int] = mapped_column(Integer, server_default="1440")
    # No automatic message when a person replied this recently (the conversation is being handled).
    quiet_after_agent_minutes: Mapped[int] = mapped_column(Integer, server_default="5")
    stop_after_match: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class AutomationRun(Base):
    """Every firing and every suppression of a rule, with its reason. (rule, message) is unique, so
    a job that runs twice acts once."""

    __tablename__ = "automation_runs"
    __table_args__ = (
        UniqueConstraint("rule_id", "message_id"),
        CheckConstraint(enum_check("outcome", ("fired", "suppressed")), name="outcome"),
        Index("ix_automation_runs_conv", "conversation_id", "rule_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auto_reply_rules.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    # The reason and actions as codes with parameters (api.automation.explain), for wording them in
    # the reader's language; null on runs recorded before it existed, which show `reason` as it is.
    reason_detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    actions_done: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AssignmentRule(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "assignment_rules"
    __table_args__ = (Index("ix_assignment_rules_org", "organization_id", "position"),)

    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Reminder(IdMixin, TenantMixin, TimestampMixin, Base):
    """A follow-up for a person (e.g. after an automatic return-policy answer)."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "due_at", postgresql_where=text("fired_at IS NULL")),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, server_default="")
    fired_at: Mapped[datetime | None] = mapped_column()
