"""Domain events, written to the transactional outbox by services (never by ORM callbacks): `emit` one,
`emit_many` a batch, in the caller's transaction; the relay (relay.py) publishes them after commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from api.db import Session
from api.kit import jsontext
from api.kit.time import utc_now
from api.outbox import repository

# The event vocabulary; webhooks subscribe to these names.
EVENT_TYPES: dict[str, str] = {
    "conversation.created": "A new conversation started (first buyer message on a thread)",
    "conversation.updated": "Status, priority, labels, category, read state or spam flag changed",
    "conversation.assigned": "The assignee or team changed",
    "conversation.resolved": "The conversation was resolved",
    "message.received": "A buyer (or marketplace) message arrived",
    "message.queued": "A reply was queued for delivery",
    "message.accepted": "A mail relay accepted a reply; it counts as delivered if no bounce comes back in time",
    "message.sent": "The marketplace confirmed delivery of a reply",
    "message.failed": "Delivery of a reply failed",
    "note.created": "An internal note was added",
    "sla.updated": "A conversation's SLA clocks changed (deadlines and state)",
    "sla.warning": "An SLA clock reached an escalation tier before its deadline",
    "sla.overdue": "An SLA clock passed its deadline without a qualifying reply",
    "notification": "An in-app notification for a user (escalations, assignments, @mentions, overflow)",
    "case.created": "An after-sales case (return, refund, claim...) was opened",
    "case.updated": "A case changed: a state transition (with who and why) or its details",
    "case.closed": "A case reached its final state (with the follow-up decision)",
    "case.escalated": "A case clock alerted its owner (a new claim, a marketplace deadline close)",
    "case.overdue": "A case passed its handling target or the marketplace's deadline while requested",
    "bulk_job.created": "A bulk job on conversations was accepted (POST /v1/conversations/bulk)",
    "csat.received": "A buyer rated their satisfaction (1-5) after a resolved conversation, once per survey",
    "bulk_job.updated": "A bulk job advanced: items done and failed so far, or it completed",
    "export.created": "An export was requested (POST /v1/exports); a worker writes its file",
    "customer.erased": "A buyer's data was erased on request (names, identifiers, contact data, message text)",
    "conversation.handed_over": "The assignee's shift ended with a clock due before their next shift: "
    "the conversation went to someone on shift, with a handover note",
    "overflow.raised": "Every available agent is at capacity and unassigned work in Response Needed passed the "
    "organization's threshold (at most once per cooldown)",
    "overflow.cleared": "The unassigned backlog of a raised overflow alert fell back to the threshold",
}


@dataclass(frozen=True)
class PendingEvent:
    organization_id: uuid.UUID
    event_type: str
    data: BaseModel | dict[str, Any]
    conversation_id: uuid.UUID | None = None


def emit(
    session: Session,
    organization_id: uuid.UUID,
    event_type: str,
    payload: BaseModel | dict[str, Any],
    *,
    conversation_id: uuid.UUID | None = None,
) -> None:
    """Queue an event in the outbox. `payload` is the event's `data` model (api/webhook/payloads.py);
    plain dicts remain for the producers off the message path that are not typed yet."""
    repository.add(session, organization_id, event_type, envelope(event_type, payload), conversation_id)


def envelope(event_type: str, payload: BaseModel | dict[str, Any], occurred_at: str | None = None) -> dict[str, Any]:
    """The outbox row's payload. Models are dumped to the JSON the hand-built dicts produced (ids as
    strings, datetimes in ISO 8601 with their offset), so typed and untyped producers are
    byte-compatible for subscribers."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    data = _plain(payload.model_dump(exclude_unset=True)) if isinstance(payload, BaseModel) else payload
    return {"type": event_type, "occurred_at": occurred_at or utc_now().isoformat(), "data": data}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def emit_many(session: Session, pending: Sequence[PendingEvent]) -> None:
    """Write many events with one statement (set-based paths such as the timer batch), with the
    same envelope as `emit`. Flushes first, so events added with `emit` keep their place in order."""
    if not pending:
        return
    occurred_at = utc_now().isoformat()
    # Built before the flush, so an unknown event type raises before anything is written.
    payloads = [jsontext.dumps(envelope(e.event_type, e.data, occurred_at)) for e in pending]
    await session.flush()
    await repository.insert_many(
        session,
        [e.organization_id for e in pending],
        [e.event_type for e in pending],
        [e.conversation_id for e in pending],
        payloads,
    )
