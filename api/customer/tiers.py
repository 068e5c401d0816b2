"""Customer tiers from orders and complaints (the tiers Chinese sellers name: 高价值 / 潜力 / 低活跃). Pure: no I/O.

A profile's tier is decided from every order of every identity merged into it, in this order:

1. at_risk      a complaint within `at_risk_days` (complaints go to the owner at once;
                an at-risk buyer is one to win back, whatever they spent);
2. high_value   (VIP) order value in the window at least `vip_min_value` in the rules' currency,
                or at least `vip_min_orders` orders in the window;
3. new          the first order ever is within `new_days`, and it is the only one;
4. low_activity orders exist, but the latest is older than `lapsed_days`;
5. potential    a repeat buyer: at least `repeat_min_orders` orders in the window;
6. standard     everyone else (also a buyer with no order yet: nothing to judge by).

Cancelled and refunded orders count for nothing. Values in other currencies than the rules' are
not converted (no exchange rates here); they still count as orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import ConfigDict, Field

from api.kit.schema import RequestModel

# Statuses of orders that did not stay sold (the ERP's and the sandbox's spellings, lower-cased).
VOID_STATUSES = frozenset({"cancelled", "canceled", "refunded", "returned"})


class TierRules(RequestModel):
    """An organization's thresholds; the defaults suit a small cross-border store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=365, ge=1, le=3650, description="Orders counted for value and count")
    currency: str = Field(default="USD", min_length=3, max_length=3, pattern="^[A-Z]{3}$")
    vip_min_value: Decimal = Field(default=Decimal("500"), ge=0, le=Decimal("100000000"), decimal_places=2)
    vip_min_orders: int = Field(default=5, ge=1, le=100_000)
    repeat_min_orders: int = Field(default=2, ge=2, le=100_000)
    new_days: int = Field(default=30, ge=0, le=3650)
    lapsed_days: int = Field(default=180, ge=1, le=3650)
    at_risk_days: int = Field(default=60, ge=0, le=3650, description="How long a complaint marks a buyer at risk")


@dataclass(frozen=True)
class OrderFact:
    at: datetime  # placed_at, or when the ERP first sent it
    status: str
    currency: str | None
    amount: Decimal | None


@dataclass(frozen=True)
class TierDecision:
    tier: str
    reason: str
    window_value: Decimal
    window_orders: int


def decide(
    orders: list[OrderFact], last_complaint_at: datetime | None, now: datetime, rules: TierRules
) -> TierDecision:
    kept = sorted((o for o in orders if o.status.lower() not in VOID_STATUSES), key=lambda o: o.at)
    window_start = now - timedelta(days=rules.window_days)
    in_window = [o for o in kept if window_start <= o.at <= now]
    value = sum((o.amount for o in in_window if o.amount is not None and o.currency == rules.currency), Decimal("0"))
    count = len(in_window)

    def decision(tier: str, reason: str) -> TierDecision:
        return TierDecision(tier, reason, value, count)

    if last_complaint_at is not None and now - last_complaint_at <= timedelta(days=rules.at_risk_days):
        return decision("at_risk", f"complaint on {last_complaint_at.date().isoformat()}")
    if count and value >= rules.vip_min_value:
        return decision(
            "high_value", f"{rules.currency} {value:,.2f} in {rules.window_days} days (≥ {rules.vip_min_value:,.2f})"
        )
    if count >= rules.vip_min_orders:
        return decision("high_value", f"{count} orders in {rules.window_days} days (≥ {rules.vip_min_orders})")
    if not kept:
        return decision("standard", "no orders yet")
    if len(kept) == 1 and now - kept[0].at <= timedelta(days=rules.new_days):
        return decision("new", f"first order on {kept[0].at.date().isoformat()}")
    if now - kept[-1].at > timedelta(days=rules.lapsed_days):
        return decision("low_activity", f"last order on {kept[-1].at.date().isoformat()}")
    if count >= rules.repeat_min_orders:
        return decision("potential", f"{count} orders in {rules.window_days} days")
    return decision("standard", f"{count} order(s) in {rules.window_days} days")
