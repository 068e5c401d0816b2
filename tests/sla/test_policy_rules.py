"""The policy choice and the escalation ladder as pure functions, over the built-in catalog (the
48 h Walmart rule, the 1 h BBB rule, the default) without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.sla.catalog import BUILTINS, DEFAULT_TIERS
from api.sla.policy import PolicyContext, choose, tier_due_times

CATALOG = [(b.key, b.position, b.conditions, b.name) for b in BUILTINS]
BY_KEY = {b.key: b for b in BUILTINS}


def ctx(marketplace: str, *, labels: frozenset[str] = frozenset(), category: str = "order_status") -> PolicyContext:
    return PolicyContext(
        marketplace=marketplace,
        channel_id="c1",
        category=category,
        priority="normal",
        customer_tier="regular",
        labels=labels,
    )


@pytest.mark.parametrize(
    ("marketplace", "key"),
    [("walmart", "walmart"), ("amazon", "amazon"), ("ebay", "ebay"), ("shopee", "shopee"), ("tiktok", "tiktok")],
)
def test_each_marketplace_gets_its_own_rule(marketplace: str, key: str) -> None:
    chosen = choose(CATALOG, ctx(marketplace))
    assert chosen.policy_id == key
    assert f"marketplace {marketplace}" in chosen.reason


def test_walmart_is_48_hours_and_a_bbb_label_wins_by_position() -> None:
    assert BY_KEY["walmart"].first_response_seconds == 48 * 3600
    chosen = choose(CATALOG, ctx("walmart", labels=frozenset({"bbb_complaint"})))
    assert chosen.policy_id == "walmart_bbb_ag_complaint" and "label bbb_complaint" in chosen.reason
    assert choose(CATALOG, ctx("api", labels=frozenset({"attorney_general_complaint"}))).policy_id == "bbb_ag_complaint"


def test_a_channel_without_a_rule_falls_to_the_default() -> None:
    chosen = choose(CATALOG, ctx("email"))
    assert chosen.policy_id == "default" and chosen.reason.endswith("as the default")


def test_no_default_is_an_error_not_a_silent_pass() -> None:
    with pytest.raises(LookupError):
        choose([p for p in CATALOG if p[0] != "default"], ctx("email"))


def test_position_then_name_orders_policies() -> None:
    policies = [("b", 5, {}, "B"), ("a", 5, {}, "A"), ("z", 1, {"marketplaces": ["ebay"]}, "Z")]
    assert choose(policies, ctx("walmart")).policy_id == "a"
    assert choose(policies, ctx("ebay")).policy_id == "z"


def test_default_ladder_scales_with_the_clock() -> None:
    start = datetime(2026, 12, 4, 9, tzinfo=UTC)
    tiers = tier_due_times(start, start + timedelta(hours=48), DEFAULT_TIERS)
    assert [(i, at - start, action) for i, at, action in tiers] == [
        (0, timedelta(hours=24), "email_assignee"),
        (1, timedelta(hours=36), "notify_assignee_and_team"),
        (2, timedelta(hours=44), "escalate_supervisor"),
    ]


def test_absolute_tiers_and_tiers_past_the_deadline() -> None:
    start = datetime(2026, 12, 4, 9, tzinfo=UTC)
    due = start + timedelta(hours=12)
    tiers = tier_due_times(
        start,
        due,
        [
            {"after_seconds": 6 * 3600, "action": "escalate_supervisor"},
            {"before_deadline_seconds": 3600, "action": "email_assignee"},
            {"after_seconds": 13 * 3600, "action": "email_assignee"},  # after the deadline: the breach is last
            {"before_deadline_seconds": 20 * 3600, "action": "notify_assignee_and_team"},  # before the start
        ],
    )
    assert tiers == [
        (0, start + timedelta(hours=6), "escalate_supervisor"),
        (1, due - timedelta(hours=1), "email_assignee"),
        (3, start, "notify_assignee_and_team"),
    ]
    with pytest.raises(ValueError):
        tier_due_times(start, due, [{"action": "email_assignee"}])
