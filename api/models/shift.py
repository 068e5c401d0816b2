from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class Shift(IdMixin, TenantMixin, TimestampMixin, Base):
    """One line of a team's roster for one agent, in the agent's own time zone: a weekly pattern
    (`weekday`) or a dated exception (`on_date`) that replaces that day's pattern (`is_off`: not
    working that day). Wall-clock start and length, so a DST change inside a shift keeps its hours."""

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("(weekday IS NULL) <> (on_date IS NULL)", name="weekly_or_dated"),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration"),
        CheckConstraint("handover_minutes >= 0 AND handover_minutes <= duration_minutes", name="handover"),
        Index("ix_shifts_org_user", "organization_id", "user_id"),
        Index("ix_shifts_team", "team_id"),
    )

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    time_zone: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int | None] = mapped_column(SmallInteger)  # 0 = Monday
    on_date: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    handover_minutes: Mapped[int] = mapped_column(Integer, server_default="30")
    is_off: Mapped[bool] = mapped_column(Boolean, server_default="false")


class ShiftHandover(IdMixin, TenantMixin, TimestampMixin, Base):
    """A conversation handed over when its assignee's shift ended: the unique key makes the
    handover (and its note) happen exactly once per conversation, agent and shift end."""

    __tablename__ = "shift_handovers"
    __table_args__ = (UniqueConstraint("conversation_id", "from_user_id", "shift_ended_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    from_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    to_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shift_ended_at: Mapped[datetime] = mapped_column()
    note_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notes.id", ondelete="SET NULL"))
