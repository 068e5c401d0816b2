from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

REPORT_PERIODS = ("week", "month")
REPORT_LANGUAGES = ("en", "zh-CN")


class ReportSchedule(IdMixin, TenantMixin, TimestampMixin, Base):
    """The weekly or monthly report mailed to chosen people: once each period has ended, at `hour`
    o'clock in `time_zone` (api/reports/schedule_rules.py)."""

    __tablename__ = "report_schedules"
    __table_args__ = (
        CheckConstraint(enum_check("period", REPORT_PERIODS), name="period"),
        CheckConstraint(enum_check("language", REPORT_LANGUAGES), name="language"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour"),
        Index("ix_report_schedules_org", "organization_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(10))
    hour: Mapped[int] = mapped_column(SmallInteger)
    time_zone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(10), server_default="en")
    # Attachments besides the HTML body: a subset of pdf, csv, xlsx.
    formats: Mapped[list[str]] = mapped_column(ARRAY(String(10)), server_default="{}")
    # Users of the organization (their current address is used at sending; inactive ones are skipped).
    recipient_user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), server_default="{}")
    recipient_addresses: Mapped[list[str]] = mapped_column(ARRAY(String(320)), server_default="{}")
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class ReportDelivery(IdMixin, TenantMixin, TimestampMixin, Base):
    """One period's report of one schedule, queued as mail. The unique key is what makes the send
    happen once per schedule and period, across restarts and concurrent workers."""

    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("schedule_id", "period_start"),)

    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report_schedules.id", ondelete="CASCADE"))
    # The period's first local day in the organization's time zone.
    period_start: Mapped[date] = mapped_column(Date)
    recipients: Mapped[int] = mapped_column(Integer)


class OutboundEmailAttachment(IdMixin, TenantMixin, Base):
    """A file sent with an outbound email (a scheduled report's PDF / CSV / XLSX)."""

    __tablename__ = "outbound_email_attachments"
    __table_args__ = (Index("ix_outbound_email_attachments_email", "email_id"),)

    email_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbound_emails.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
