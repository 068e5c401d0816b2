from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class Order(IdMixin, TenantMixin, TimestampMixin, Base):
    """An order as the ERP knows it, keyed by the marketplace's order id."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("organization_id", "external_id"),
        Index("ix_orders_customer_id", "customer_id"),
    )

    external_id: Mapped[str] = mapped_column(String(100))
    marketplace: Mapped[str | None] = mapped_column(String(20))
    channel_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(40), server_default="unknown")
    currency: Mapped[str | None] = mapped_column(String(3))
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    placed_at: Mapped[datetime | None] = mapped_column()
    ship_by: Mapped[datetime | None] = mapped_column()
    estimated_delivery: Mapped[datetime | None] = mapped_column()
    ship_to_country: Mapped[str | None] = mapped_column(String(2))
    buyer_locale: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class OrderItem(IdMixin, TenantMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(100))
    item_external_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class Shipment(IdMixin, TenantMixin, Base):
    __tablename__ = "shipments"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str | None] = mapped_column(String(40))
    shipped_at: Mapped[datetime | None] = mapped_column()
    estimated_delivery: Mapped[datetime | None] = mapped_column()
