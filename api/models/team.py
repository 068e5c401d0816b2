from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class Team(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    # Working hours of the team's internal clocks (else the organization's default calendar, else 24/7).
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("business_calendars.id", ondelete="SET NULL"))
    # How conversations routed to the team are spread: by open load within capacity, or in turn.
    assignment_strategy: Mapped[str] = mapped_column(String(20), server_default="load_balanced")
    last_assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class TeamMember(TenantMixin, Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
