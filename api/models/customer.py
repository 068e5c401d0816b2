from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

CUSTOMER_TIERS = ("standard", "high_value", "potential", "low_activity")


class Customer(IdMixin, TenantMixin, TimestampMixin, Base):
    """One buyer profile; deduplicated by marketplace buyer id (or relay alias / email)."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("organization_id", "marketplace", "external_buyer_id"),
        CheckConstraint(enum_check("tier", CUSTOMER_TIERS), name="tier"),
        Index("ix_customers_org_name", "organization_id", func.lower(text("display_name")), "id"),
        Index("ix_customers_org_email", "organization_id", func.lower(text("email"))),
    )

    marketplace: Mapped[str] = mapped_column(String(20))
    external_buyer_id: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(300), server_default="")
    email: Mapped[str | None] = mapped_column(String(320))
    tier: Mapped[str] = mapped_column(String(20), server_default="standard")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
