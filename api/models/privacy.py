from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base

# Sellers' compliance needs service records kept at least a year; a shorter period cannot be configured.
MIN_RETENTION_DAYS = 365


class PrivacySettings(Base):
    """Per-organization retention and masking settings (api/privacy). No row: keep everything, mask nothing."""

    __tablename__ = "privacy_settings"
    __table_args__ = (
        CheckConstraint(f"retention_days IS NULL OR retention_days >= {MIN_RETENTION_DAYS}", name="retention_minimum"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    # Null keeps everything (the default).
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # Roles that see buyer emails, phones and addresses masked (agent, supervisor).
    masked_roles: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default="{}")
    # Metric rollup hours before this instant are never recomputed from raw rows again: the retention job
    # deleted raw rows there, and a refold would silently drop their figures from past reports.
    rollups_frozen_before: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
