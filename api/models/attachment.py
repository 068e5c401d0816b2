from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, enum_check

ATTACHMENT_STATUSES = ("pending", "stored", "failed")
ATTACHMENT_SOURCES = ("inbound", "mail", "upload")


class Attachment(IdMixin, TenantMixin, Base):
    """One file of a message (a buyer's photo fetched from the marketplace, a MIME part of relay mail)
    or an agent's upload (linked to the replies that send it through `messages.attachments`). The
    bytes live in the content-addressed store (api/attachment/store.py) under `sha256`; the type is
    sniffed, never the sender's. A buyer's file that could not be fetched is kept as `failed` with the
    reason, so the message shows that something was sent."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(enum_check("status", ATTACHMENT_STATUSES), name="status"),
        CheckConstraint(enum_check("source", ATTACHMENT_SOURCES), name="source"),
        Index("ix_attachments_message", "message_id"),
        Index("ix_attachments_pending", "created_at", postgresql_where=text("status = 'pending'")),
        # The target of case_attachments' foreign key: a case links files of its own organization only.
        UniqueConstraint("organization_id", "id"),
        # The clean-up's queue: agents' uploads not yet found in use (api/attachment/cleanup.py).
        Index(
            "ix_attachments_unsettled_uploads",
            "created_at",
            postgresql_where=text("source = 'upload' AND settled_at IS NULL"),
        ),
    )

    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    # Sniffed from the first bytes once stored; NULL while pending or failed.
    content_type: Mapped[str | None] = mapped_column(String(100))
    # What the sender claimed (never used to serve the file).
    declared_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Where a marketplace serves the buyer's file (fetched by the worker, never shown to the SPA).
    source_url: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(server_default="0")
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    stored_at: Mapped[datetime | None] = mapped_column()
    # An upload the clean-up found in use (sent in a reply or linked to a case): kept, and not looked
    # at again. Unlinking it from a case clears this, so an upload used nowhere any more is collected.
    settled_at: Mapped[datetime | None] = mapped_column()
