from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, func
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base


class DraftLockSettings(Base):
    """Per-organization switch for soft draft locks (the locks themselves live in Redis: they are
    ephemeral, and a flushed Redis only means nobody holds one)."""

    __tablename__ = "draft_lock_settings"
    __table_args__ = (CheckConstraint("ttl_seconds BETWEEN 30 AND 900", name="ttl_range"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(server_default="false")
    # How long a lock outlives its holder's last keystroke (the SPA renews it while they draft).
    ttl_seconds: Mapped[int] = mapped_column(Integer, server_default="120")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
