from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class SavedView(IdMixin, TenantMixin, TimestampMixin, Base):
    """An inbox list someone named: a view, its filters and its sort. Private to its owner, or
    shared with every member of `team_id`."""

    __tablename__ = "saved_views"
    __table_args__ = (
        Index("ix_saved_views_owner", "organization_id", "owner_user_id"),
        Index("ix_saved_views_team", "organization_id", "team_id"),
    )

    owner_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # {"view": ..., "sort": ..., "marketplace": ..., ...}: the list query the view replays.
    query: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
