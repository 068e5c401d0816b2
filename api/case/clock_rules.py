"""A case's clocks as timers, and what each fired timer does (pure: no I/O, tested directly).

Two clocks run while a case is `requested`, as sellers run them ("退货类消息超6小时未回就发预警，
投诉类立刻推送到负责人": a return unanswered after 6 h raises an alert, a complaint goes to its owner
at once):

- the **handling** clock: the organization's target per kind (default 6 h for returns, refunds,
  replacements, reships and cancellations). When it passes, the supervisor is alerted. A claim
  (A-to-z, Walmart dispute: a complaint about the seller) has a target of 0: its owner is alerted
  the moment it opens.
- the **marketplace** clock: the marketplace's own respond-by date (eBay `respondByDate`, Walmart
  `returnByDate`...), when the notice carried one: the owner is told a day before (or half way, for
  shorter spans) and owner and supervisor when it passes.

Both stop when the case leaves `requested` (timers not yet fired are cancelled in the transition's
transaction). Tier numbers keep the two clocks apart in `sla_timers` ((case_id, tier) is unique).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.outbox.events import PendingEvent

HOUR = 3600
DEFAULT_HANDLING_SECONDS: dict[str, int] = {
    "return": 6 * HOUR,
    "refund": 6 * HOUR,
    "replacement": 6 * HOUR,
    "reship": 6 * HOUR,
    "cancellation": 6 * HOUR,
    "claim": 0,
}
TIER_ALERT_OWNER = 0  # handling target 0: tell the owner at once
TIER_HANDLING_OVERDUE = 1000
TIER_DEADLINE_DUE_SOON = 100
TIER_DEADLINE_OVERDUE = 1100
DUE_SOON_BEFORE = timedelta(hours=24)

ACTIONS = ("alert_owner", "handling_overdue", "deadline_due_soon", "deadline_overdue")


def handling_seconds(kind: str, configured: Mapping[str, int] | None) -> int:
    """The organization's target for `kind`, else the default."""
    if configured and kind in configured:
        return int(configured[kind])
    return DEFAULT_HANDLING_SECONDS[kind]


def plan_timers(
    opened_at: datetime, handling_target_seconds: int, marketplace_deadline: datetime | None
) -> tuple[datetime, list[tuple[int, datetime, str]]]:
    """(handling due time, [(tier, due_at, action)]) for a case opened at `opened_at`."""
    timers: list[tuple[int, datetime, str]] = []
    handling_due = opened_at + timedelta(seconds=handling_target_seconds)
    if handling_target_seconds <= 0:
        timers.append((TIER_ALERT_OWNER, opened_at, "alert_owner"))
    else:
        timers.append((TIER_HANDLING_OVERDUE, handling_due, "handling_overdue"))
    if marketplace_deadline is not None:
        span = marketplace_deadline - opened_at
        if span > timedelta(0):
            soon = marketplace_deadline - DUE_SOON_BEFORE if span > 2 * DUE_SOON_BEFORE else opened_at + span / 2
            timers.append((TIER_DEADLINE_DUE_SOON, soon, "deadline_due_soon"))
        timers.append((TIER_DEADLINE_OVERDUE, max(marketplace_deadline, opened_at), "deadline_overdue"))
    return handling_due, timers


def next_deadline(handling_due: datetime | None, marketplace_deadline: datetime | None) -> datetime | None:
    """The sooner of the two clocks' deadlines (what the queue sorts on)."""
    due = [d for d in (handling_due, marketplace_deadline) if d is not None]
    return min(due) if due else None


@dataclass(frozen=True)
class DueCaseTimer:
    id: int
    tier: int
    action: str
    due_at: datetime
    fired_at: datetime


@dataclass(frozen=True)
class CaseRow:
    """The columns firing reads, as claimed (locked) with the timer."""

    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    state: str
    marketplace: str
    conversation_id: uuid.UUID
    order_external_id: str | None
    marketplace_case_id: str | None
    marketplace_deadline: datetime | None
    handling_due_at: datetime | None
    created_at: datetime
    owner_id: uuid.UUID | None  # the case's assignee, else its conversation's


@dataclass(frozen=True)
class Supervisor:
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    online: bool
    open_load: int


@dataclass(frozen=True)
class Notice:
    organization_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    conversation_id: uuid.UUID
    title: str
    body: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Mail:
    organization_id: uuid.UUID
    dedupe_key: str
    to_address: str
    subject: str
    body: str


@dataclass
class CaseEffects:
    overdue: dict[uuid.UUID, datetime] = field(default_factory=dict)  # case id -> overdue_at
    notices: list[Notice] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)


def pick_supervisor(supervisors: Iterable[Supervisor]) -> Supervisor | None:
    """An active supervisor, online first, then the least loaded (as conversation escalations pick)."""
    return min(supervisors, key=lambda s: (not s.online, s.open_load, s.id.hex), default=None)


def timer_data(case: CaseRow, timer: DueCaseTimer) -> dict[str, Any]:
    """The `case.escalated` / `case.overdue` event (and the notification's data)."""
    return {
        "case_id": str(case.id),
        "kind": case.kind,
        "state": case.state,
        "marketplace": case.marketplace,
        "conversation_id": str(case.conversation_id),
        "order_id": case.order_external_id,
        "marketplace_case_id": case.marketplace_case_id,
        "action": timer.action,
        "due_at": timer.due_at.isoformat(),
        "handling_due_at": case.handling_due_at.isoformat() if case.handling_due_at else None,
        "marketplace_deadline": case.marketplace_deadline.isoformat() if case.marketplace_deadline else None,
        "owner_id": str(case.owner_id) if case.owner_id else None,
        "fired_at": timer.fired_at.isoformat(),
    }


def plan(
    timers: Iterable[tuple[DueCaseTimer, CaseRow]],
    supervisors: Iterable[Supervisor],
    emails: Mapping[uuid.UUID, str],
) -> CaseEffects:
    """What a batch of fired case timers writes. `supervisors` are the active supervisors of the
    batch's organizations, `emails` the owners' addresses."""
    by_org: dict[uuid.UUID, list[Supervisor]] = {}
    for s in supervisors:
        by_org.setdefault(s.organization_id, []).append(s)
    out = CaseEffects()
    for timer, case in sorted(timers, key=lambda tc: (tc[0].due_at, tc[0].id)):
        data = timer_data(case, timer)
        ref = case.order_external_id or case.marketplace_case_id or str(case.id)[:8]
        what = f"{case.kind} case {ref} ({case.marketplace})"
        supervisor = pick_supervisor(by_org.get(case.organization_id, ()))
        recipients: list[tuple[uuid.UUID, str | None]] = []
        if timer.action == "alert_owner":
            title, body, kind = f"New claim: {ref}", f"A {what} was opened and needs you now.", "case.escalated"
            owner = case.owner_id or (supervisor.id if supervisor else None)
            if owner:
                recipients.append((owner, emails.get(owner) or (supervisor.email if supervisor else None)))
            out.events.append(PendingEvent(case.organization_id, "case.escalated", data, case.conversation_id))
        elif timer.action == "handling_overdue":
            title = f"Case not handled: {ref}"
            body = f"The {what} has waited past its handling target without a decision."
            kind = "case.overdue"
            if supervisor:
                recipients.append((supervisor.id, supervisor.email))
            out.overdue.setdefault(case.id, timer.due_at)
            out.events.append(PendingEvent(case.organization_id, "case.overdue", data, case.conversation_id))
        elif timer.action == "deadline_due_soon":
            title = f"Marketplace deadline soon: {ref}"
            body = (
                f"The marketplace expects a response to the {what} by {case.marketplace_deadline:%Y-%m-%d %H:%M} UTC."
            )
            kind = "case.due_soon"
            owner = case.owner_id or (supervisor.id if supervisor else None)
            if owner:
                recipients.append((owner, None))
            out.events.append(PendingEvent(case.organization_id, "case.escalated", data, case.conversation_id))
        else:  # deadline_overdue
            title = f"Marketplace deadline passed: {ref}"
            body = f"The marketplace's respond-by date for the {what} has passed."
            kind = "case.overdue"
            if case.owner_id:
                recipients.append((case.owner_id, None))
            if supervisor and supervisor.id != case.owner_id:
                recipients.append((supervisor.id, supervisor.email))
            out.overdue.setdefault(case.id, timer.due_at)
            out.events.append(PendingEvent(case.organization_id, "case.overdue", data, case.conversation_id))
        for user_id, email in recipients:
            out.notices.append(Notice(case.organization_id, user_id, kind, case.conversation_id, title, body, data))
            if email:
                out.mails.append(
                    Mail(
                        case.organization_id,
                        f"case-timer:{timer.id}:{user_id}",
                        email,
                        f"[Hourglass] {title}",
                        f"{body}\nCase {case.id}, conversation {case.conversation_id}.\n",
                    )
                )
    return out
