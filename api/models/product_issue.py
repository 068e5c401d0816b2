from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin


class ProductIssueMention(IdMixin, TenantMixin, Base):
    """One product-issue reason a buyer message gives about one SKU (api/product_issue): the
    maintained table behind the product-issue report, written when the automation pass handles the
    message, so a message synced late lands in the period it was sent (`sent_at`)."""

    __tablename__ = "product_issue_mentions"
    __table_args__ = (
        UniqueConstraint("message_id", "sku", "reason"),
        Index("ix_product_issue_mentions_org_sent", "organization_id", "sent_at"),
        Index("ix_product_issue_mentions_org_sku", "organization_id", "sku", "sent_at"),
    )

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(20))
    # '' when the message names no SKU of its order (several items, none named): counted, unattributed.
    sku: Mapped[str] = mapped_column(String(100))
    product_title: Mapped[str] = mapped_column(String(300), server_default="")
    reason: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
