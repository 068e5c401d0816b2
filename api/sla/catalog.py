"""Built-in SLA policies, one per marketplace rule, each with the source of its rule.

Organizations get a copy of these on first use and may edit targets or add their own policies;
the `builtin_key` ties an edited copy back to its origin. Each figure cites the marketplace's own
words in its `source`.

The catalog is also the one home of each marketplace's own rule on automatic replies
(`AUTOMATION_COUNTS`): it is read off the built-in policy the marketplace's conversations fall under,
so the table that reports cite cannot disagree with the policies that time the waits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.models.channel import MARKETPLACES
from api.sla.policy import PolicyContext, choose

HOUR = 3600

# The escalation ladder for a 24 h clock: 12 h email the assignee, 18 h "about to breach" in-app to the
# assignee and team, 22 h escalate to a supervisor. Expressed as fractions so other durations scale.
DEFAULT_TIERS: tuple[dict[str, Any], ...] = (
    {"at_fraction": 12 / 24, "action": "email_assignee"},
    {"at_fraction": 18 / 24, "action": "notify_assignee_and_team"},
    {"at_fraction": 22 / 24, "action": "escalate_supervisor"},
)
TIER_ACTIONS = ("email_assignee", "notify_assignee_and_team", "escalate_supervisor")
# The "about to breach" point: the list shows the conversation amber from here on.
DUE_SOON_FRACTION = 18 / 24


@dataclass(frozen=True)
class BuiltinPolicy:
    key: str
    name: str
    source: str
    first_response_seconds: int
    next_response_seconds: int | None
    automation_counts: bool
    conditions: dict[str, list[str]] = field(default_factory=dict)
    position: int = 100
    tiers: tuple[dict[str, Any], ...] = DEFAULT_TIERS


BUILTINS: tuple[BuiltinPolicy, ...] = (
    BuiltinPolicy(
        key="walmart_bbb_ag_complaint",
        name="Walmart — BBB / Attorney General complaint (1 h)",
        source="Walmart Customer Care Policy: BBB or Attorney General complaints need a response within 1 hour.",
        first_response_seconds=1 * HOUR,
        next_response_seconds=1 * HOUR,
        automation_counts=False,
        conditions={"marketplaces": ["walmart"], "labels_any": ["bbb_complaint", "attorney_general_complaint"]},
        position=10,
    ),
    BuiltinPolicy(
        key="bbb_ag_complaint",
        name="BBB / Attorney General complaint, any channel (1 h)",
        source="Walmart Customer Care Policy's 1-hour rule for Better Business Bureau or Attorney General complaints, "
        "applied by Hourglass on every other channel too: an ERP's `api` channel or a mailbox "
        "may carry Walmart's mail, and no marketplace publishes a longer target for a legal complaint. The label "
        "comes from the marketplace (Walmart's escalations address, an ERP's push) or from the buyer's own words.",
        first_response_seconds=1 * HOUR,
        next_response_seconds=1 * HOUR,
        automation_counts=False,
        conditions={"labels_any": ["bbb_complaint", "attorney_general_complaint"]},
        position=15,
    ),
    BuiltinPolicy(
        key="walmart",
        name="Walmart (48 h, weekends and days off included)",
        source="Walmart Customer Care Policy: 'send a high-quality response within 48 hours of receipt including "
        "weekends and Additional Days Off'; auto-replies do not qualify.",
        first_response_seconds=48 * HOUR,
        next_response_seconds=48 * HOUR,
        automation_counts=False,
        conditions={"marketplaces": ["walmart"]},
        position=20,
    ),
    BuiltinPolicy(
        key="amazon",
        name="Amazon (24 h, weekends and holidays included)",
        source="Amazon Seller Central: 'Respond to buyer messages within 24 hours, including weekends "
        "and holidays. Auto-responders are not considered a valid response.'.",
        first_response_seconds=24 * HOUR,
        next_response_seconds=24 * HOUR,
        automation_counts=False,
        conditions={"marketplaces": ["amazon"]},
        position=30,
    ),
    BuiltinPolicy(
        key="shopee",
        name="Shopee (12 h chat response)",
        source="Shopee Chat Response Rate counts replies within 12 hours; system auto-replies are excluded "
        "(third-party sources).",
        first_response_seconds=12 * HOUR,
        next_response_seconds=12 * HOUR,
        automation_counts=False,
        conditions={"marketplaces": ["shopee"]},
        position=40,
    ),
    BuiltinPolicy(
        key="tiktok",
        name="TikTok Shop (24 h, FAQ automation counts)",
        source="TikTok Shop performance API: share of sessions with a first response within 24 h; 'Automated "
        "responses such as FAQ cards are regarded as responses'.",
        first_response_seconds=24 * HOUR,
        next_response_seconds=24 * HOUR,
        automation_counts=True,
        conditions={"marketplaces": ["tiktok"]},
        position=50,
    ),
    BuiltinPolicy(
        key="ebay",
        name="eBay (internal target, default 24 h)",
        source="eBay has no message-response-time metric; the hub sets a configurable target.",
        first_response_seconds=24 * HOUR,
        next_response_seconds=24 * HOUR,
        automation_counts=False,
        conditions={"marketplaces": ["ebay"]},
        position=60,
    ),
    BuiltinPolicy(
        key="default",
        name="Default (24 h)",
        source="Hourglass default for channels without a marketplace rule (email, ERP-pushed `api` channels).",
        first_response_seconds=24 * HOUR,
        next_response_seconds=24 * HOUR,
        automation_counts=False,
        conditions={},
        position=1000,
    ),
)


def builtin_for(marketplace: str) -> BuiltinPolicy:
    """The built-in policy a conversation of this marketplace falls under when nothing else about it
    (labels, category, tier) is known: the policy that states the marketplace's own rule."""
    candidates = ((builtin, builtin.position, builtin.conditions, builtin.name) for builtin in BUILTINS)
    chosen: BuiltinPolicy = choose(candidates, PolicyContext(marketplace=marketplace)).policy_id
    return chosen


# Whether the marketplace's response metrics count automatic replies (TikTok counts FAQ automation;
# Amazon, "auto-responders are not considered a valid response", Walmart and Shopee do not), as its
# built-in policy says. What stops a clock is the policy's own setting (`api.sla.service.reply_counts`);
# this table is the marketplace's rule that reports cite, and the fallback for clocks whose policy
# snapshot predates the setting.
AUTOMATION_COUNTS: dict[str, bool] = {
    marketplace: builtin_for(marketplace).automation_counts for marketplace in MARKETPLACES
}


def automation_counts_on(marketplace: str) -> bool:
    counts = AUTOMATION_COUNTS.get(marketplace)
    return counts if counts is not None else builtin_for(marketplace).automation_counts


# Response-rate thresholds the dashboard compares against (rate must stay at or above).
RESPONSE_RATE_THRESHOLDS: dict[str, tuple[float, str]] = {
    "walmart": (0.95, "Seller Response Rate must stay above 95% (Walmart Customer Care Policy)"),
    "amazon": (0.90, "older published target: 90% answered within 24 h (Amazon, third-party quote)"),
    "shopee": (0.90, "recommended Chat Response Rate of at least 90% (Shopee, third-party sources)"),
    "tiktok": (0.90, "12-hour response rate of at least 90% (TikTok Shop, third-party sources, unverified)"),
}


def is_builtin_name(builtin_key: str | None, name: str | None) -> bool:
    """Whether `name` is still the built-in policy's own (the SPA then words it in the reader's language)."""
    builtin = next((b for b in BUILTINS if b.key == builtin_key), None)
    return builtin is not None and builtin.name == name


def is_builtin_source(builtin_key: str | None, source: str | None) -> bool:
    builtin = next((b for b in BUILTINS if b.key == builtin_key), None)
    return builtin is not None and builtin.source == source
