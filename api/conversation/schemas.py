from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from api.customer.schemas import CustomerRead, CustomerSummary
from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.message.schemas import FailureRead, MessageRead
from api.order.schemas import OrderRead

View = Literal["all", "unread", "response_needed", "customer_care", "failed", "spam", "snoozed"]
Status = Literal["open", "pending", "resolved"]
Priority = Literal["low", "normal", "high", "urgent"]
Category = Literal[
    "uncategorized",
    "pre_sale",
    "order_status",
    "shipping",
    "return_refund",
    "cancel",
    "damaged",
    "complaint",
    "product_question",
    "walmart_customer_care",
    "platform_notice",
    "spam_likely",
]
SpamReason = Literal["spam", "fraud", "inappropriate"]
SlaState = Literal["none", "ok", "due_soon", "overdue"]


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
    failure: FailureRead | None = Field(
        default=None, description="With `has_failed_delivery`: why the newest failed reply failed and what to do"
    )
    spam_reason: SpamReason | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    sla_state: SlaState = Field(description="At read time: none, ok, due_soon (amber) or overdue (red)")
    sla_deadline: datetime | None = Field(description="Earliest deadline among running clocks; count down from it")
    sla_due_soon_at: datetime | None = Field(description="When the conversation turns due soon")
    snoozed: bool = Field(description="Out of the lists until snoozed_until or the buyer's next message")
    snoozed_until: datetime | None = Field(
        description="When a snoozed conversation returns; null: when the buyer writes"
    )


class MatchedCondition(ResponseModel):
    condition: Literal["marketplace", "channel", "category", "priority", "customer_tier", "label"]
    value: str


class ClockReasonDetail(ResponseModel):
    builtin_key: str | None = Field(description="Set when the policy is one of Hourglass's built-in policies")
    name_is_builtin: bool = Field(description="The policy still has its built-in name (translatable by key)")
    matched: list[MatchedCondition] = Field(description="The policy's conditions that held; empty: the default")


class ClockRead(ResponseModel):
    id: uuid.UUID
    kind: Literal[
        "marketplace_first_response",
        "marketplace_next_response",
        "internal_first_response",
        "internal_next_response",
        "internal_resolution",
    ]
    state: Literal["running", "met", "breached", "stopped"]
    started_at: datetime = Field(description="Marketplace timestamp of the buyer message that started the wait")
    due_at: datetime | None = Field(description="Null while paused")
    due_soon_at: datetime | None
    stopped_at: datetime | None
    breached_at: datetime | None
    stop_reason: str | None
    paused: bool
    seconds_remaining: int | None = Field(description="At read time; clients count down from due_at")
    policy_id: uuid.UUID | None
    policy_name: str | None
    target_seconds: int
    reason: str = Field(description="Why this policy applied, in English")
    reason_detail: ClockReasonDetail = Field(description="The same reason as data, for wording it in any language")


class ConversationPage(ResponseModel):
    items: list[ConversationRead]
    next_cursor: str | None


class ConversationSyncPage(ResponseModel):
    items: list[ConversationRead]
    next_cursor: str = Field(description="Where the next call continues; always present, store it")
    has_more: bool = Field(description="More changes are ready now: call again straight away")


class ViewCounts(ResponseModel):
    """Conversations per view. Counting stops past `cap`: a value of cap + 1 means "more than cap"."""

    cap: int
    all: int
    unread: int
    response_needed: int
    customer_care: int
    failed: int
    spam: int
    snoozed: int


class NoteMention(ResponseModel):
    user_id: uuid.UUID
    name: str = Field(description="The colleague's name when the note was written")
    start: int = Field(description="Offset of the `@` in `body`")
    end: int = Field(description="Offset one past the mention in `body`")


class NoteRead(ResponseModel):
    id: uuid.UUID
    kind: Literal["note", "offline_contact"]
    body: str
    mentions: list[NoteMention] = Field(
        default_factory=list, description="Colleagues @mentioned in the body (each was notified)"
    )
    author_user_id: uuid.UUID | None
    author_api_key_id: uuid.UUID | None
    created_at: datetime


class ConversationDetail(ConversationRead):
    messages: list[MessageRead]
    messages_truncated: bool = Field(description="True when older messages exist; page them with /messages.")
    notes: list[NoteRead]
    order: OrderRead | None
    customer_profile: CustomerRead | None
    clocks: list[ClockRead] = Field(description="Every SLA clock of the conversation, running and ended")
    manual_fields: list[str] = Field(
        description="Fields a person set (priority, assignee_id, team_id, status, category, labels); "
        "automation rules leave them as they are"
    )


def _clean_labels(v: list[str] | None) -> list[str] | None:
    if v is None:
        return v
    for label in v:
        if not 1 <= len(label) <= 64 or label.strip() != label:
            raise ValueError("each label must be 1 to 64 characters without surrounding spaces")
    return list(dict.fromkeys(v))


class ConversationUpdate(PatchModel):
    clearable = frozenset({"assignee_id", "team_id"})
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


class SnoozeCreate(RequestModel):
    until: datetime | None = Field(
        default=None,
        description="When the conversation returns to the lists (ISO 8601 with offset, in the future, within "
        "90 days). Null or absent: it returns when the buyer writes. A buyer message wakes it either way.",
    )

    @field_validator("until")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give a time zone offset (e.g. 2026-12-05T09:00:00+08:00)")
        return v
