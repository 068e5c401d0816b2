from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from api.customer.schemas import CustomerRead, CustomerSummary
from api.kit.schema import RequestModel, ResponseModel
from api.message.schemas import MessageRead
from api.order.schemas import OrderRead

View = Literal["all", "unread", "response_needed", "customer_care", "failed", "spam"]
Status = Literal["open", "pending", "resolved"]
Priority = Literal["low", "normal", "high", "urgent"]
Category = Literal[
    "uncategorized",
    "pre_sale",
    "order_status",
    "shipping",
    "return_refund",
    "complaint",
    "product_question",
    "walmart_customer_care",
    "platform_notice",
    "spam_likely",
]
SpamReason = Literal["spam", "fraud", "inappropriate"]


class ConversationRead(ResponseModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    marketplace: str
    external_thread_id: str | None
    subject: str
    category: Category
    priority: Priority
    status: Status
    labels: list[str]
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None
    unread: bool
    waiting_since: datetime | None = Field(
        description="Marketplace time of the oldest buyer message still awaiting a delivered reply."
    )
    customer: CustomerSummary | None
    order_id: str | None = Field(description="The marketplace order id, if the thread is about an order.")
    item_id: str | None
    last_message_at: datetime
    last_message_preview: str
    message_count: int
    has_failed_delivery: bool
    spam_reason: SpamReason | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class ConversationPage(ResponseModel):
    items: list[ConversationRead]
    next_cursor: str | None


class ViewCounts(ResponseModel):
    all: int
    unread: int
    response_needed: int
    customer_care: int
    failed: int
    spam: int


class NoteRead(ResponseModel):
    id: uuid.UUID
    kind: Literal["note", "offline_contact"]
    body: str
    author_user_id: uuid.UUID | None
    author_api_key_id: uuid.UUID | None
    created_at: datetime


class ConversationDetail(ConversationRead):
    messages: list[MessageRead]
    messages_truncated: bool = Field(description="True when older messages exist; page them with /messages.")
    notes: list[NoteRead]
    order: OrderRead | None
    customer_profile: CustomerRead | None


def _clean_labels(v: list[str] | None) -> list[str] | None:
    if v is None:
        return v
    for label in v:
        if not 1 <= len(label) <= 64 or label.strip() != label:
            raise ValueError("each label must be 1 to 64 characters without surrounding spaces")
    return list(dict.fromkeys(v))


class ConversationUpdate(RequestModel):
    status: Status | None = None
    priority: Priority | None = None
    category: Category | None = None
    assignee_id: uuid.UUID | None = Field(default=None, description="null unassigns")
    team_id: uuid.UUID | None = None
    labels: list[str] | None = Field(default=None, max_length=50)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: list[str] | None) -> list[str] | None:
        return _clean_labels(v)


class NoteCreate(RequestModel):
    body: str = Field(min_length=1, max_length=20_000)
    kind: Literal["note", "offline_contact"] = Field(
        default="note", description="`offline_contact` logs a talk with the buyer outside the marketplace."
    )


class SpamFlag(RequestModel):
    reason: SpamReason
