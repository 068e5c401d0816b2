"""SLA clocks per conversation: started, stopped and re-planned as the conversation changes.

Two families of clocks run side by side:
- marketplace clocks count 24/7 from the marketplace's own timestamp of the oldest unanswered buyer
  message, never pause, and stop only on a delivered reply that the marketplace counts;
- internal clocks count business time on the team's calendar (first/next response, resolution) and
  may pause while the conversation is pending on the buyer.

`reconcile()` is the one entry point: it compares the open clocks with what the conversation's state
calls for (its `waiting_since`, status) and stops, starts or re-plans clocks. It is idempotent, so
every event (message in, reply delivered, no-response-needed, status change) just calls it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from api.customer import repository as customer_repository
from api.db import Session
from api.kit.time import utc_now
from api.models import Conversation, SlaClock, SlaPolicy
from api.models.sla import BREACH_TIER
from api.outbox import events
from api.outbox.events import PendingEvent
from api.sla import cache, repository
from api.sla.calendar import BusinessCalendar as Calendar
from api.sla.calendar import DeadlineUnreachable, add_business_time
from api.sla.catalog import DUE_SOON_FRACTION, automation_counts_on, is_builtin_name
from api.sla.policy import PolicyChoice, PolicyContext, choose, tier_due_times

MARKETPLACE_RESPONSE = ("marketplace_first_response", "marketplace_next_response")
INTERNAL_RESPONSE = ("internal_first_response", "internal_next_response")
RESPONSE_KINDS = MARKETPLACE_RESPONSE + INTERNAL_RESPONSE


def calendar_from_row(row: Any) -> Calendar:
    return Calendar.from_spec(
        row.time_zone,
        row.intervals,
        holidays=row.holidays,
        recurring_holidays=row.recurring_holidays,
        country_holidays=row.country_holidays,
        subdivision=row.subdivision,
    )


def _pauses(clock: SlaClock) -> list[tuple[datetime, datetime | None]]:
    return [
        (datetime.fromisoformat(str(pause[0])), datetime.fromisoformat(str(pause[1])) if pause[1] else None)
        for pause in clock.pauses or []
    ]


def plan_deadline(clock: SlaClock) -> tuple[datetime | None, datetime | None]:
    """(due_at, due_soon_at) from the clock's snapshot: None while an open-ended pause holds it."""
    snap = clock.policy_snapshot
    target = timedelta(seconds=int(snap["target_seconds"]))
    started = clock.started_at
    if snap.get("calendar") is None and not clock.pauses:
        due = started + target
        return due, started + target * DUE_SOON_FRACTION
    cal = Calendar.from_spec(**snap["calendar"]) if snap.get("calendar") else Calendar.always_open()
    try:
        due = add_business_time(started, target, cal, _pauses(clock))
        soon = add_business_time(started, target * DUE_SOON_FRACTION, cal, _pauses(clock))
    except DeadlineUnreachable:
        return None, None
    return due, soon


async def _context(session: Session, conversation: Conversation, tier: str | None) -> PolicyContext:
    if tier is None:
        tier = (
            await customer_repository.tier(session, conversation.organization_id, conversation.customer_id)
            if conversation.customer_id
            else "standard"
        )
    return PolicyContext(
        marketplace=conversation.marketplace,
        channel_id=str(conversation.channel_id),
        category=conversation.category,
        priority=conversation.priority,
        customer_tier=tier,
        labels=frozenset(conversation.labels or []),
    )


@dataclass(frozen=True)
class SlaChoice:
    """What the engine chose for a conversation: the policy, why, and its calendar row (None: 24/7)."""

    policy: SlaPolicy
    reason: str
    calendar: Any | None
    matched: tuple[tuple[str, str], ...] = ()


async def choose_policy(
    session: Session, conversation: Conversation, *, tier: str | None = None
) -> tuple[SlaPolicy, PolicyChoice]:
    """The conversation's policy. `tier`: the customer's tier when the caller knows it (ingest does)."""
    hit, policies = cache.get(("policies", conversation.organization_id))
    if not hit:
        policies = [
            policy for policy in await repository.policies(session, conversation.organization_id) if policy.is_active
        ]
        cache.put(("policies", conversation.organization_id), policies)
    choice = choose(
        ((policy.id, policy.position, policy.conditions, policy.name) for policy in policies),
        await _context(session, conversation, tier),
    )
    return next(policy for policy in policies if policy.id == choice.policy_id), choice


async def calendar_for(
    session: Session, organization_id: uuid.UUID, policy: SlaPolicy, team_id: uuid.UUID | None
) -> Any | None:
    key = ("calendar", organization_id, policy.id, policy.calendar_id, team_id)
    hit, row = cache.get(key)
    if not hit:
        row = await repository.calendar_for(session, organization_id, policy, team_id)
        cache.put(key, row)
    return row


def _snapshot(
    policy: SlaPolicy, target_seconds: int, calendar: Any | None, matched: tuple[tuple[str, str], ...] = ()
) -> dict[str, Any]:
    return {
        "policy_id": str(policy.id),
        "name": policy.name,
        "builtin_key": policy.builtin_key,
        # Why this policy: the conditions that held, words left to the reader's language.
        "matched": [{"condition": k, "value": v} for k, v in matched],
        "version": policy.version,
        "source": policy.source,
        "target_seconds": target_seconds,
        "tiers": policy.tiers,
        "pause_while_pending": policy.pause_while_pending,
        "automation_counts": policy.automation_counts,
        "calendar": None
        if calendar is None
        else {
            "time_zone": calendar.time_zone,
            "intervals": calendar.intervals,
            "holidays": calendar.holidays,
            "recurring_holidays": calendar.recurring_holidays,
            "country_holidays": calendar.country_holidays,
            "subdivision": calendar.subdivision,
        },
    }


def _plan(
    conversation: Conversation,
    kind: str,
    started_at: datetime,
    policy: SlaPolicy,
    choice: SlaChoice,
    target: int,
    calendar: Any | None,
    now: datetime,
) -> tuple[SlaClock, list[tuple[int, datetime, str]]]:
    """A clock to start and its timers, not written yet: reconcile() inserts all it starts at once."""
    clock = SlaClock(
        id=uuid.uuid4(),
        organization_id=conversation.organization_id,
        conversation_id=conversation.id,
        kind=kind,
        policy_id=policy.id,
        policy_snapshot=_snapshot(policy, target, calendar, choice.matched),
        reason=choice.reason,
        marketplace=conversation.marketplace,
        channel_id=conversation.channel_id,
        started_at=started_at,
        pauses=[],
        state="running",
        stopped_at=None,
        breached_at=None,
        stop_reason=None,
    )
    if calendar is not None and policy.pause_while_pending and conversation.status == "pending":
        clock.pauses = [[now.isoformat(), None]]
    clock.due_at, clock.due_soon_at = plan_deadline(clock)
    return clock, _timers(clock, now)


async def _schedule(session: Session, clock: SlaClock, now: datetime) -> None:
    """Timers for the breach and (marketplace clocks) the escalation ladder. Tiers already past when
    the clock is planned (a message synced late) are skipped: only the breach still fires."""
    if clock.due_at is None:
        await repository.cancel_timers(session, clock.id)
        return
    await repository.schedule_timers(session, clock, _timers(clock, now))


def _timers(clock: SlaClock, now: datetime) -> list[tuple[int, datetime, str]]:
    if clock.due_at is None:
        return []
    timers: list[tuple[int, datetime, str]] = [(BREACH_TIER, clock.due_at, "breach")]
    if clock.kind in MARKETPLACE_RESPONSE:
        tiers = tier_due_times(clock.started_at, clock.due_at, clock.policy_snapshot.get("tiers") or [])
        timers += [t for t in tiers if t[1] > now]
    return timers


def _stop(clock: SlaClock, at: datetime, reason: str, message_id: uuid.UUID | None) -> None:
    clock.stopped_at = at
    clock.stop_reason = reason
    clock.stop_message_id = message_id
    if reason in ("no_response_needed", "spam"):
        # Marketplaces drop such messages from their rates, late or not; so do we.
        clock.state = "stopped"
    elif clock.state == "breached" and reason == "reply" and clock.due_at is not None and at <= clock.due_at:
        # A reply confirmed after the deadline that the marketplace had before it (a mail relay's
        # acceptance, confirmed when its bounce window passed): the breach fired too early.
        clock.state = "met"
        clock.breached_at = None
    elif clock.state == "running":
        if clock.due_at is not None and at > clock.due_at:
            clock.state = "breached"
            clock.breached_at = clock.due_at
        else:
            clock.state = "met" if reason in ("reply", "resolved") else "stopped"


_UNKNOWN: Any = object()


async def reply_counts(
    session: Session, conversation: Conversation, author_kind: str, *, clocks: list[SlaClock] | None = None
) -> bool:
    """Whether a delivered reply of this author answers the buyer: a person's always, an automatic
    one as the policy that times the wait says (`automation_counts`). The running clocks' snapshot is
    the policy the wait started under; with no clock running, the policy the conversation falls under
    now; `clocks`: read these instead (the clocks a bounced reply had stopped). Snapshots taken before
    the setting was recorded follow the marketplace's own rule."""
    if author_kind == "human":
        return True
    if author_kind != "auto":
        return False
    if clocks is None:
        clocks = await repository.open_clocks(session, conversation.id, lock=False)
    for clock in clocks:
        if clock.kind in RESPONSE_KINDS:
            recorded = clock.policy_snapshot.get("automation_counts")
            return bool(recorded) if recorded is not None else automation_counts_on(conversation.marketplace)
    policy, _ = await choose_policy(session, conversation)
    return bool(policy.automation_counts)


async def reconcile(
    session: Session,
    conversation: Conversation,
    *,
    stop_reason: str = "reply",
    stop_message_id: uuid.UUID | None = None,
    at: datetime | None = None,
    tier: str | None = None,
    open_clocks: list[SlaClock] | None = None,
    resolution_stopped_at: datetime | None = _UNKNOWN,
    defer: Deferred | None = None,
) -> SlaChoice | None:
    """Bring the conversation's open clocks in line with its state, then refresh its SLA columns.

    The ingest pipeline passes what it already read in its one statement (the customer's `tier`, the
    locked `open_clocks`, when the last resolution clock stopped); other callers let it read them.
    With `defer`, the clocks to start and the `sla.updated` event are left there instead of written,
    and the caller writes those of many conversations at once (`start_planned`, `events.emit_many`);
    the clocks of a conversation whose clocks pause (pending) are never deferred. Returns the policy
    and calendar it chose, if the conversation needed one."""
    now = utc_now()
    at = at or now
    # A conversation flagged as spam waits for nothing: its response clocks stop until unflagged.
    waiting = conversation.waiting_since if conversation.spam_reason is None else None
    if open_clocks is None:
        open_clocks = await repository.open_clocks(session, conversation.id)
    running = {clock.kind: clock for clock in open_clocks}
    changed = False
    choice = None
    if waiting is not None or (conversation.status != "resolved" and conversation.first_inbound_at is not None):
        policy, chosen = await choose_policy(session, conversation, tier=tier)
        choice = SlaChoice(
            policy,
            chosen.reason,
            await calendar_for(session, conversation.organization_id, policy, conversation.team_id),
            chosen.matched,
        )

    stopped = False
    for kind in RESPONSE_KINDS:
        clock = running.get(kind)
        if clock is None:
            continue
        if choice is not None and clock.policy_id != choice.policy.id and waiting is not None:
            # The conversation now falls under another policy (e.g. labelled a BBB complaint): the
            # old clock ends, recorded as re-planned, and one under the new policy starts below.
            _stop(clock, at, "replanned", None)
            await repository.cancel_timers(session, clock.id, from_time=at)
            del running[kind]
            changed = stopped = True
            continue
        if waiting is not None and waiting < clock.started_at:
            # An older buyer message arrived late: the wait began earlier, so the same clock moves back.
            clock.started_at = waiting
            clock.due_at, clock.due_soon_at = plan_deadline(clock)
            await _schedule(session, clock, now)
            changed = True
            continue
        if waiting is None or clock.started_at != waiting:
            _stop(clock, at, stop_reason, stop_message_id)
            await repository.cancel_timers(session, clock.id, from_time=at)
            del running[kind]
            changed = stopped = True

    if stopped:
        await session.flush()  # stopped clocks must leave the open-clock unique index before new ones start
    planned: list[tuple[SlaClock, list[tuple[int, datetime, str]]]] = []
    if choice is not None and waiting is not None:
        policy = choice.policy
        first = conversation.last_response_at is None
        families = (
            (MARKETPLACE_RESPONSE, policy.first_response_seconds if first else policy.next_response_seconds, None),
            (
                INTERNAL_RESPONSE,
                policy.internal_first_response_seconds if first else policy.internal_next_response_seconds,
                choice.calendar,
            ),
        )
        for kinds, target, cal in families:
            if target and not any(kind in running for kind in kinds):
                kind = kinds[0] if first else kinds[1]
                planned.append(_plan(conversation, kind, waiting, policy, choice, target, cal, now))

    # Resolution clock: from the first buyer message until resolved; a reopened thread starts anew.
    resolution_clock = running.get("internal_resolution")
    if resolution_clock is not None and conversation.status == "resolved":
        _stop(resolution_clock, conversation.resolved_at or at, "resolved", None)
        await repository.cancel_timers(session, resolution_clock.id, from_time=resolution_clock.stopped_at)
        changed = True
    elif (
        resolution_clock is None
        and choice is not None
        and choice.policy.internal_resolution_seconds
        and conversation.status != "resolved"
        and conversation.first_inbound_at is not None
    ):
        if resolution_stopped_at is _UNKNOWN:
            resolution_stopped_at = await repository.last_stopped_at(session, conversation.id, "internal_resolution")
        start = (
            conversation.first_inbound_at
            if resolution_stopped_at is None
            else max(resolution_stopped_at, waiting or at)
        )
        policy = choice.policy
        target = policy.internal_resolution_seconds
        assert target is not None  # the branch is taken only when the policy has a resolution target
        planned.append(_plan(conversation, "internal_resolution", start, policy, choice, target, choice.calendar, now))

    # What is open is known without a re-read, unless an insert lost to a concurrent clock.
    open_clocks_known = True
    if planned:
        changed = True
        clocks = [clock for clock, _ in planned]
        # The conversation's deadline as it will be if every clock goes in, written in the same
        # statement (and only then): the common case costs one round trip for clocks, timers and row.
        after = [clock for clock in running.values() if clock.stopped_at is None] + clocks
        deadline, soon = _earliest(after)
        if defer is not None and conversation.status != "pending" and not any(clock.pauses for clock in after):
            # Assumed to go in (the conversation's row is locked by the caller); start_planned
            # repairs the conversation when one does not.
            defer.clocks.append(
                PlannedClocks(
                    conversation, planned, deadline, soon, (conversation.sla_deadline, conversation.sla_due_soon_at)
                )
            )
            inserted = {clock.id for clock in clocks}
        else:
            inserted = await repository.insert_clocks(session, [(conversation, planned, deadline, soon)])
        if len(inserted) == len(planned):
            repository.deadline_written(conversation, deadline, soon)
        else:
            open_clocks_known = False
        for clock in clocks:
            if clock.id in inserted:
                running[clock.kind] = clock

    # Pauses only matter while pending, or to close a pause when the conversation leaves pending.
    if conversation.status == "pending" or any(clock.pauses for clock in running.values()):
        changed = await _apply_pause(session, conversation, now) or changed
        open_clocks_known = False
    if changed:
        await session.flush()
    await refresh_conversation(
        session,
        conversation,
        emit=changed,
        clocks=[clock for clock in running.values() if clock.stopped_at is None] if open_clocks_known else None,
        pending=defer.events if defer is not None else None,
    )
    return choice


@dataclass(frozen=True)
class PlannedClocks:
    """Clocks reconcile() planned for one conversation and left to `start_planned`."""

    conversation: Conversation
    clocks: list[tuple[SlaClock, list[tuple[int, datetime, str]]]]
    deadline: datetime | None
    due_soon_at: datetime | None
    before: tuple[datetime | None, datetime | None]  # the conversation's stored deadline and due-soon time


@dataclass
class Deferred:
    """What reconcile() leaves to a caller reconciling many conversations: the clocks to start
    (`start_planned`) and the events to write (`events.emit_many`), each in one statement."""

    clocks: list[PlannedClocks] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)


async def start_planned(session: Session, deferred: Deferred) -> None:
    """Insert the clocks deferred by reconcile() for many conversations in one statement. A clock
    that did not go in (one of its kind opened concurrently) leaves its conversation's deadline as
    stored; that conversation is refreshed from the clocks that are open (and tells its listeners
    again)."""
    planned = deferred.clocks
    if not planned:
        return
    inserted = await repository.insert_clocks(
        session, [(plan.conversation, plan.clocks, plan.deadline, plan.due_soon_at) for plan in planned]
    )
    for plan in planned:
        if all(clock.id in inserted for clock, _ in plan.clocks):
            continue
        conversation = plan.conversation
        repository.deadline_written(conversation, *plan.before)
        await refresh_conversation(session, conversation, emit=True, pending=deferred.events)


def _earliest(clocks: list[SlaClock]) -> tuple[datetime | None, datetime | None]:
    deadline = min((clock.due_at for clock in clocks if clock.due_at is not None), default=None)
    soon = min((clock.due_soon_at for clock in clocks if clock.due_soon_at is not None), default=None)
    return deadline, soon


async def _apply_pause(session: Session, conversation: Conversation, now: datetime) -> bool:
    """Internal clocks of pausing policies stop counting while the conversation is pending."""
    changed = False
    for clock in await repository.open_clocks(session, conversation.id):
        if clock.kind in MARKETPLACE_RESPONSE or not clock.policy_snapshot.get("pause_while_pending"):
            continue
        pauses = list(clock.pauses or [])
        open_pause = bool(pauses) and pauses[-1][1] is None
        if conversation.status == "pending" and not open_pause:
            pauses.append([now.isoformat(), None])
        elif conversation.status != "pending" and open_pause:
            pauses[-1] = [pauses[-1][0], now.isoformat()]
        else:
            continue
        clock.pauses = pauses
        clock.due_at, clock.due_soon_at = plan_deadline(clock)
        await _schedule(session, clock, now)
        changed = True
    return changed


async def refresh_conversation(
    session: Session,
    conversation: Conversation,
    *,
    emit: bool,
    clocks: list[SlaClock] | None = None,
    pending: list[PendingEvent] | None = None,
) -> None:
    """Denormalise the earliest open deadline onto the conversation and tell the listeners.
    `clocks`: the open clocks when the caller knows them (saves a read on the ingest path);
    `pending`: where to leave the event when the caller writes many at once."""
    if clocks is None:
        clocks = await repository.open_clocks(session, conversation.id, lock=False)
    deadline, soon = _earliest(clocks)
    if (deadline, soon) != (conversation.sla_deadline, conversation.sla_due_soon_at):
        conversation.sla_deadline, conversation.sla_due_soon_at = deadline, soon
        await session.flush()  # callers may refresh the row next; the new deadline must be in it
        emit = True
    if not emit:
        return
    if pending is not None:
        pending.append(
            PendingEvent(
                conversation.organization_id, "sla.updated", sla_payload(conversation, clocks), conversation.id
            )
        )
    else:
        events.emit(
            session,
            conversation.organization_id,
            "sla.updated",
            sla_payload(conversation, clocks),
            conversation_id=conversation.id,
        )


def state_at(deadline: datetime | None, due_soon_at: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "none"
    if now >= deadline:
        return "overdue"
    if due_soon_at is not None and now >= due_soon_at:
        return "due_soon"
    return "ok"


def clock_view(clock: SlaClock, now: datetime) -> dict[str, Any]:
    remaining = None
    if clock.stopped_at is None and clock.due_at is not None:
        remaining = int((clock.due_at - now).total_seconds())
    state = clock.state
    if state == "running" and clock.due_at is not None and now >= clock.due_at:
        state = "breached"  # the breach timer fires within a second; reads never lag behind it
    snapshot = clock.policy_snapshot
    return {
        "id": str(clock.id),
        "kind": clock.kind,
        "state": state,
        "started_at": clock.started_at.isoformat(),
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "due_soon_at": clock.due_soon_at.isoformat() if clock.due_soon_at else None,
        "stopped_at": clock.stopped_at.isoformat() if clock.stopped_at else None,
        "breached_at": clock.breached_at.isoformat() if clock.breached_at else None,
        "stop_reason": clock.stop_reason,
        "paused": bool(clock.pauses) and clock.pauses[-1][1] is None,
        "seconds_remaining": remaining,
        "policy_name": clock.policy_snapshot.get("name"),
        "policy_id": clock.policy_snapshot.get("policy_id"),
        "target_seconds": clock.policy_snapshot["target_seconds"],
        "reason": clock.reason,
        "reason_detail": {
            "builtin_key": snapshot.get("builtin_key"),
            "name_is_builtin": is_builtin_name(snapshot.get("builtin_key"), snapshot.get("name")),
            "matched": snapshot.get("matched") or [],
        },
    }


def sla_payload(conversation: Conversation, open_clocks: list[SlaClock]) -> dict[str, Any]:
    """Deadlines and states, never a ticking number: clients count down themselves."""
    now = datetime.now(UTC)
    return {
        "conversation_id": str(conversation.id),
        "sla_deadline": conversation.sla_deadline.isoformat() if conversation.sla_deadline else None,
        "sla_due_soon_at": conversation.sla_due_soon_at.isoformat() if conversation.sla_due_soon_at else None,
        "sla_state": state_at(conversation.sla_deadline, conversation.sla_due_soon_at, now),
        "clocks": [
            {k: v for k, v in clock_view(clock, now).items() if k != "seconds_remaining"} for clock in open_clocks
        ],
    }
