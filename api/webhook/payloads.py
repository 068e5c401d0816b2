"""The webhook payload schema, version `2026-11-01`: one envelope, one `data` model per event type.

The envelope follows the Standard Webhooks recommendation (`type`, `timestamp`, `data`) and adds
`api_version`, the `event_id` of the outbox event (the same for every endpoint; `webhook-id` is per
delivery) and the organization. `data` is the event as the domain emitted it. Fields are only ever
added within a version; renaming or removing one means a new `api_version`.

These models document the payloads (OpenAPI `webhooks` section, `GET /v1/webhooks/event-types`) and
a test validates real deliveries against them, so the documentation cannot drift from the producers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from api.message.content import preview
from api.models import BulkJob, Case, Conversation, CsatSurvey, ExportJob, Message
from api.outbox.events import EVENT_TYPES

API_VERSION: Final = "2026-11-01"

# Notifications are addressed to one user of the SPA; subscribers get the sla.* events instead.
WEBHOOK_EVENT_TYPES: dict[str, str] = {k: v for k, v in EVENT_TYPES.items() if k != "notification"}
TEST_EVENT_TYPE = "webhook.test"


class _Data(BaseModel):
    # Consumers must ignore fields they do not know; so does this schema (additions are not breaking).
    model_config = ConfigDict(extra="allow")


class ConversationCreatedData(_Data):
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    marketplace: str


class ConversationData(_Data):
    id: uuid.UUID
    channel_id: uuid.UUID
    marketplace: str
    subject: str | None
    status: str = Field(description="open | pending | resolved")
    priority: str
    category: str | None
    labels: list[str]
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None
    unread: bool
    waiting_since: datetime | None = Field(description="Oldest unanswered buyer message, if any")
    order_id: str | None = Field(description="The marketplace order id")
    has_failed_delivery: bool
    spam_reason: str | None
    last_message_at: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> Self:
        """The conversation as events carry it (webhooks, WebSocket)."""
        return cls(
            id=conversation.id,
            channel_id=conversation.channel_id,
            marketplace=conversation.marketplace,
            subject=conversation.subject,
            status=conversation.status,
            priority=conversation.priority,
            category=conversation.category,
            labels=list(conversation.labels or []),
            assignee_id=conversation.assignee_id,
            team_id=conversation.team_id,
            unread=conversation.unread,
            waiting_since=conversation.waiting_since,
            order_id=conversation.order_external_id,
            has_failed_delivery=conversation.has_failed_delivery,
            spam_reason=conversation.spam_reason,
            last_message_at=conversation.last_message_at,
        )


class ConversationUpdatedData(_Data):
    id: uuid.UUID
    changed: list[str] = Field(description="Names of the fields that changed")
    # The conversation as it is now. Absent only when nothing but `waiting_since` changed (a buyer
    # message marked as needing no response), in which case `waiting_since` is present.
    channel_id: uuid.UUID | None = None
    marketplace: str | None = None
    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    category: str | None = None
    labels: list[str] | None = None
    assignee_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    unread: bool | None = None
    waiting_since: datetime | None = None
    order_id: str | None = None
    has_failed_delivery: bool | None = None
    spam_reason: str | None = None
    last_message_at: datetime | None = None

    @classmethod
    def of(cls, conversation: Conversation, changed: list[str]) -> Self:
        return cls(**ConversationData.of(conversation).model_dump(), changed=sorted(set(changed)))


class MessageData(_Data):
    id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    direction: str = Field(description="inbound | outbound")
    author_kind: str
    external_id: str | None
    sent_at: datetime
    delivery_status: str | None = Field(description="queued | sending | accepted | sent | failed for outbound messages")
    delivery_error: str | None
    preview: str = Field(description="The first 200 characters of the body")
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="The message's files (a reply's on an ERP channel: the ERP sends them), read with "
        "GET /v1/attachments/{id}/meta and GET /v1/attachments/{id}",
    )

    @classmethod
    def of(cls, message: Message) -> Self:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            channel_id=message.channel_id,
            direction=message.direction,
            author_kind=message.author_kind,
            external_id=message.external_id,
            sent_at=message.sent_at,
            delivery_status=message.delivery_status,
            delivery_error=message.delivery_error,
            preview=preview(message.body, 200),
            attachment_ids=[a["id"] for a in message.attachments or [] if isinstance(a, dict) and a.get("id")],
        )


class NoteCreatedData(_Data):
    conversation_id: uuid.UUID
    note_id: uuid.UUID
    kind: str


class SlaClockState(_Data):
    id: uuid.UUID
    kind: str
    state: str = Field(description="running | met | breached | stopped")


class SlaUpdatedData(_Data):
    """Deadlines and states, never a ticking number: count down from `sla_deadline` yourself."""

    conversation_id: uuid.UUID
    sla_deadline: datetime | None
    sla_due_soon_at: datetime | None
    sla_state: str = Field(description="none | ok | due_soon | overdue")
    clocks: list[dict[str, Any]] | None = Field(default=None, description="Open clocks, when they were recomputed")
    changed_clock: SlaClockState | None = Field(default=None, description="The clock that just breached")


class SlaTimerData(_Data):
    conversation_id: uuid.UUID
    clock_id: uuid.UUID
    clock_kind: str = Field(description="e.g. marketplace_first_response, internal_resolution")
    marketplace: str
    channel_id: uuid.UUID
    subject: str | None
    order_id: str | None
    assignee_id: uuid.UUID | None
    started_at: datetime
    due_at: datetime | None
    tier: int | None = Field(description="The escalation tier (null for the breach itself)")
    action: str = Field(description="email_assignee | notify_assignee_and_team | escalate_supervisor | breach")
    policy: str | None
    fired_at: datetime | None


class CaseData(_Data):
    id: uuid.UUID
    kind: str = Field(description="return | refund | replacement | reship | cancellation | claim")
    state: str = Field(description="See GET /v1/cases/states for each kind's state machine")
    source: str = Field(description="agent | automation | erp | marketplace")
    marketplace: str
    channel_id: uuid.UUID
    conversation_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: str | None = Field(description="The marketplace order id")
    items: list[dict[str, Any]]
    currency: str | None
    amount: str | None = Field(description="Decimal as a string")
    refunded_amount: str | None = Field(description="Decimal as a string")
    marketplace_case_id: str | None = Field(description="The marketplace's return / inquiry / dispute id")
    marketplace_deadline: datetime | None
    handling_due_at: datetime | None
    assignee_id: uuid.UUID | None
    followup_state: str = Field(description="none | scheduled | not_allowed | sent | cancelled")
    followup_due_at: datetime | None
    followup_reason: str | None
    closed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, k: Case) -> Self:
        return cls(
            id=k.id,
            kind=k.kind,
            state=k.state,
            source=k.source,
            marketplace=k.marketplace,
            channel_id=k.channel_id,
            conversation_id=k.conversation_id,
            customer_id=k.customer_id,
            order_id=k.order_external_id,
            items=list(k.items or []),
            currency=k.currency,
            amount=None if k.amount is None else str(k.amount),
            refunded_amount=None if k.refunded_amount is None else str(k.refunded_amount),
            marketplace_case_id=k.marketplace_case_id,
            marketplace_deadline=k.marketplace_deadline,
            handling_due_at=k.handling_due_at,
            assignee_id=k.assignee_id,
            followup_state=k.followup_state,
            followup_due_at=k.followup_due_at,
            followup_reason=k.followup_reason,
            closed_at=k.closed_at,
            created_at=k.created_at,
        )


class CaseUpdatedData(CaseData):
    changed: list[str] = Field(description="Names of the fields that changed (`state` for a transition)")
    from_state: str | None = Field(default=None, description="The state before a transition")
    reason: str | None = Field(default=None, description="Why the transition was made, as its author gave it")
    actor_type: str | None = Field(default=None, description="user | api_key | automation | marketplace | system")
    actor_id: str | None = None
    attachments_added: list[uuid.UUID] = Field(
        default_factory=list, description="Files linked to the case by this change (`changed` has `attachments`)"
    )
    attachments_removed: list[uuid.UUID] = Field(
        default_factory=list, description="Files unlinked from the case by this change"
    )


class CaseTimerData(_Data):
    case_id: uuid.UUID
    kind: str
    state: str
    marketplace: str
    conversation_id: uuid.UUID
    order_id: str | None
    marketplace_case_id: str | None
    action: str = Field(description="alert_owner | handling_overdue | deadline_due_soon | deadline_overdue")
    due_at: datetime
    handling_due_at: datetime | None
    marketplace_deadline: datetime | None
    owner_id: uuid.UUID | None
    fired_at: datetime


class BulkJobData(_Data):
    """A bulk job's progress; its failures and their reasons are at GET /v1/conversations/bulk/{id}."""

    id: uuid.UUID
    target: str
    action_kind: str
    status: str = Field(description="queued | running | completed")
    total: int
    done: int
    failed: int

    @classmethod
    def of(cls, job: BulkJob) -> Self:
        return cls(
            id=job.id,
            target=job.target,
            action_kind=job.action_kind,
            status=job.status,
            total=job.total,
            done=job.done,
            failed=job.failed,
        )


class ExportData(_Data):
    """An export was requested; its progress and file are at GET /v1/exports/{id}."""

    id: uuid.UUID
    kind: str
    format: str
    status: str = Field(description="queued | running | done | failed | expired")

    @classmethod
    def of(cls, job: ExportJob) -> Self:
        return cls(id=job.id, kind=job.kind, format=job.format, status=job.status)


class CsatReceivedData(_Data):
    """A buyer's satisfaction rating (1-5), once per survey: a reply to the in-thread question or the
    survey page's answer."""

    survey_id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    marketplace: str
    order_id: str | None = Field(description="The marketplace order id")
    agent_id: uuid.UUID | None = Field(description="The assignee when the conversation was resolved")
    category: str
    form: str | None = Field(description="in_thread | link")
    score: int = Field(ge=1, le=5)
    answered_via: str = Field(description="reply | link")
    answered_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, s: CsatSurvey) -> Self:
        return cls(
            survey_id=s.id,
            conversation_id=s.conversation_id,
            channel_id=s.channel_id,
            marketplace=s.marketplace,
            order_id=s.order_external_id,
            agent_id=s.agent_id,
            category=s.category,
            form=s.form,
            score=int(s.score or 0),
            answered_via=s.answered_via or "reply",
            answered_at=s.answered_at or s.created_at,
            sent_at=s.sent_at,
        )


class CustomerErasedData(_Data):
    """A buyer's data was erased on request: names, identifiers, contact data and the text of their
    messages are gone; the rows, counts and timestamps stay. Erase your own copies too."""

    customer_id: uuid.UUID = Field(description="The profile erased")
    identity_ids: list[uuid.UUID] = Field(description="Every identity of the profile")
    conversation_ids: list[uuid.UUID] = Field(description="Conversations whose buyer text was erased")
    messages: int = Field(description="Buyer messages whose text was replaced")
    forced: bool = Field(description="Erased while a case was open or a marketplace clock was running")
    erased_at: datetime


class TestData(_Data):
    endpoint_id: uuid.UUID
    message: str


class HandoverData(_Data):
    conversation_id: uuid.UUID
    from_user_id: uuid.UUID = Field(description="The assignee whose shift ended")
    to_user_id: uuid.UUID = Field(description="Who is on shift and now owns the conversation")
    shift_ended_at: datetime
    next_shift_at: datetime | None = Field(description="When the previous assignee is back (null: not rostered)")
    due_at: datetime = Field(description="The earliest open clock's deadline, before next_shift_at")
    note_id: uuid.UUID = Field(description="The internal handover note: what was promised, what is pending")


class OverflowData(_Data):
    alert_id: uuid.UUID
    backlog: int = Field(description="Unassigned conversations in Response Needed when the alert was raised")
    threshold: int = Field(description="The organization's threshold at the time")
    available_agents: int = Field(description="Agents online and on shift then, every one at capacity")
    raised_at: datetime
    cleared_at: datetime | None = Field(description="Set on overflow.cleared: the backlog fell to the threshold")


DATA_MODELS: dict[str, type[_Data]] = {
    "conversation.created": ConversationCreatedData,
    "conversation.updated": ConversationUpdatedData,
    "conversation.assigned": ConversationData,
    "conversation.resolved": ConversationData,
    "message.received": MessageData,
    "message.queued": MessageData,
    "message.accepted": MessageData,
    "message.sent": MessageData,
    "message.failed": MessageData,
    "note.created": NoteCreatedData,
    "sla.updated": SlaUpdatedData,
    "sla.warning": SlaTimerData,
    "sla.overdue": SlaTimerData,
    "case.created": CaseData,
    "case.updated": CaseUpdatedData,
    "case.closed": CaseData,
    "case.escalated": CaseTimerData,
    "case.overdue": CaseTimerData,
    "csat.received": CsatReceivedData,
    "customer.erased": CustomerErasedData,
    "bulk_job.created": BulkJobData,
    "bulk_job.updated": BulkJobData,
    "export.created": ExportData,
    "conversation.handed_over": HandoverData,
    "overflow.raised": OverflowData,
    "overflow.cleared": OverflowData,
    TEST_EVENT_TYPE: TestData,
}


class WebhookEnvelope(BaseModel):
    type: str
    timestamp: datetime = Field(description="When the event happened")
    api_version: Literal["2026-11-01"] = API_VERSION
    event_id: int = Field(description="The event; the same for every endpoint that receives it")
    organization_id: uuid.UUID
    data: dict[str, Any]


def _envelope(event_type: str, data_model: type[_Data]) -> type[BaseModel]:
    name = "".join(part.capitalize() for part in event_type.replace(".", "_").split("_")) + "Event"
    annotations = {"type": Literal[event_type], "data": data_model}  # type: ignore[valid-type]
    namespace: dict[str, Any] = {
        "__annotations__": annotations,
        "__doc__": WEBHOOK_EVENT_TYPES.get(event_type, "A test delivery sent from the API"),
        "__module__": __name__,
    }
    return type(name, (WebhookEnvelope,), namespace)


EVENT_MODELS: dict[str, type[BaseModel]] = {t: _envelope(t, m) for t, m in DATA_MODELS.items()}


def build_payload(
    event_id: int, organization_id: uuid.UUID, event_type: str, outbox_payload: dict[str, Any]
) -> dict[str, Any]:
    """The body of every delivery of one event (stored, so each retry sends the same bytes)."""
    return {
        "type": event_type,
        "timestamp": outbox_payload.get("occurred_at"),
        "api_version": API_VERSION,
        "event_id": event_id,
        "organization_id": str(organization_id),
        "data": outbox_payload.get("data", {}),
    }
