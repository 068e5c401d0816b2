from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin


class OverflowSettings(Base):
    """Per-organization overflow alert: when every available agent is at capacity and more than
    `threshold` unassigned conversations wait in Response Needed, supervisors and admins are told,
    at most once per `cooldown_minutes` (api/notification/overflow.py)."""

    __tablename__ = "overflow_settings"
    __table_args__ = (
        CheckConstraint("threshold BETWEEN 1 AND 100000", name="threshold_range"),
        CheckConstraint("cooldown_minutes BETWEEN 1 AND 10080", name="cooldown_range"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(server_default="true")
    threshold: Mapped[int] = mapped_column(Integer, server_default="50")
    cooldown_minutes: Mapped[int] = mapped_column(Integer, server_default="60")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class OverflowAlert(IdMixin, TenantMixin, Base):
    """One raised overflow alert. At most one is active (not cleared) per organization: the partial
    unique index makes a second worker's concurrent insert fail instead of alerting twice."""

    __tablename__ = "overflow_alerts"
    __table_args__ = (
        Index(
            "uq_overflow_alerts_active",
            "organization_id",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_overflow_alerts_org_raised", "organization_id", "raised_at"),
    )

    raised_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # What was true when it was raised: the backlog, the threshold and the agents counted.
    backlog: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    available_agents: Mapped[int] = mapped_column(Integer)
    cleared_at: Mapped[datetime | None] = mapped_column()
