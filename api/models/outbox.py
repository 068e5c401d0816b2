from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base


class OutboxEvent(Base):
    """A domain event written in the same transaction as the change that caused it.

    The relay publishes unpublished rows in id order (per conversation order follows) to the WebSocket
    fan-out, webhooks and follow-up jobs, then stamps `published_at`.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_org_id", "organization_id", "id"),
        Index("ix_outbox_org_seq", "organization_id", "seq", postgresql_where=text("seq IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(60))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column()
    # Publication order, assigned by the relay while it alone holds the publish lock: the WebSocket
    # `seq` and the resume point of catch-up. Ids follow insert order, not commit order, so a
    # client resuming after id N could miss a row with a smaller id that committed later.
    seq: Mapped[int | None] = mapped_column(BigInteger)
