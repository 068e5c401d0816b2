from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

MARKETPLACES = ("walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api")
CHANNEL_STATUSES = ("active", "disabled")


class Channel(IdMixin, TenantMixin, TimestampMixin, Base):
    """A store account on a marketplace (or an ERP-pushed `api` channel)."""

    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint(enum_check("marketplace", MARKETPLACES), name="marketplace"),
        CheckConstraint(enum_check("status", CHANNEL_STATUSES), name="status"),
        Index("ix_channels_organization_id", "organization_id"),
    )

    marketplace: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    external_account_id: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(10))
    # Non-secret connector settings (base URL, hosts, store email...).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # Fernet-encrypted JSON of the marketplace credentials; never returned by the API.
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    default_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    disabled_at: Mapped[datetime | None] = mapped_column()
    # Sync health, written by the sync workers.
    sync_cursor: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    last_sync_at: Mapped[datetime | None] = mapped_column()
    last_sync_error: Mapped[str | None] = mapped_column(Text)
    last_sync_error_at: Mapped[datetime | None] = mapped_column()
