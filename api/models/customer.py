from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin, enum_check

CUSTOMER_TIERS = ("standard", "high_value", "potential", "low_activity", "new", "at_risk")
TIER_SOURCES = ("computed", "manual")


class Customer(IdMixin, TenantMixin, TimestampMixin, Base):
    """One buyer identity (marketplace buyer id, relay alias or email), and the profile it belongs to.

    Identities of one person across marketplaces are merged by pointing them at one root profile
    (`merged_into_id`); the root carries no pointer. The pointer is a foreign key on
    (organization_id, id), so a profile of another organization cannot be named at all."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("organization_id", "marketplace", "external_buyer_id"),
        UniqueConstraint("organization_id", "id"),
        ForeignKeyConstraint(
            ["organization_id", "merged_into_id"],
            ["customers.organization_id", "customers.id"],
            name="fk_customers_merged_into_same_org",
        ),
        CheckConstraint(enum_check("tier", CUSTOMER_TIERS), name="tier"),
        CheckConstraint(enum_check("tier_source", TIER_SOURCES), name="tier_source"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"),
        Index("ix_customers_org_name", "organization_id", func.lower(text("display_name")), "id"),
        Index("ix_customers_org_email", "organization_id", func.lower(text("email"))),
        Index("ix_customers_org_phone", "organization_id", "phone", postgresql_where=text("phone IS NOT NULL")),
        Index("ix_customers_merged_into", "merged_into_id", postgresql_where=text("merged_into_id IS NOT NULL")),
    )

    marketplace: Mapped[str] = mapped_column(String(20))
    external_buyer_id: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(300), server_default="")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column()
    # False once a person split this identity off a profile: matching identifiers no longer merge it.
    auto_merge: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    tier: Mapped[str] = mapped_column(String(20), server_default="standard")
    # computed: recomputed from orders and complaints; manual: set by a person, kept until reset.
    tier_source: Mapped[str] = mapped_column(String(10), server_default="computed")
    tier_reason: Mapped[str | None] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class CustomerTierRules(Base):
    """An organization's tier thresholds (api/customer/tiers.py reads them; absent means defaults)."""

    __tablename__ = "customer_tier_rules"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
