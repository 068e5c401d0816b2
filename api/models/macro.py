from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

MACRO_VISIBILITIES = ("personal", "team", "org")


class Macro(IdMixin, TenantMixin, TimestampMixin, Base):
    """A named set of actions a person applies to a conversation in one step: set fields, snooze,
    add an internal note and (optionally) reply. Seen by its owner only (`personal`), by the members
    of `team_id` (`team`) or by everyone in the organization (`org`)."""

    __tablename__ = "macros"
    __table_args__ = (
        CheckConstraint(enum_check("visibility", MACRO_VISIBILITIES), name="visibility"),
        CheckConstraint("(visibility = 'team') = (team_id IS NOT NULL)", name="team_only_when_shared_with_team"),
        Index("ix_macros_org_name", "organization_id", "name"),
    )

    owner_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), server_default="")
    visibility: Mapped[str] = mapped_column(String(10))
    # The validated `MacroActions` (api/macro/schemas.py) as JSON: fields to set, snooze, note, reply.
    actions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
