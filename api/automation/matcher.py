"""Whether an auto-reply rule's conditions hold for an inbound message (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.automation.explain import Part
from api.sla.calendar import BusinessCalendar, business_elapsed

MAX_PATTERN_LENGTH = 200


@dataclass(frozen=True)
class MessageContext:
    text: str
    marketplace: str
    channel_id: str
    category: str
    customer_tier: str
    first_message: bool
    sent_at: datetime
    calendar: BusinessCalendar | None = None
    labels: frozenset[str] = field(default_factory=frozenset)


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """English keywords match as whole words or phrases, allowing common endings ("return" matches
    "returns" and "returned", never "nonreturnable"); Chinese ones match as substrings, since Chinese
    has no spaces between words."""
    escaped = re.escape(keyword.strip())
    if keyword.isascii():
        return re.compile(rf"(?<![A-Za-z0-9]){escaped}(?:s|es|ed|ing)?(?![A-Za-z0-9])", re.IGNORECASE)
    return re.compile(escaped)


def in_business_hours(calendar: BusinessCalendar, at: datetime) -> bool:
    """Open at `at`: some working time lies in the minute starting at `at`."""
    from datetime import timedelta

    return business_elapsed(at, at + timedelta(seconds=1), calendar).total_seconds() > 0


def evaluate(conditions: Mapping[str, Any], ctx: MessageContext) -> tuple[bool, list[Part]]:
    """(matched, why): every given condition must hold, absent ones are ignored; `why` lists what
    held when it matched (api.automation.explain words it)."""
    why: list[Part] = []
    if conditions.get("marketplaces") and ctx.marketplace not in conditions["marketplaces"]:
        return False, []
    if conditions.get("channel_ids") and ctx.channel_id not in conditions["channel_ids"]:
        return False, []
    if conditions.get("categories") and ctx.category not in conditions["categories"]:
        return False, []
    if conditions.get("customer_tiers") and ctx.customer_tier not in conditions["customer_tiers"]:
        return False, []
    if conditions.get("first_message_only") and not ctx.first_message:
        return False, []
    if conditions.get("outside_business_hours"):
        # No business calendar: business hours cannot be told, so the condition does not hold.
        if ctx.calendar is None or in_business_hours(ctx.calendar, ctx.sent_at):
            return False, []
        why.append(Part("outside_business_hours"))
    if conditions.get("on_holiday"):
        if ctx.calendar is None:
            return False, []
        local_day = ctx.sent_at.astimezone(ctx.calendar.zone).date()
        if not ctx.calendar.is_holiday(local_day):
            return False, []
        why.append(Part("holiday", {"day": local_day.isoformat()}))
    keywords = conditions.get("keywords") or []
    patterns = conditions.get("patterns") or []
    if keywords or patterns:
        hit = next((k for k in keywords if keyword_pattern(k).search(ctx.text)), None)
        if hit is None:
            hit = next((p for p in patterns if re.search(p, ctx.text, re.IGNORECASE)), None)
        if hit is None:
            return False, []
        why.append(Part("keyword", {"keyword": hit}))
    if conditions.get("marketplaces"):
        why.append(Part("marketplace", {"marketplace": ctx.marketplace}))
    if conditions.get("categories"):
        why.append(Part("category", {"category": ctx.category}))
    if conditions.get("customer_tiers"):
        why.append(Part("customer_tier", {"tier": ctx.customer_tier}))
    return True, why


def validate_pattern(pattern: str) -> str | None:
    """A reason the regex is refused, or None. Patterns are user input run on every message."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"at most {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    # Nested quantifiers are the classic catastrophic-backtracking shape.
    if re.search(r"\([^)]*[+*][^)]*\)[+*{]", pattern):
        return "nested repetition (e.g. (a+)+) is not allowed"
    return None
