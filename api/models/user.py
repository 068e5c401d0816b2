from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

USER_ROLES = ("agent", "supervisor", "admin")
USER_STATUSES = ("online", "away", "offline")


class User(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(enum_check("role", USER_ROLES), name="role"),
        CheckConstraint(enum_check("status", USER_STATUSES), name="status"),
        # An address is unique within an organization only: a global constraint would let an admin
        # probe other tenants' users (POST /v1/users answering "exists" for someone else's address).
        # Login looks the address up across organizations and tells them apart by password (and, if
        # that is not enough, by the organization the caller names).
        Index("uq_users_org_email_lower", "organization_id", func.lower(text("email")), unique=True),
        Index("ix_users_email_lower", func.lower(text("email"))),
        Index("ix_users_organization_id", "organization_id"),
    )

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), server_default="agent")
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), server_default="offline")
    capacity: Mapped[int] = mapped_column(Integer, server_default="20")
    locale: Mapped[str] = mapped_column(String(10), server_default="en")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    last_seen_at: Mapped[datetime | None] = mapped_column()
    # Preference: a reply by this person to an unassigned conversation assigns it to them.
    assign_on_reply: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The status was set by the shift/idle rule (api/shift/availability.py), not by the agent, so
    # activity may set it back to online; a status the agent chose is left alone.
    auto_status: Mapped[bool] = mapped_column(Boolean, server_default="false")


class UserSession(IdMixin, TenantMixin, TimestampMixin, Base):
    """A login session of the SPA; only the token's digest is stored."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
