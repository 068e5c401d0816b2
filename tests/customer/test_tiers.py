"""The tier rules of api/customer/tiers.py, on their edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from api.customer.tiers import OrderFact, TierRules, decide

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
RULES = TierRules()


def order(days_ago: float, amount: str | None = "40.00", currency: str | None = "USD", status: str = "delivered"):
    return OrderFact(NOW - timedelta(days=days_ago), status, currency, Decimal(amount) if amount else None)


def tier(orders, complaint_days_ago: float | None = None, rules: TierRules = RULES) -> str:
    complaint = NOW - timedelta(days=complaint_days_ago) if complaint_days_ago is not None else None
    return decide(orders, complaint, NOW, rules).tier


def test_no_orders_is_standard_not_new():
    decision = decide([], None, NOW, RULES)
    assert (decision.tier, decision.reason, decision.window_orders) == ("standard", "no orders yet", 0)


def test_first_order_is_new_until_new_days_pass():
    assert tier([order(29.9)]) == "new"
    assert tier([order(30)]) == "new"  # exactly at the boundary: still new
    assert tier([order(30.01)]) == "standard"


def test_vip_by_value_exactly_at_the_threshold():
    assert tier([order(10, "250.00"), order(20, "250.00")]) == "high_value"
    assert tier([order(10, "250.00"), order(20, "249.99")]) == "potential"


def test_vip_value_counts_only_the_rules_currency_and_the_window():
    assert tier([order(10, "900.00", "EUR"), order(20, "10.00")]) == "potential"
    assert tier([order(366, "900.00"), order(20, "10.00")]) == "standard"
    decision = decide([order(10, "900.00", "EUR"), order(20, "10.00")], None, NOW, RULES)
    assert decision.window_value == Decimal("10.00") and decision.window_orders == 2


def test_vip_by_count():
    assert tier([order(d, "1.00") for d in (40, 50, 60, 70, 80)]) == "high_value"
    assert tier([order(d, "1.00") for d in (40, 50, 60, 70)]) == "potential"


def test_cancelled_and_refunded_orders_count_for_nothing():
    assert tier([order(10, "900.00", status="Cancelled"), order(100, "10.00")]) == "standard"
    assert tier([order(10, "900.00", status="refunded")]) == "standard"


def test_lapsed_buyers_are_low_activity():
    assert tier([order(181), order(200)]) == "low_activity"
    assert tier([order(180), order(200)]) == "potential"  # the latest exactly at lapsed_days: a repeat buyer


def test_a_recent_complaint_outranks_everything():
    vip = [order(10, "900.00")]
    assert tier(vip, complaint_days_ago=3) == "at_risk"
    assert tier(vip, complaint_days_ago=60) == "at_risk"
    assert tier(vip, complaint_days_ago=61) == "high_value"
    assert tier([], complaint_days_ago=1) == "at_risk"


def test_orders_in_the_future_do_not_count_in_the_window():
    assert tier([order(-5, "900.00")]) == "new"


def test_rules_per_organization():
    generous = TierRules(vip_min_value=Decimal("50"), window_days=30, currency="EUR", new_days=0)
    assert tier([order(10, "60.00", "EUR"), order(100, "1.00", "EUR")], rules=generous) == "high_value"
    assert tier([order(1, "10.00", "EUR")], rules=generous) == "standard"


@pytest.mark.parametrize(
    "bad",
    [{"window_days": 0}, {"currency": "usd"}, {"vip_min_value": "-1"}, {"repeat_min_orders": 1}, {"other": 1}],
)
def test_rules_refuse_nonsense(bad):
    with pytest.raises(ValidationError):
        TierRules.model_validate(bad)
