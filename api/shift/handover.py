"""Automatic handover when a shift ends (worker, every minute; exactly once).

A conversation whose assignee is off shift (or in their shift's closing handover window) with an
open clock due before the assignee's next shift goes to someone on shift: the least-loaded
routable member of the conversation's team within capacity, else the on-shift supervisor. It
carries an internal note of what was promised and what is pending, is audited, and emits
`conversation.handed_over` and `conversation.assigned`; the new owner is notified. The unique key
(conversation, previous assignee, shift end) makes a second run, or a second worker, a no-op.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from api import audit
from api.assignment.selectors import available, pick_least_loaded
from api.assignment.service import candidates
from api.db import Session
from api.kit.time import utc_now
from api.models import Conversation, Note, ShiftHandover
from api.outbox import events
from api.shift import handover_note, repository, roster
from api.shift.service import OnShift, on_shift_view
from api.sla import escalation
from api.sla.effects import Supervisor, pick_supervisor
from api.webhook.payloads import ConversationData, HandoverData, NoteCreatedData


async def _target(
    session: Session, conversation: Conversation, team_id: uuid.UUID | None, from_user: uuid.UUID, now: datetime
) -> uuid.UUID | None:
    if team_id is not None:
        pool = [x for x in available(await candidates(session, team_id, now)) if x.user_id != from_user]
        chosen = pick_least_loaded(pool)
        if chosen is not None:
            return chosen.user_id  # type: ignore[no-any-return]
    sups = [(u, n) for u, n in await repository.supervisors(session, conversation.organization_id) if u.id != from_user]
    view = await on_shift_view(session, conversation.organization_id, [u.id for u, _ in sups], now)
    on = [
        Supervisor(u.id, u.organization_id, u.name, u.email, u.status == "online", n)
        for u, n in sups
        if view.on_shift(u.id)
    ]
    best = pick_supervisor(on)
    return best.id if best else None


async def hand_over_due(session: Session, now: datetime | None = None) -> int:
    """Hand over what falls due while its assignee is away; returns how many were handed over."""
    now = now or utc_now()
    view = OnShift(await repository.all_lines(session), now)
    done = 0
    for user_id in sorted(view.governed, key=lambda u: u.hex):
        if view.routable(user_id):
            continue
        cur = roster.current(view.intervals, user_id, now)
        shift = cur or roster.last_ended(view.intervals, user_id, now)
        if shift is None:
            continue  # no shift in the horizon: nothing ended that a handover belongs to
        back = roster.upcoming(view.intervals, user_id, shift.start)
        for conversation_id, due_at in await repository.due_before(session, user_id, back.start if back else None):
            conversation = await repository.lock_conversation(session, conversation_id)
            if conversation is None or conversation.assignee_id != user_id:
                continue  # busy elsewhere (next run) or reassigned meanwhile
            target = await _target(session, conversation, conversation.team_id or shift.team_id, user_id, now)
            if target is None:
                continue  # nobody on shift to take it: tried again next minute
            row = await repository.claim_handover(
                session, conversation.organization_id, conversation.id, user_id, target, shift.end
            )
            if row is None:
                continue
            await _write(session, conversation, row, user_id, target, shift.end, back.start if back else None, due_at)
            done += 1
    return done


async def _write(
    session: Session,
    conversation: Conversation,
    row: ShiftHandover,
    from_user: uuid.UUID,
    to_user: uuid.UUID,
    ended_at: datetime,
    back: datetime | None,
    due_at: datetime,
) -> None:
    org = conversation.organization_id
    giver, taker = await repository.user(session, org, from_user), await repository.user(session, org, to_user)
    assert giver is not None and taker is not None
    last_reply, clocks, notes = await repository.handover_context(session, conversation.id)
    body = handover_note.compose(
        from_name=giver.name,
        to_name=taker.name,
        shift_ended_at=ended_at,
        next_shift_at=back,
        last_reply=last_reply,
        clocks=[handover_note.OpenClock(k, d) for k, d in clocks],
        notes=notes,
    )
    note = Note(
        id=uuid.uuid4(),
        organization_id=conversation.organization_id,
        conversation_id=conversation.id,
        kind="note",
        body=body,
    )
    session.add(note)
    await session.flush()
    row.note_id = note.id
    conversation.assignee_id = to_user
    data = HandoverData(
        conversation_id=conversation.id,
        from_user_id=from_user,
        to_user_id=to_user,
        shift_ended_at=ended_at,
        next_shift_at=back,
        due_at=due_at,
        note_id=note.id,
    )
    audit.record(
        session,
        None,
        conversation.organization_id,
        "conversation.handed_over",
        "conversation",
        conversation.id,
        data.model_dump(mode="json"),
        actor_type="automation",
    )
    events.emit(
        session,
        conversation.organization_id,
        "note.created",
        NoteCreatedData(conversation_id=conversation.id, note_id=note.id, kind="note"),
        conversation_id=conversation.id,
    )
    events.emit(
        session, conversation.organization_id, "conversation.handed_over", data, conversation_id=conversation.id
    )
    events.emit(
        session,
        conversation.organization_id,
        "conversation.assigned",
        ConversationData.of(conversation),
        conversation_id=conversation.id,
    )
    ref = conversation.order_external_id or conversation.subject or str(conversation.id)[:8]
    escalation.notify(
        session,
        conversation,
        to_user,
        "shift.handover",
        f"Handed over to you: {ref}",
        f"{giver.name}'s shift ended; a deadline falls due at {due_at:%H:%M} UTC, before they are back.",
        {"due_at": due_at.isoformat(), "from_user_id": str(from_user)},
    )
