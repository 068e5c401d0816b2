from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, enum_check

PUSH_STATUSES = ("pending", "processed", "failed")


class InboundPush(IdMixin, TenantMixin, Base):
    """A marketplace push, stored verbatim before it is acknowledged so a flushed queue loses nothing;
    the sync worker parses and ingests it. Marketplaces re-send pushes: the notification id dedupes."""

    __tablename__ = "inbound_pushes"
    __table_args__ = (
        UniqueConstraint("channel_id", "dedupe_key"),
        CheckConstraint(enum_check("status", PUSH_STATUSES), name="status"),
        Index("ix_inbound_pushes_pending", "received_at", postgresql_where=text("status = 'pending'")),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default="0")
    processed_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
