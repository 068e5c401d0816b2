from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base


class AuditEntry(Base):
    """Who did what, kept at least a year, as sellers' compliance needs. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_org_time", "organization_id", "created_at"),
        Index("ix_audit_entity", "organization_id", "entity_type", "entity_id", "created_at"),
        # GET /v1/audit by actor, and by action prefix (`LIKE 'case.%'` needs the pattern opclass).
        Index("ix_audit_org_actor", "organization_id", "actor_id", "id"),
        Index("ix_audit_org_action", "organization_id", "action", "id", postgresql_ops={"action": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    actor_type: Mapped[str] = mapped_column(String(20))  # user | api_key | system | automation
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
