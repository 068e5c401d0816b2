"""The pure rules of cases: state machines, clock placement and effects, the follow-up decision."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.case import clock_rules, followup_rules, states
from api.compliance.rules import check_message, proactive_contact

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", states.KINDS)
def test_every_reachable_state_of_every_kind_can_reach_closed(kind):
    reachable = states.reachable(kind)
    assert states.CLOSED in reachable
    for state in reachable - {states.CLOSED}:
        assert states.allowed_from(kind, state), f"{kind}: {state} is a dead end"
        # and closed is reachable from it
        seen, todo = {state}, [state]
        while todo:
            for nxt in states.allowed_from(kind, todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert states.CLOSED in seen, f"{kind}: {state} cannot reach closed"
    assert reachable <= set(states.STATES)


def test_return_walks_requested_to_closed_through_the_item_coming_back():
    path = ["requested", "approved", "item_shipped_back", "received", "refunded", "closed"]
    for a, b in itertools.pairwise(path):
        states.check("return", a, b)


def test_refused_transitions_name_both_states_and_the_allowed_ones():
    with pytest.raises(states.TransitionRefused) as info:
        states.check("return", "requested", "refunded")
    assert (info.value.current, info.value.requested) == ("requested", "refunded")
    assert "'requested'" in str(info.value) and "'refunded'" in str(info.value)
    assert "approved" in str(info.value)


@pytest.mark.parametrize(
    ("kind", "current", "requested"),
    [
        ("return", "closed", "requested"),  # closed is final
        ("refund", "requested", "item_shipped_back"),  # a refund has no item coming back
        ("claim", "requested", "approved"),  # a claim is answered (refund or contest), not approved
        ("cancellation", "requested", "approved"),
        ("reship", "approved", "refunded"),
        ("return", "requested", "requested"),  # no self-loop
        ("return", "refunded", "refunded"),
    ],
)
def test_disallowed_steps(kind, current, requested):
    with pytest.raises(states.TransitionRefused):
        states.check(kind, current, requested)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        states.check("exchange", "requested", "approved")


def test_only_requested_is_unhandled():
    assert not states.is_handled("requested")
    assert all(states.is_handled(s) for s in states.STATES if s != "requested")


def test_return_handling_clock_is_six_hours_and_a_claim_alerts_at_once():
    due, timers = clock_rules.plan_timers(T0, clock_rules.handling_seconds("return", None), None)
    assert due == T0 + timedelta(hours=6)
    assert timers == [(clock_rules.TIER_HANDLING_OVERDUE, T0 + timedelta(hours=6), "handling_overdue")]
    due, timers = clock_rules.plan_timers(T0, clock_rules.handling_seconds("claim", None), None)
    assert timers == [(clock_rules.TIER_ALERT_OWNER, T0, "alert_owner")]


def test_organization_targets_override_the_defaults():
    assert clock_rules.handling_seconds("return", {"return": 3600}) == 3600
    assert clock_rules.handling_seconds("refund", {"return": 3600}) == 6 * 3600


def test_marketplace_deadline_adds_a_due_soon_tier_and_a_breach():
    deadline = T0 + timedelta(days=3)
    _, timers = clock_rules.plan_timers(T0, 6 * 3600, deadline)
    assert (clock_rules.TIER_DEADLINE_DUE_SOON, deadline - timedelta(hours=24), "deadline_due_soon") in timers
    assert (clock_rules.TIER_DEADLINE_OVERDUE, deadline, "deadline_overdue") in timers
    # A short span puts "due soon" half way; a deadline in the past fires at once.
    _, timers = clock_rules.plan_timers(T0, 6 * 3600, T0 + timedelta(hours=10))
    assert (clock_rules.TIER_DEADLINE_DUE_SOON, T0 + timedelta(hours=5), "deadline_due_soon") in timers
    _, timers = clock_rules.plan_timers(T0, 6 * 3600, T0 - timedelta(hours=1))
    assert (clock_rules.TIER_DEADLINE_OVERDUE, T0, "deadline_overdue") in timers
    assert not any(t[2] == "deadline_due_soon" for t in timers)
    assert clock_rules.next_deadline(T0 + timedelta(hours=6), deadline) == T0 + timedelta(hours=6)
    assert clock_rules.next_deadline(None, None) is None


def _case(owner: uuid.UUID | None, org: uuid.UUID) -> clock_rules.CaseRow:
    return clock_rules.CaseRow(
        id=uuid.uuid4(),
        organization_id=org,
        kind="return",
        state="requested",
        marketplace="walmart",
        conversation_id=uuid.uuid4(),
        order_external_id="1234",
        marketplace_case_id=None,
        marketplace_deadline=None,
        handling_due_at=T0 + timedelta(hours=6),
        created_at=T0,
        owner_id=owner,
    )


def test_handling_overdue_alerts_the_online_least_loaded_supervisor_by_app_and_mail():
    org = uuid.uuid4()
    busy = clock_rules.Supervisor(uuid.uuid4(), org, "busy@x.test", True, 9)
    free = clock_rules.Supervisor(uuid.uuid4(), org, "free@x.test", True, 1)
    away = clock_rules.Supervisor(uuid.uuid4(), org, "away@x.test", False, 0)
    case = _case(uuid.uuid4(), org)
    timer = clock_rules.DueCaseTimer(7, clock_rules.TIER_HANDLING_OVERDUE, "handling_overdue", T0, T0)
    out = clock_rules.plan([(timer, case)], [busy, free, away], {})
    assert [(n.user_id, n.kind) for n in out.notices] == [(free.id, "case.overdue")]
    assert [m.to_address for m in out.mails] == ["free@x.test"]
    assert [e.event_type for e in out.events] == ["case.overdue"]
    assert out.overdue == {case.id: T0}


def test_claim_goes_to_its_owner_at_once_else_to_a_supervisor():
    org = uuid.uuid4()
    owner = uuid.uuid4()
    sup = clock_rules.Supervisor(uuid.uuid4(), org, "sup@x.test", True, 0)
    timer = clock_rules.DueCaseTimer(1, clock_rules.TIER_ALERT_OWNER, "alert_owner", T0, T0)
    out = clock_rules.plan([(timer, _case(owner, org))], [sup], {owner: "owner@x.test"})
    assert [n.user_id for n in out.notices] == [owner]
    assert [m.to_address for m in out.mails] == ["owner@x.test"]
    out = clock_rules.plan([(timer, _case(None, org))], [sup], {})
    assert [n.user_id for n in out.notices] == [sup.id]
    # No supervisor, no owner: the event is still emitted for subscribers.
    out = clock_rules.plan([(timer, _case(None, org))], [], {})
    assert out.notices == [] and [e.event_type for e in out.events] == ["case.escalated"]


def test_followup_is_not_allowed_on_amazon_and_walmart_and_scheduled_elsewhere():
    closed = T0
    for marketplace in ("amazon", "walmart"):
        d = followup_rules.decide(
            enabled=True, template_configured=True, marketplace=marketplace, closed_at=closed, days=3, violations=[]
        )
        assert d.state == "not_allowed" and d.due_at is None
        assert d.reason.startswith("not allowed:")
    assert "unsolicited" in proactive_contact("walmart").reason
    d = followup_rules.decide(
        enabled=True, template_configured=True, marketplace="ebay", closed_at=closed, days=3, violations=[]
    )
    assert d.state == "scheduled" and d.due_at == closed + timedelta(days=3)


def test_followup_template_that_breaks_the_marketplace_rules_is_not_sent():
    violations = check_message("Please leave us a 5-star review!", "ebay")
    d = followup_rules.decide(
        enabled=True, template_configured=True, marketplace="ebay", closed_at=T0, days=3, violations=violations
    )
    # eBay's review rule may be a warning only; a link is an error there only if the table says so.
    blocking = [v for v in violations if v.severity == "error"]
    assert (d.state == "not_allowed") == bool(blocking)
    violations = check_message("", "shopee")
    d = followup_rules.decide(
        enabled=True, template_configured=True, marketplace="shopee", closed_at=T0, days=3, violations=violations
    )
    assert d.state == "not_allowed" and "rules" in d.reason


def test_followup_switched_off_or_without_template_is_none():
    d = followup_rules.decide(
        enabled=False, template_configured=True, marketplace="ebay", closed_at=T0, days=3, violations=None
    )
    assert d.state == "none"
    d = followup_rules.decide(
        enabled=True, template_configured=False, marketplace="ebay", closed_at=T0, days=3, violations=None
    )
    assert d.state == "none"


def test_buyer_writing_after_closing_cancels_the_followup():
    assert followup_rules.buyer_wrote_since(T0 + timedelta(minutes=1), T0)
    assert not followup_rules.buyer_wrote_since(T0 - timedelta(minutes=1), T0)
    assert not followup_rules.buyer_wrote_since(None, T0)


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok", "email"])
def test_a_follow_up_may_carry_no_link_marketing_or_review_request_anywhere(marketplace):
    from api.compliance.rules import check_proactive, has_blocking

    assert check_proactive("Hello, did the replacement solve the problem?", marketplace) == []
    for text in ("Please leave a 5-star review", "Use coupon SAVE10 on your next order", "请给我们好评"):
        assert has_blocking(check_proactive(text, marketplace)), (marketplace, text)
    # A link only warns in a reply on eBay, but blocks a follow-up.
    if marketplace == "ebay":
        text = "See https://my-shop.example.com"
        assert not has_blocking(check_message(text, "ebay"))
        assert has_blocking(check_proactive(text, "ebay"))
