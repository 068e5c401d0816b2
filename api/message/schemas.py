from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, Field, computed_field, field_validator

from api.attachment.schemas import AttachmentRef
from api.automation.language import detect_language
from api.channel.failures import Action as FailureAction
from api.channel.failures import Reason as FailureReason
from api.channel.failures import explain
from api.customer.schemas import BuyerIn
from api.kit.schema import RequestModel, ResponseModel, cap_bytes, datetime_reason
from api.kit.time import utc_now
from api.message.content import contains_question

BODY_LIMIT = 65_536
# How far ahead of our clock a pushed message's sent_at may be (clock skew between machines).
FUTURE_SKEW = timedelta(minutes=5)
# api/automation/classify.py PRESET_CATEGORIES and MARKETPLACE_LABELS (a test keeps them equal).
MarketplaceCategory = Literal[
    "pre_sale",
    "shipping",
    "order_status",
    "return_refund",
    "cancel",
    "damaged",
    "complaint",
    "product_question",
    "walmart_customer_care",
    "platform_notice",
    "spam_likely",
]
MarketplaceLabel = Literal["bbb_complaint", "attorney_general_complaint"]
SUBJECT_LIMIT = 1_024


class InboundMessageCreate(RequestModel):
    """A buyer message pushed by an ERP into one of its `api` channels."""

    external_message_id: str = Field(
        min_length=1, max_length=200, description="Unique per channel; the idempotency key"
    )
    external_thread_id: str | None = Field(default=None, min_length=1, max_length=200)
    order_id: str | None = Field(default=None, min_length=1, max_length=100)
    item_id: str | None = Field(default=None, min_length=1, max_length=100)
    buyer: BuyerIn
    subject: str = Field(default="", description="At most 1 KB of UTF-8")
    body: str = Field(min_length=1, description="At most 64 KB of UTF-8")
    sent_at: AwareDatetime = Field(description="When the marketplace says the buyer sent it (with a time zone)")
    author_kind: Literal["buyer", "system"] = Field(
        default="buyer", description="`system` for marketplace notices, which need no reply."
    )
    # What the marketplace itself says about the message, as the connectors read it from synced
    # mail (api/channel/connectors/walmart.py), so a pushed message is treated like a synced one.
    sender: Literal["buyer", "walmart_customer_care", "walmart_escalations", "marketplace"] | None = Field(
        default=None,
        description="Who wrote it, as the marketplace shows it: `walmart_customer_care` (Walmart's Customer "
        "Care writing on the customer's behalf: category walmart_customer_care), `walmart_escalations` (a BBB "
        "or Attorney General complaint Walmart forwards: category complaint, its label read from the text "
        "unless `labels` gives it, and the 1-hour policy), `marketplace` (the marketplace's own notice: "
        "author_kind system). Omitted: the buyer.",
    )
    category: MarketplaceCategory | None = Field(
        default=None,
        description="The marketplace's own category for the message when it gives one (e.g. Walmart's Customer "
        "Care tab): it is taken instead of Hourglass's classification. Risks are still read from the text.",
    )
    labels: list[MarketplaceLabel] = Field(
        default=[],
        max_length=2,
        description="Marketplace labels: `bbb_complaint`, `attorney_general_complaint` (urgent, the 1-hour policy).",
    )

    def marketplace_metadata(self) -> tuple[str, str | None, tuple[str, ...]]:
        """(author_kind, category, labels) as a connector would set them for a synced message."""
        labels = set(self.labels)
        category = self.category
        author_kind: str = self.author_kind
        if self.sender == "walmart_customer_care":
            category = category or "walmart_customer_care"
        elif self.sender == "walmart_escalations":
            category = category or "complaint"
            if not labels:
                text = f"{self.subject}\n{self.body}".lower()
                labels.add("attorney_general_complaint" if "attorney general" in text else "bbb_complaint")
        elif self.sender == "marketplace":
            author_kind = "system"
            category = category or "platform_notice"
        return author_kind, category, tuple(sorted(labels))

    @field_validator("subject")
    @classmethod
    def _subject(cls, v: str) -> str:
        return cap_bytes(v, SUBJECT_LIMIT, "subject")

    @field_validator("sent_at")
    @classmethod
    def _sent_at(cls, v: datetime) -> datetime:
        # A row dated a day ahead (an ERP's wrong time zone) would sit on top of every list and start
        # clocks that end tomorrow; a few minutes of clock skew between machines is normal.
        if datetime_reason(v) is None and v > utc_now() + FUTURE_SKEW:  # out of range: the model's own rule says so
            raise ValueError(
                f"sent_at is in the future (more than {FUTURE_SKEW.seconds // 60} minutes ahead of our clock); "
                "send the time the buyer sent the message, with its time zone"
            )
        return v

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("body must not be blank")
        return cap_bytes(v, BODY_LIMIT, "body")


class ReplyCreate(RequestModel):
    body: str = Field(min_length=1, description="At most 64 KB of UTF-8; the text sent (and linted)")
    original_text: str | None = Field(
        default=None,
        min_length=1,
        description="When `body` is a translation: what the agent wrote (from "
        "`POST /v1/conversations/{id}/translate-draft`), stored alongside; at most 64 KB",
    )
    original_language: str | None = Field(default=None, pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,4})?$", max_length=10)
    template_id: uuid.UUID | None = None
    based_on_message_id: uuid.UUID | None = Field(
        default=None,
        description="The newest message the agent had seen when they opened the draft. If another message "
        "arrived since (the buyer wrote again, or a colleague replied), the reply is refused with 409 "
        "carrying `newer_message`, unless `confirm` is true.",
    )
    confirm: bool = Field(default=False, description="Send even though a newer message arrived (see above)")
    author_kind: Literal["human", "auto"] = Field(
        default="human",
        description="API keys may mark a reply as automated; it then never counts as a response "
        "where the marketplace ignores automation.",
    )
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=10,
        description="Files uploaded with POST /v1/attachments to send with the reply, where the "
        "marketplace takes them (GET /v1/attachments/policy)",
    )
    resolve: bool = Field(
        default=False,
        description="Send and resolve: set the conversation to resolved in the same action (audited as a "
        "status change; a buyer's next message reopens it as usual)",
    )

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("body must not be blank")
        return cap_bytes(v, BODY_LIMIT, "body")

    @field_validator("original_text")
    @classmethod
    def _original(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("original_text must not be blank")
        return v if v is None else cap_bytes(v, BODY_LIMIT, "original_text")


class DeliveryReport(RequestModel):
    status: Literal["sent", "failed"]
    external_message_id: str | None = Field(default=None, min_length=1, max_length=200)
    error: str | None = Field(default=None, max_length=2000)
    delivered_at: AwareDatetime | None = None


NoResponseReason = Literal["thanks_only", "answered_elsewhere", "duplicate", "not_for_us", "other"]


class NoResponseNeededCreate(RequestModel):
    """Why the buyer's message needs no answer. Marking it stops its marketplace clock and leaves it
    out of the response rate, so a reason is required and a question must be confirmed."""

    reason: NoResponseReason
    note: str | None = Field(default=None, max_length=500, description="Required when the reason is `other`")
    confirm_question: bool = Field(
        default=False, description="The message seems to ask something; true confirms it still needs no answer"
    )

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None


class FailureRead(ResponseModel):
    """Why a reply was not delivered and what the agent can do (api/channel/failures.py)."""

    reason: FailureReason
    action: FailureAction
    retry_helps: bool = Field(description="Whether sending the same reply again can succeed")

    @classmethod
    def of(cls, error: str | None) -> FailureRead | None:
        explained = explain(error)
        if explained is None:
            return None
        return cls(reason=explained.reason, action=explained.action, retry_helps=explained.retry_helps)


class MessageRead(ResponseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    direction: Literal["inbound", "outbound"]
    author_kind: Literal["buyer", "human", "auto", "system"]
    author_user_id: uuid.UUID | None
    external_id: str | None
    subject: str | None
    body: str
    body_html: str | None
    sent_at: datetime
    created_at: datetime
    delivery_status: Literal["queued", "sending", "accepted", "sent", "failed"] | None = Field(
        description="`accepted`: a mail relay took the reply; it becomes `sent` when no bounce came back "
        "by `confirm_after`, `failed` when one did"
    )
    delivery_error: str | None
    delivery_attempts: int
    delivered_at: datetime | None
    confirm_after: datetime | None = Field(
        default=None, description="While `accepted`: when it counts as delivered if no bounce has come back"
    )
    bounced_at: datetime | None = Field(
        default=None, description="When a bounce (or the relay's rejection notice) came back for this reply"
    )
    no_response_needed: bool
    no_response_reason: NoResponseReason | None = Field(
        description="Why a person marked the message as needing no response"
    )
    auto_no_response_reason: str | None = Field(
        default=None,
        description="Set when Hourglass itself decided the buyer's message needs no response (a plain "
        "thank-you): why. Undo with POST /v1/messages/{id}/response-needed.",
    )
    template_id: uuid.UUID | None
    attachments: list[AttachmentRef] = Field(
        description="The message's files (a buyer's photos, a reply's attachments): download with "
        "GET /v1/attachments/{id}"
    )
    original_text: str | None = Field(description="A translated reply: what the agent wrote; `body` is what was sent")
    original_language: str | None

    @computed_field(description="The language the text is in, as detected (zh, ja, ko, es or en)")  # type: ignore[prop-decorator]
    @property
    def language(self) -> str:
        return detect_language(self.body)

    @computed_field(description="A buyer message that seems to ask something (marking it needs `confirm_question`)")
    def contains_question(self) -> bool:
        return self.direction == "inbound" and contains_question(f"{self.subject or ''}\n{self.body}")

    @computed_field(  # type: ignore[prop-decorator]
        description="A failed reply: why, in codes the SPA words, and what the agent can do; "
        "`delivery_error` keeps the marketplace's own text"
    )
    @property
    def failure(self) -> FailureRead | None:
        if self.delivery_status != "failed":
            return None
        return FailureRead.of(self.delivery_error)


class MessagePage(ResponseModel):
    items: list[MessageRead]
    next_cursor: str | None


class MessageSyncPage(ResponseModel):
    items: list[MessageRead]
    next_cursor: str = Field(description="Where the next call continues; always present, store it")
    has_more: bool = Field(description="More changes are ready now: call again straight away")
