from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.kit.schema import ResponseModel


class ProductIssueJump(ResponseModel):
    jumped: bool
    current_rate: float | None = Field(description="The last 7 days' issues per 1,000 units ordered")
    baseline_rate: float | None = Field(description="The 4 weeks before, pooled")
    reason: str


class ProductIssueRow(ResponseModel):
    sku: str = Field(description="'' for messages that name no SKU of their order")
    title: str
    messages: int = Field(description="Buyer messages giving a product-issue reason")
    conversations: int
    reasons: dict[str, int] = Field(description="Messages per reason (a message may give several)")
    units_ordered: int = Field(description="Units of the SKU in orders placed in the period")
    rate_per_1000: float | None = Field(description="messages per 1,000 units ordered; null without units")
    jump: ProductIssueJump
    trend: list[int] = Field(description="Messages per rolling week of the period (ending at `to`), oldest first")


class ProductIssueReport(ResponseModel):
    start: datetime
    end: datetime
    reasons: list[str]
    rows: list[ProductIssueRow]


class TrendPoint(ResponseModel):
    start: datetime
    messages: int
    units_ordered: int
    rate_per_1000: float | None


class ProductIssueTrend(ResponseModel):
    sku: str
    bucket: str
    points: list[TrendPoint]


class ProductIssueExample(ResponseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    marketplace: str
    sku: str
    title: str
    reasons: list[str]
    sent_at: datetime
    subject: str | None
    excerpt: str
