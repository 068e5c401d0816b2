"""What a macro would change on a conversation, decided without I/O (pure, unit-tested directly).

The preview shows this plan and the apply carries it out, so what a person reads before applying is
what happens: only the fields whose value differs are listed, old -> new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.macro.schemas import MacroActions

MAX_LABELS = 50
_TITLES = {
    "status": "Status",
    "priority": "Priority",
    "category": "Category",
    "labels": "Labels",
    "assignee": "Assignee",
    "snooze": "Snooze",
}


@dataclass(frozen=True)
class Current:
    status: str
    priority: str
    category: str
    labels: list[str]
    assignee_id: uuid.UUID | None
    snoozed: bool
    snoozed_until: datetime | None


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass
class Plan:
    # The fields of `ConversationUpdate` that change (sent through the ordinary update, so sticky).
    updates: dict[str, Any] = field(default_factory=dict)
    snooze: bool = False
    snooze_until: datetime | None = None
    note: str | None = None
    changes: list[Change] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def target_assignee(actions: MacroActions, me: uuid.UUID | None) -> tuple[bool, uuid.UUID | None]:
    """(whether the macro sets the assignee, to whom)."""
    if actions.assign_to == "me":
        return True, me
    if actions.assign_to == "user":
        return True, actions.assignee_id
    if actions.assign_to == "nobody":
        return True, None
    return False, None


def new_labels(current: list[str], add: list[str], remove: list[str]) -> list[str]:
    removed = set(remove)
    kept = [label for label in current if label not in removed]
    return kept + [label for label in add if label not in kept and label not in removed]


def snooze_text(snoozed: bool, until: datetime | None) -> str | None:
    if not snoozed:
        return None
    return until.isoformat() if until else "until_reply"


def plan(actions: MacroActions, current: Current, me: uuid.UUID | None, now: datetime) -> Plan:
    p = Plan()
    for name in ("status", "priority", "category"):
        wanted = getattr(actions, name)
        if wanted is not None and wanted != getattr(current, name):
            p.updates[name] = wanted
            p.changes.append(Change(name, getattr(current, name), wanted))
    if actions.add_labels or actions.remove_labels:
        labels = new_labels(current.labels, actions.add_labels, actions.remove_labels)
        if labels != current.labels:
            if len(labels) > MAX_LABELS:
                p.problems.append(("actions.add_labels", f"the conversation would hold more than {MAX_LABELS} labels"))
            p.updates["labels"] = labels
            p.changes.append(Change("labels", ", ".join(current.labels), ", ".join(labels)))
    sets_assignee, assignee = target_assignee(actions, me)
    if sets_assignee and assignee != current.assignee_id:
        p.updates["assignee_id"] = assignee
        p.changes.append(
            Change(
                "assignee",
                str(current.assignee_id) if current.assignee_id else None,
                str(assignee) if assignee else None,
            )
        )
    if actions.snooze is not None:
        p.snooze = True
        p.snooze_until = now + timedelta(hours=actions.snooze.hours) if actions.snooze.hours else None
        p.changes.append(
            Change("snooze", snooze_text(current.snoozed, current.snoozed_until), snooze_text(True, p.snooze_until))
        )
    if actions.note:
        p.note = actions.note
        p.changes.append(Change("note", None, actions.note))
    return p


def words(change: Change, before_text: str | None, after_text: str | None) -> str:
    """The change as an English sentence (the SPA words it in the reader's language from the fields)."""
    if change.field == "note":
        return "Add an internal note"
    if change.field == "snooze":
        until = "until the buyer writes" if change.after == "until_reply" else f"until {after_text}"
        return f"Snooze {until}"
    return f"{_TITLES[change.field]}: {before_text or 'none'} -> {after_text or 'none'}"
