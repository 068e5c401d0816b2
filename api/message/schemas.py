from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, computed_field, field_validator

from api.automation.language import detect_language
from api.customer.schemas import BuyerIn
from api.kit.schema import RequestModel, ResponseModel, cap_bytes

BODY_LIMIT = 65_536
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

    @field_validator("subject")
    @classmethod
    def _subject(cls, v: str) -> str:
        return cap_bytes(v, SUBJECT_LIMIT, "subject")

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
    author_kind: Literal["human", "auto"] = Field(
        default="human",
        description="API keys may mark a reply as automated; it then never counts as a response "
        "where the marketplace ignores automation.",
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
    delivery_status: Literal["queued", "sending", "sent", "failed"] | None
    delivery_error: str | None
    delivery_attempts: int
    delivered_at: datetime | None
    no_response_needed: bool
    template_id: uuid.UUID | None
    attachments: list[dict[str, Any]]
    original_text: str | None = Field(description="A translated reply: what the agent wrote; `body` is what was sent")
    original_language: str | None

    @computed_field(description="The language the text is in, as detected (zh, ja, ko, es or en)")  # type: ignore[prop-decorator]
    @property
    def language(self) -> str:
        return detect_language(self.body)


class MessagePage(ResponseModel):
    items: list[MessageRead]
    next_cursor: str | None


class MessageSyncPage(ResponseModel):
    items: list[MessageRead]
    next_cursor: str = Field(description="Where the next call continues; always present, store it")
    has_more: bool = Field(description="More changes are ready now: call again straight away")
