"""What a batch of fired timers does, as a pure function from the rows it read to the rows it writes.

Each escalation tier emails the assignee, notifies assignee and team in the app, or escalates to
a supervisor, each to whoever is on shift in that role (the assignee if on shift, else the team's
on-shift agents, else the on-shift supervisor; people without a roster always count as on shift);
a breach ends the clock overdue and emits `sla.overdue`. `plan` applies the timers of a
batch in due order to an in-memory copy of the conversations and the supervisors' open load, so a
later timer of the same batch sees what an earlier one changed (an escalation's new assignee gets the
breach notification; the next escalation in the organization goes to the next least-loaded
supervisor), exactly as firing them one by one would. The caller writes each list of rows with one
statement per table (api/sla/timers.py). No I/O here: the rules are tested without a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from api.outbox.events import PendingEvent, envelope
from api.webhook.payloads import ConversationData

KIND_LABELS = {
    "marketplace_first_response": "marketplace first response",
    "marketplace_next_response": "marketplace next response",
    "internal_first_response": "internal first response",
    "internal_next_response": "internal next response",
    "internal_resolution": "internal resolution",
}


@dataclass(frozen=True)
class DueTimer:
    id: int
    clock_id: uuid.UUID
    tier: int
    action: str
    due_at: datetime
    fired_at: datetime


@dataclass(frozen=True)
class Clock:
    id: uuid.UUID
    conversation_id: uuid.UUID
    kind: str
    marketplace: str
    channel_id: uuid.UUID
    started_at: datetime
    due_at: datetime | None
    state: str
    policy_name: str | None


@dataclass(frozen=True)
class Conversation:
    """The columns effects read, including everything `conversation.assigned` carries."""

    id: uuid.UUID
    organization_id: uuid.UUID
    channel_id: uuid.UUID
    marketplace: str
    subject: str | None
    status: str
    priority: str
    category: str | None
    labels: tuple[str, ...]
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None
    unread: bool
    waiting_since: datetime | None
    order_external_id: str | None
    has_failed_delivery: bool
    spam_reason: str | None
    last_message_at: datetime
    sla_deadline: datetime | None
    sla_due_soon_at: datetime | None


@dataclass(frozen=True)
class Supervisor:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    email: str
    online: bool
    open_load: int  # conversations assigned to them that are not resolved


@dataclass(frozen=True)
class NotificationRow:
    id: uuid.UUID
    organization_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    conversation_id: uuid.UUID
    title: str
    body: str
    data: dict[str, Any]


@dataclass(frozen=True)
class EmailRow:
    organization_id: uuid.UUID
    dedupe_key: str
    to_address: str
    subject: str
    body: str


@dataclass(frozen=True)
class AuditRow:
    organization_id: uuid.UUID
    entity_id: str
    data: dict[str, Any]


@dataclass
class Effects:
    """Rows to write, each list in the order firing one timer after another would have written them."""

    breached_clocks: dict[uuid.UUID, datetime] = field(default_factory=dict)  # clock id -> breached_at
    notifications: list[NotificationRow] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)
    emails: list[EmailRow] = field(default_factory=list)
    audits: list[AuditRow] = field(default_factory=list)
    reassigned: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # conversation id -> new assignee


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    """The conversation as events carry it: the one typed model (`ConversationData`), read from the
    claimed row, which has the same attribute names as the ORM conversation."""
    return envelope("conversation.assigned", ConversationData.of(cast(Any, conversation)))["data"]


def notification_event_data(
    notification_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    conversation_id: uuid.UUID,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The `notification` event for one in-app notification (the realtime client reads it as is)."""
    return {
        "notification_id": str(notification_id),
        "user_id": str(user_id),
        "kind": kind,
        "title": title,
        "body": body,
        "conversation_id": str(conversation_id),
        "sla": data,
    }


class _Text(dict[uuid.UUID, str]):
    """Ids as text, each formatted once per batch: `str(UUID)` is Python code, and a batch of 1,000
    breaches names its channels, conversations and clocks several thousand times."""

    def __missing__(self, key: uuid.UUID) -> str:
        value = self[key] = str(key)
        return value


def timer_event_data(
    conversation: Conversation, clock: Clock, timer: DueTimer, text: Mapping[uuid.UUID, str]
) -> dict[str, Any]:
    return {
        "conversation_id": text[conversation.id],
        "clock_id": text[clock.id],
        "clock_kind": clock.kind,
        "marketplace": clock.marketplace,
        "channel_id": text[clock.channel_id],
        "subject": conversation.subject,
        "order_id": conversation.order_external_id,
        "assignee_id": text[conversation.assignee_id] if conversation.assignee_id else None,
        "started_at": clock.started_at.isoformat(),
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "tier": None if timer.action == "breach" else timer.tier,
        "action": timer.action,
        "policy": clock.policy_name,
        "fired_at": timer.fired_at.isoformat(),
    }


def pick_supervisor(supervisors: Iterable[Supervisor]) -> Supervisor | None:
    """An active supervisor, online first, then the one with the fewest open conversations."""
    return min(supervisors, key=lambda s: (not s.online, s.open_load, s.id.hex), default=None)


class _Batch:
    def __init__(
        self,
        conversations: Mapping[uuid.UUID, Conversation],
        team_members: Mapping[uuid.UUID, Sequence[uuid.UUID]],
        emails: Mapping[uuid.UUID, str],
        supervisors: Iterable[Supervisor],
        new_id: Any,
        off_shift: frozenset[uuid.UUID] = frozenset(),
    ) -> None:
        self.off_shift = off_shift
        self.conversations = dict(conversations)
        self.team_members = team_members
        self.emails = dict(emails)
        self.supervisors: dict[uuid.UUID, dict[uuid.UUID, Supervisor]] = {}
        for s in supervisors:
            self.supervisors.setdefault(s.organization_id, {})[s.id] = s
            self.emails.setdefault(s.id, s.email)
        self.clock_states: dict[uuid.UUID, str] = {}
        self.text = _Text()
        self.new_id = new_id
        self.out = Effects()

    def emit(self, conversation: Conversation, event_type: str, data: dict[str, Any]) -> None:
        self.out.events.append(PendingEvent(conversation.organization_id, event_type, data, conversation.id))

    def notify(
        self, conversation: Conversation, user_id: uuid.UUID, kind: str, title: str, body: str, data: dict[str, Any]
    ) -> None:
        note_id = self.new_id()
        self.out.notifications.append(
            NotificationRow(note_id, conversation.organization_id, user_id, kind, conversation.id, title, body, data)
        )
        self.emit(
            conversation,
            "notification",
            notification_event_data(note_id, user_id, kind, title, body, conversation.id, data),
        )

    def supervisor_on_shift(self, conversation: Conversation) -> Supervisor | None:
        """The supervisor to escalate to: among those on shift; when none is (no supervisor has a
        shift now), among all, as before rosters existed."""
        every = list(self.supervisors.get(conversation.organization_id, {}).values())
        return pick_supervisor([s for s in every if s.id not in self.off_shift]) or pick_supervisor(every)

    def on_shift_recipients(self, conversation: Conversation, *, assignee_first: bool) -> tuple[list[uuid.UUID], str]:
        """Whoever is on shift in the role the tier names: the assignee if on shift (with the team's
        on-shift agents when the tier names both), else the team's on-shift agents, else the on-shift
        supervisor. Returns the users and which role they were found in."""
        team = [
            u
            for u in (self.team_members.get(conversation.team_id, ()) if conversation.team_id else ())
            if u not in self.off_shift
        ]
        assignee = (
            [conversation.assignee_id]
            if conversation.assignee_id and conversation.assignee_id not in self.off_shift
            else []
        )
        if assignee and assignee_first:
            return assignee, "assignee"
        users = sorted(set(assignee) | set(team), key=lambda u: u.hex)
        if users:
            return users, "assignee and team" if assignee else "team on shift"
        supervisor = pick_supervisor(
            [s for s in self.supervisors.get(conversation.organization_id, {}).values() if s.id not in self.off_shift]
        )
        return ([supervisor.id], "supervisor on shift") if supervisor else ([], "nobody on shift")

    def reassign(self, conversation: Conversation, supervisor: Supervisor) -> Conversation:
        """Move the conversation to `supervisor`, keeping the open load that picks the next one true."""
        org = self.supervisors[conversation.organization_id]
        if conversation.status != "resolved":
            if conversation.assignee_id in org:
                old = org[conversation.assignee_id]
                org[old.id] = replace(old, open_load=old.open_load - 1)
            org[supervisor.id] = replace(org[supervisor.id], open_load=org[supervisor.id].open_load + 1)
        moved = replace(conversation, assignee_id=supervisor.id)
        self.conversations[conversation.id] = moved
        self.out.reassigned[conversation.id] = supervisor.id
        return moved

    def title_ref(self, conversation: Conversation) -> str:
        return conversation.order_external_id or conversation.subject or self.text[conversation.id][:8]

    def breach(self, conversation: Conversation, clock: Clock, data: dict[str, Any]) -> None:
        """The deadline passed: the clock ends overdue (once, however many of its breach timers the batch
        holds), `sla.overdue`, the assignee's notification, then `sla.updated`. Titles are formatted only
        when a notification is written (most breaches of a burst have nobody to notify)."""
        state = self.clock_states.get(clock.id, clock.state)
        if state == "running":
            state = "breached"
            self.clock_states[clock.id] = state
            assert clock.due_at is not None  # a running clock with a breach timer has a deadline
            self.out.breached_clocks[clock.id] = clock.due_at
        self.emit(conversation, "sla.overdue", data)
        if conversation.assignee_id:
            what = KIND_LABELS.get(clock.kind, clock.kind)
            title, body = f"Overdue: {self.title_ref(conversation)}", f"The {what} deadline passed without a reply."
            self.notify(conversation, conversation.assignee_id, "sla.overdue", title, body, data)
        # The deadline itself does not move (the clock stays open until answered); clients learn
        # that the state is now overdue without another query.
        deadline, due_soon = conversation.sla_deadline, conversation.sla_due_soon_at
        self.emit(
            conversation,
            "sla.updated",
            {
                "conversation_id": self.text[conversation.id],
                "sla_deadline": deadline.isoformat() if deadline else None,
                "sla_due_soon_at": due_soon.isoformat() if due_soon else None,
                "sla_state": "overdue",
                "changed_clock": {"id": self.text[clock.id], "kind": clock.kind, "state": state},
            },
        )

    def apply(self, timer: DueTimer, clock: Clock) -> None:
        conversation = self.conversations[clock.conversation_id]
        data = timer_event_data(conversation, clock, timer, self.text)
        if timer.action == "breach":
            self.breach(conversation, clock, data)
            return
        what = KIND_LABELS.get(clock.kind, clock.kind)
        title_ref = self.title_ref(conversation)
        self.emit(conversation, "sla.warning", data)
        if timer.action == "email_assignee" and conversation.assignee_id:
            recipients, _ = self.on_shift_recipients(conversation, assignee_first=True)
            due = f"{clock.due_at:%Y-%m-%d %H:%M}" if clock.due_at else "not set"
            for user_id in recipients:
                email = self.emails.get(user_id)
                if not email:
                    continue
                # The assignee's mail keeps the timer's key; a stand-in's names its recipient too.
                key = (
                    f"sla-timer:{timer.id}"
                    if user_id == conversation.assignee_id
                    else f"sla-timer:{timer.id}:{user_id}"
                )
                self.out.emails.append(
                    EmailRow(
                        organization_id=conversation.organization_id,
                        dedupe_key=key,
                        to_address=email,
                        subject=f"[Hourglass] Reply due: {title_ref}",
                        body=(
                            f"The {what} deadline for '{conversation.subject}' ({conversation.marketplace}) "
                            f"is {due} UTC.\n"
                            f"Policy: {clock.policy_name}.\n"
                            + (
                                ""
                                if user_id == conversation.assignee_id
                                else "Sent to you because its assignee is off shift.\n"
                            )
                        ),
                    )
                )
        elif timer.action == "notify_assignee_and_team":
            users, _ = self.on_shift_recipients(conversation, assignee_first=False)
            for user_id in users:
                title, body = f"About to breach: {title_ref}", f"The {what} deadline is at {clock.due_at:%H:%M} UTC."
                self.notify(conversation, user_id, "sla.due_soon", title, body, data)
        elif timer.action == "escalate_supervisor":
            supervisor = self.supervisor_on_shift(conversation)
            if supervisor is None:
                return
            previous = conversation.assignee_id
            conversation = self.reassign(conversation, supervisor)
            self.notify(
                conversation,
                supervisor.id,
                "sla.escalated",
                f"Escalated to you: {title_ref}",
                f"The {what} deadline is at {clock.due_at:%H:%M} UTC; it was assigned to someone else.",
                data,
            )
            if previous and previous != supervisor.id:
                self.notify(
                    conversation,
                    previous,
                    "sla.escalated",
                    f"Escalated to a supervisor: {title_ref}",
                    f"{supervisor.name} now owns this conversation.",
                    data,
                )
            self.out.audits.append(
                AuditRow(
                    conversation.organization_id,
                    str(conversation.id),
                    {"from": str(previous) if previous else None, "to": str(supervisor.id), "timer": timer.id},
                )
            )
            self.emit(conversation, "conversation.assigned", conversation_payload(conversation))


def plan(
    timers: Sequence[DueTimer],
    clocks: Mapping[uuid.UUID, Clock],
    conversations: Mapping[uuid.UUID, Conversation],
    *,
    team_members: Mapping[uuid.UUID, Sequence[uuid.UUID]],
    emails: Mapping[uuid.UUID, str],
    supervisors: Iterable[Supervisor],
    new_id: Any = uuid.uuid4,
    off_shift: frozenset[uuid.UUID] = frozenset(),
) -> Effects:
    """The effects of firing `timers` (in due order) against the rows read for them.

    `team_members` maps a team to its users, `emails` a user to their address (assignees of
    `email_assignee` timers), `supervisors` lists the active supervisors of the batch's organizations
    with their open load. `new_id` makes notification ids (injectable for tests). `off_shift`: the
    rostered users who are not on shift now; each tier goes to whoever is on shift in its role.
    """
    batch = _Batch(conversations, team_members, emails, supervisors, new_id, off_shift)
    for timer in sorted(timers, key=lambda t: (t.due_at, t.id)):
        batch.apply(timer, clocks[timer.clock_id])
    return batch.out
