"""Request and response models of the webhook API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.webhook.payloads import WEBHOOK_EVENT_TYPES

if TYPE_CHECKING:
    EventType = str
else:  # an enum in the OpenAPI spec, so generated clients know the names
    EventType = Literal[tuple(WEBHOOK_EVENT_TYPES)]


def _unique(types: list[str] | None) -> list[str] | None:
    return list(dict.fromkeys(types)) if types is not None else None


class WebhookEndpointCreate(RequestModel):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="https URL to POST events to. It must resolve to public addresses only.",
        examples=["https://erp.example.com/hooks/hourglass"],
    )
    event_types: list[EventType] = Field(min_length=1, description="The event types to receive")
    description: str = Field(default="", max_length=500)

    @field_validator("event_types")
    @classmethod
    def _dedupe(cls, v: list[str] | None) -> list[str] | None:
        return _unique(v)


class WebhookEndpointUpdate(PatchModel):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[EventType] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=500)
    is_active: bool | None = Field(
        default=None, description="false pauses deliveries (pending ones fail); true re-enables a disabled endpoint"
    )

    @field_validator("event_types")
    @classmethod
    def _dedupe(cls, v: list[str] | None) -> list[str] | None:
        return _unique(v)


class WebhookEndpointRead(ResponseModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    disabled_reason: str | None = Field(description="Why it was disabled (410 Gone, 5 days of failures, by a user)")
    disabled_at: datetime | None
    failing_since: datetime | None = Field(description="Start of the current run of failed attempts")
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, the old secret also signs until this instant"
    )
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointRead):
    secret: str = Field(description="The `whsec_` signing secret. Shown only in this response: store it now.")


class WebhookEndpointList(ResponseModel):
    items: list[WebhookEndpointRead]


class WebhookAttemptRead(ResponseModel):
    id: int
    attempted_at: datetime
    duration_ms: int | None
    status_code: int | None
    request_excerpt: str = Field(description="Request line, headers and the start of the body (at most 2 KB)")
    response_excerpt: str = Field(description="Status, a few headers and the start of the body (at most 2 KB)")
    error: str | None


class WebhookDeliveryRead(ResponseModel):
    id: uuid.UUID = Field(description="Also the `webhook-id` header: the same on every attempt and replay")
    endpoint_id: uuid.UUID
    event_id: int
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int = Field(description="Attempts since it was created or last replayed")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime


class WebhookDeliveryDetail(WebhookDeliveryRead):
    payload: dict[str, Any]
    attempt_log: list[WebhookAttemptRead] = Field(description="Every attempt, newest first")


class WebhookDeliveryList(ResponseModel):
    items: list[WebhookDeliveryRead]
    next_cursor: str | None


class ReplayRange(RequestModel):
    since: datetime = Field(description="Events that happened at or after this instant")
    until: datetime | None = Field(default=None, description="...and before this one (default: now)")
    status: Literal["failed", "all"] = Field(
        default="failed",
        description="`failed`: redeliver failed deliveries and events never delivered to this endpoint; "
        "`all`: also redeliver the ones that succeeded",
    )


class ReplayResult(ResponseModel):
    requeued: int = Field(description="Existing deliveries queued again (same `webhook-id`)")
    created: int = Field(description="New deliveries for events this endpoint had not received")


class TestDeliveryResult(ResponseModel):
    succeeded: bool
    webhook_id: str
    status_code: int | None
    duration_ms: int
    error: str | None
    request_excerpt: str
    response_excerpt: str


class EventTypeInfo(ResponseModel):
    type: str
    description: str
    payload_schema: dict[str, Any] = Field(description="JSON Schema of the request body subscribers receive")
