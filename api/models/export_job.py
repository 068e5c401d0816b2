from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

EXPORT_KINDS = ("conversations", "messages", "cases", "customers", "audit", "reports")
EXPORT_FORMATS = ("csv", "jsonl")
# `expired`: the file was deleted by the sweep after `expires_at`; the row stays as a record.
EXPORT_STATUSES = ("queued", "running", "done", "failed", "expired")


class ExportJob(IdMixin, TenantMixin, TimestampMixin, Base):
    """One export file written by a worker (api/export/writer.py) and downloaded while it lasts.

    Who asked (user or API key, their role and scopes) is kept so the worker exports as them: the
    rows they may see, buyer contact data masked as their role is."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint(enum_check("kind", EXPORT_KINDS), name="kind"),
        CheckConstraint(enum_check("format", EXPORT_FORMATS), name="format"),
        CheckConstraint(enum_check("status", EXPORT_STATUSES), name="status"),
        Index("ix_export_jobs_org_created", "organization_id", "created_at"),
        Index("ix_export_jobs_unfinished", "heartbeat_at", postgresql_where=text("status IN ('queued', 'running')")),
        Index("ix_export_jobs_expiry", "expires_at", postgresql_where=text("status = 'done'")),
    )

    kind: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    date_from: Mapped[datetime | None] = mapped_column()
    date_to: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    rows_total: Mapped[int | None] = mapped_column(BigInteger)
    rows_written: Mapped[int] = mapped_column(BigInteger, server_default="0")
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default="{}")
    masked: Mapped[bool | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime] = mapped_column(server_default=func.now())
