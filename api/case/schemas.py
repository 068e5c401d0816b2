from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AliasChoices, AwareDatetime, Field

from api.attachment.schemas import AttachmentRef
from api.kit.schema import PatchModel, RequestModel, ResponseModel

CaseKind = Literal["return", "refund", "replacement", "reship", "cancellation", "claim"]
CaseState = Literal[
    "requested",
    "approved",
    "cancelled",
    "contested",
    "item_shipped_back",
    "received",
    "refunded",
    "replaced",
    "reshipped",
    "won",
    "lost",
    "rejected",
    "withdrawn",
    "closed",
]
# The most files one case links (a handful of photos in practice; this bounds a request's checks).
MAX_CASE_ATTACHMENTS = 50
HandlingSeconds = Annotated[int, Field(ge=0, le=30 * 86400)]


class CaseItem(RequestModel):
    sku: str | None = Field(default=None, max_length=100)
    item_id: str | None = Field(default=None, max_length=100, description="Marketplace listing/item id")
    title: str | None = Field(default=None, max_length=1000)
    quantity: int = Field(ge=1, le=100_000)


class CaseCreate(RequestModel):
    conversation_id: uuid.UUID = Field(description="The conversation the case is opened from")
    kind: CaseKind
    reason: str = Field(default="", max_length=4000, description="The buyer's reason, or the agent's summary")
    items: list[CaseItem] = Field(
        default_factory=list, max_length=200, description="The order's lines and quantities the case is about"
    )
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="Must be the order's currency when the order has one"
    )
    marketplace_case_id: str | None = Field(
        default=None, min_length=1, max_length=100, description="The marketplace's return / inquiry / dispute id"
    )
    marketplace_deadline: AwareDatetime | None = Field(
        default=None, description="The marketplace's respond-by date, when it gives one"
    )
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_CASE_ATTACHMENTS,
        description="Stored attachments of this organization to link: the buyer's photos on the "
        "conversation's messages (their `attachments[].id`) or files uploaded with POST /v1/attachments",
    )
    attach_conversation_images: bool = Field(
        default=False,
        description="Also link every stored image of the buyer's messages on the conversation",
    )
    linked_conversation_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class CaseTransitionCreate(RequestModel):
    to: CaseState = Field(description="The state to move to; it must be allowed from the current state")
    reason: str = Field(default="", max_length=4000, description="Why (kept in the case's history)")
    refunded_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


class CaseUpdate(PatchModel):
    """Details, and optionally a transition (`state`, with `reason`; `close` then moves on to closed)."""

    clearable = frozenset({"assignee_id", "marketplace_deadline", "amount", "marketplace_case_id"})

    state: CaseState | None = Field(default=None, description="Move to this state (as POST .../transitions)")
    close: bool | None = Field(default=None, description="After `state`, also move to `closed` (one request)")
    reason: str | None = Field(default=None, max_length=4000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    refunded_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    marketplace_case_id: str | None = Field(default=None, min_length=1, max_length=100)
    marketplace_deadline: AwareDatetime | None = None
    attachment_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=MAX_CASE_ATTACHMENTS,
        description="The case's files from now on (the whole list: ids left out are unlinked, the "
        "files themselves stay where else they are used)",
    )
    attach_conversation_images: bool | None = Field(
        default=None, description="Also link every stored image of the buyer's messages on the conversation"
    )
    items: list[CaseItem] | None = Field(default=None, max_length=200)
    assignee_id: uuid.UUID | None = None
    linked_conversation_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)


class CaseAttachmentRef(AttachmentRef):
    """One of a case's files, listed as a message lists its own, with where to fetch it."""

    message_id: uuid.UUID | None = Field(description="The message that brought it (null for an agent's upload)")
    download_url: str = Field(description="GET it with the same credentials (the API's path, not the marketplace's)")


class CaseItemRead(ResponseModel):
    sku: str | None = None
    item_id: str | None = None
    title: str | None = None
    quantity: int


class CaseRead(ResponseModel):
    id: uuid.UUID
    kind: CaseKind
    state: CaseState
    source: str
    marketplace: str
    channel_id: uuid.UUID
    conversation_id: uuid.UUID
    linked_conversation_ids: list[uuid.UUID]
    customer_id: uuid.UUID | None
    order_id: str | None = Field(
        validation_alias=AliasChoices("order_external_id", "order_id"), description="The marketplace order id"
    )
    items: list[CaseItemRead]
    reason: str
    currency: str | None
    amount: Decimal | None
    refunded_amount: Decimal | None
    marketplace_case_id: str | None
    marketplace_deadline: datetime | None
    handling_due_at: datetime | None
    due_at: datetime | None = Field(description="The sooner deadline while requested (handling or marketplace)")
    handled_at: datetime | None
    overdue_at: datetime | None = Field(description="When a deadline first passed while the case was requested")
    attachments: list[CaseAttachmentRef] = Field(
        default_factory=list,
        description="The case's files (the buyer's photos, agents' uploads), oldest link first",
    )
    legacy_attachment_refs: list[str] = Field(
        description="Free-text references (URLs, marketplace media ids) recorded before cases linked "
        "stored files and matching none of them; read-only"
    )
    assignee_id: uuid.UUID | None
    opened_by_type: str
    opened_by_id: str | None
    followup_state: str = Field(description="none | scheduled | not_allowed | sent | cancelled")
    followup_due_at: datetime | None
    followup_reason: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed_transitions: list[str] = Field(default_factory=list, description="States the case may move to now")


class CaseTransitionRead(ResponseModel):
    from_state: str | None
    to_state: str
    actor_type: str
    actor_id: str | None
    actor_name: str
    reason: str
    created_at: datetime


class CaseDetail(CaseRead):
    history: list[CaseTransitionRead]


class CasePage(ResponseModel):
    items: list[CaseRead]
    next_cursor: str | None


class CaseMachine(ResponseModel):
    kind: CaseKind
    transitions: dict[str, list[str]] = Field(description="From each state, the states it may move to")


class CaseSettingsRead(ResponseModel):
    handling_seconds: dict[str, int] = Field(description="Seconds a new case may stay requested, by kind")
    followup_enabled: bool
    followup_days: int
    followup_template_id: uuid.UUID | None


class CaseSettingsUpdate(PatchModel):
    clearable = frozenset({"followup_template_id"})

    handling_seconds: dict[CaseKind, HandlingSeconds] | None = Field(
        default=None, description="0 = alert the owner at once"
    )
    followup_enabled: bool | None = None
    followup_days: int | None = Field(default=None, ge=1, le=90)
    followup_template_id: uuid.UUID | None = None
