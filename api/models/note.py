from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

NOTE_KINDS = ("note", "offline_contact")


class Note(IdMixin, TenantMixin, TimestampMixin, Base):
    """An internal note; `offline_contact` records a talk with the buyer outside the marketplace, so the
    record of what was said to the buyer is complete."""

    __tablename__ = "notes"
    __table_args__ = (
        CheckConstraint(enum_check("kind", NOTE_KINDS), name="kind"),
        Index("ix_notes_conversation", "conversation_id", "created_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), server_default="note")
    body: Mapped[str] = mapped_column(Text)
    # The colleagues @mentioned in the body: [{user_id, name, start, end}] (offsets into `body`), found
    # when the note was written (api/notification/mentions.py) so the thread renders them as written.
    mentions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
