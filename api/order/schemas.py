from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field

from api.customer.schemas import BuyerIn
from api.kit.schema import RequestModel, ResponseModel


class OrderItemIn(RequestModel):
    sku: str | None = Field(default=None, max_length=100)
    item_id: str | None = Field(default=None, max_length=100, description="Marketplace listing/item id")
    title: str = Field(min_length=1, max_length=1000)
    quantity: int = Field(ge=1, le=100_000)
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


class ShipmentIn(RequestModel):
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    tracking_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    status: str | None = Field(default=None, max_length=40)
    shipped_at: AwareDatetime | None = None
    estimated_delivery: AwareDatetime | None = None


class OrderUpsert(RequestModel):
    marketplace: Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"] | None = None
    channel_id: uuid.UUID | None = None
    status: str = Field(default="unknown", min_length=1, max_length=40)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    total_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    placed_at: AwareDatetime | None = None
    ship_by: AwareDatetime | None = None
    estimated_delivery: AwareDatetime | None = None
    ship_to_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    buyer_locale: str | None = Field(default=None, max_length=16)
    buyer: BuyerIn | None = None
    items: list[OrderItemIn] = Field(default_factory=list, max_length=200)
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=50)


class OrderItemRead(ResponseModel):
    sku: str | None
    item_id: str | None = Field(validation_alias="item_external_id")
    title: str
    quantity: int
    unit_price: Decimal | None


class ShipmentRead(ResponseModel):
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str | None
    shipped_at: datetime | None
    estimated_delivery: datetime | None


class OrderRead(ResponseModel):
    id: uuid.UUID
    order_id: str = Field(validation_alias="external_id", description="The marketplace's order id")
    marketplace: str | None
    channel_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    status: str
    currency: str | None
    total_amount: Decimal | None
    placed_at: datetime | None
    ship_by: datetime | None
    estimated_delivery: datetime | None
    ship_to_country: str | None
    buyer_locale: str | None
    items: list[OrderItemRead]
    shipments: list[ShipmentRead]
    created_at: datetime
    updated_at: datetime


class OrderPage(ResponseModel):
    items: list[OrderRead]
    next_cursor: str | None
