from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

BULK_JOB_STATUSES = ("queued", "running", "completed")
BULK_ITEM_STATUSES = ("pending", "done", "failed")


class BulkJob(IdMixin, TenantMixin, TimestampMixin, Base):
    """One action applied to many targets (conversations today; cases later), run by a worker.

    The action is stored as validated JSON with its `kind`, so a new kind of action (or of target)
    is a new entry in the runner's table, not a new table."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (
        CheckConstraint(enum_check("status", BULK_JOB_STATUSES), name="status"),
        Index("ix_bulk_jobs_org_created", "organization_id", "created_at"),
        # The sweep that resumes jobs a killed worker left behind looks only at unfinished ones.
        Index("ix_bulk_jobs_unfinished", "heartbeat_at", postgresql_where=text("status <> 'completed'")),
    )

    target: Mapped[str] = mapped_column(String(20))
    action_kind: Mapped[str] = mapped_column(String(40))
    action: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, server_default="0")
    # Who asked, and with which scopes: the worker acts as them, with no more rights than they had.
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    actor_scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BulkJobItem(Base):
    """One target of a bulk job. Its outcome is written in the same transaction as its effect (the
    reply, the update), so a worker killed mid-job leaves it pending and a re-run does it once."""

    __tablename__ = "bulk_job_items"
    __table_args__ = (
        CheckConstraint(enum_check("status", BULK_ITEM_STATUSES), name="status"),
        Index("ix_bulk_job_items_pending", "job_id", "position", postgresql_where=text("status = 'pending'")),
        Index("ix_bulk_job_items_failed", "job_id", "position", postgresql_where=text("status = 'failed'")),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Not a foreign key: a target deleted meanwhile fails its item ("not found") instead of vanishing.
    target_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    result_id: Mapped[uuid.UUID | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
