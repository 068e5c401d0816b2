"""Snooze: a conversation leaves the lists until a time or until the buyer writes.

Snoozing hides work, it does not stop it: marketplace and internal SLA clocks keep running (the SPA
warns when a deadline falls inside the snooze). A conversation wakes exactly once, whichever comes
first: `wake_due` (the snooze loop, workers/tasks/snooze.py) claims due rows with a conditional
UPDATE under row locks, and the trigger of migration 0011_i16triage_snooze clears the snooze when a
newer buyer message moves `last_inbound_at`. Each wake-up writes one audit entry (the activity log)
and one `conversation.updated` event (the lists of every open tab).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from api import audit
from api.auth.principal import Principal
from api.conversation import repository
from api.conversation.service import payload
from api.db import Session
from api.kit.errors import InvalidInput, field_error
from api.kit.time import utc_now
from api.models import AuditEntry, Conversation
from api.outbox import events

NOTIFY_CHANNEL = "hourglass_snooze"
LONGEST = timedelta(days=90)
# A wake-up time this close is refused as "now": it would return before the list even refreshed.
SHORTEST = timedelta(minutes=1)


def check_until(until: datetime | None, now: datetime) -> None:
    """Pure: 422 naming `body.until` when the time is not a sensible future moment."""
    if until is None:
        return
    if until < now + SHORTEST:
        raise InvalidInput(
            "Snooze until a time at least a minute from now.", errors=field_error("body.until", "not in the future")
        )
    if until > now + LONGEST:
        raise InvalidInput(
            "A snooze lasts 90 days at most.", errors=field_error("body.until", "more than 90 days ahead")
        )


async def snooze(
    session: Session, principal: Principal, conversation_id: uuid.UUID, until: datetime | None
) -> Conversation:
    now = utc_now()
    check_until(until, now)
    c = await repository.get(session, principal.organization_id, conversation_id, lock=True)
    c.snoozed_at = now
    c.snoozed_until = until
    c.snoozed_by_id = principal.user_id
    await session.flush()
    # Wakes the snooze loop at commit, so it sleeps until this wake-up if it is the soonest.
    await repository.notify_snooze_loop(session, NOTIFY_CHANNEL)
    await session.refresh(c)
    audit.record(
        session,
        principal,
        c.organization_id,
        "conversation.snoozed",
        "conversation",
        c.id,
        {"until": until.isoformat() if until else None},
    )
    events.emit(
        session, c.organization_id, "conversation.updated", {**payload(c), "changed": ["snoozed"]}, conversation_id=c.id
    )
    return c


async def unsnooze(session: Session, principal: Principal, conversation_id: uuid.UUID) -> Conversation:
    """A person brings it back early; nothing happens when it is not snoozed."""
    c = await repository.get(session, principal.organization_id, conversation_id, lock=True)
    if c.snoozed_at is None:
        return c
    c.snoozed_at = None
    c.snoozed_until = None
    c.snoozed_by_id = None
    await session.flush()
    await session.refresh(c)
    audit.record(
        session, principal, c.organization_id, "conversation.unsnoozed", "conversation", c.id, {"why": "person"}
    )
    events.emit(
        session, c.organization_id, "conversation.updated", {**payload(c), "changed": ["snoozed"]}, conversation_id=c.id
    )
    return c


async def wake_due(session: Session, now: datetime, limit: int) -> int:
    """Wake the snoozes due at `now`, at most `limit`. Rows another worker holds are skipped (it wakes
    them); a woken row no longer matches, so a second run, or a second worker, finds nothing to do."""
    rows = await repository.wake_due_snoozes(session, now, limit)
    for c in rows:
        session.add(
            AuditEntry(
                organization_id=c.organization_id,
                actor_type="system",
                action="conversation.unsnoozed",
                entity_type="conversation",
                entity_id=str(c.id),
                data={"why": "time"},
            )
        )
        events.emit(
            session,
            c.organization_id,
            "conversation.updated",
            {**payload(c), "changed": ["snoozed"]},
            conversation_id=c.id,
        )
    return len(rows)


async def next_wake(session: Session) -> datetime | None:
    return await repository.next_snooze_wake(session)
