"""The pure plan: only what differs is listed, labels add and remove in order, assignee `me`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from api.macro import plan as plans
from api.macro.schemas import MacroActions

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
ME = uuid.uuid4()


def current(**kw):
    base = dict(
        status="open",
        priority="normal",
        category="shipping",
        labels=["vip"],
        assignee_id=None,
        snoozed=False,
        snoozed_until=None,
    )
    return plans.Current(**{**base, **kw})


def test_only_fields_that_differ_change():
    p = plans.plan(MacroActions(status="open", priority="urgent"), current(), ME, NOW)
    assert p.updates == {"priority": "urgent"}
    assert [(c.field, c.before, c.after) for c in p.changes] == [("priority", "normal", "urgent")]


def test_labels_added_and_removed_keep_order_and_no_duplicates():
    p = plans.plan(MacroActions(add_labels=["late", "vip"], remove_labels=["x"]), current(labels=["vip", "x"]), ME, NOW)
    assert p.updates == {"labels": ["vip", "late"]}
    assert p.changes[0].before == "vip, x" and p.changes[0].after == "vip, late"


def test_labels_past_the_limit_are_a_problem():
    many = [f"l{i}" for i in range(50)]
    p = plans.plan(MacroActions(add_labels=["one-more"]), current(labels=many), ME, NOW)
    assert p.problems and p.problems[0][0] == "actions.add_labels"


def test_assign_to_me_is_whoever_applies():
    p = plans.plan(MacroActions(assign_to="me"), current(), ME, NOW)
    assert p.updates == {"assignee_id": ME}
    assert plans.plan(MacroActions(assign_to="me"), current(assignee_id=ME), ME, NOW).updates == {}
    p = plans.plan(MacroActions(assign_to="nobody"), current(assignee_id=ME), ME, NOW)
    assert p.updates == {"assignee_id": None}


def test_snooze_counts_from_now_or_until_the_buyer_writes():
    p = plans.plan(MacroActions.model_validate({"snooze": {"hours": 24}}), current(), ME, NOW)
    assert p.snooze and p.snooze_until == NOW + timedelta(hours=24)
    p = plans.plan(MacroActions.model_validate({"snooze": {}}), current(), ME, NOW)
    assert p.snooze and p.snooze_until is None
    assert p.changes[0].after == "until_reply"
    assert plans.words(p.changes[0], None, "until the buyer writes") == "Snooze until the buyer writes"


def test_words_name_the_field_with_old_and_new():
    change = plans.Change("priority", "normal", "urgent")
    assert plans.words(change, "Normal", "Urgent") == "Priority: Normal -> Urgent"
    assert plans.words(plans.Change("assignee", None, "x"), None, "Li Na") == "Assignee: none -> Li Na"
