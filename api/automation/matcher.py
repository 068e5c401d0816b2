"""Whether an auto-reply rule's conditions hold for an inbound message, and why, as parts (pure).

The conditions themselves are tested by the one vocabulary of rule conditions, api.rules.conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.automation.explain import Part
from api.rules.conditions import (
    AUTO_REPLY_RULE,
    Facts,
    Held,
    in_business_hours,
    keyword_pattern,
    match,
    validate_pattern,
)

# What an auto-reply rule sees of a message: its text and time, the conversation's marketplace,
# channel, category and business calendar, the customer's tier.
MessageContext = Facts

__all__ = ["MessageContext", "evaluate", "in_business_hours", "keyword_pattern", "validate_pattern"]

# The held conditions an explanation names, in the order it names them (a channel or being the first
# message goes without saying).
_WORDING = (
    "outside_business_hours",
    "on_holiday",
    "keywords",
    "patterns",
    "marketplaces",
    "categories",
    "customer_tiers",
)


def _part(held: Held) -> Part:
    if held.name == "outside_business_hours":
        return Part("outside_business_hours")
    if held.name == "on_holiday":
        return Part("holiday", {"day": held.value})
    if held.name in ("keywords", "patterns"):
        return Part("keyword", {"keyword": held.value})
    if held.name == "marketplaces":
        return Part("marketplace", {"marketplace": held.value})
    if held.name == "categories":
        return Part("category", {"category": held.value})
    return Part("customer_tier", {"tier": held.value})


def evaluate(conditions: Mapping[str, Any], ctx: MessageContext) -> tuple[bool, list[Part]]:
    """(matched, why): every given condition must hold, absent ones are ignored; `why` lists what
    held when it matched (api.automation.explain words it)."""
    matched, held = match(conditions, ctx, AUTO_REPLY_RULE)
    if not matched:
        return False, []
    named = sorted((h for h in held if h.name in _WORDING), key=lambda h: _WORDING.index(h.name))
    return True, [_part(h) for h in named]
