"""Whether a rule's conditions hold for a conversation or a message (pure): the one vocabulary of
SLA policies, assignment rules and auto-reply rules.

Conditions are a JSON object stored with the rule; each name tests one fact (`Facts`):

    name                     holds when                                              fact
    marketplaces             the fact is one of the listed values                    marketplace
    channel_ids              (the same)                                              channel_id
    categories               (the same)                                              category
    priorities               (the same)                                              priority
    customer_tiers           (the same)                                              customer_tier
    languages                (the same)                                              language
    labels_any               the conversation carries at least one listed label      labels
    keywords, patterns       one keyword or one regular expression is found          text
    first_message_only       (when true) the message opens the conversation          first_message
    outside_business_hours   (when true) sent while the business calendar is closed  sent_at, calendar
    on_holiday               (when true) sent on one of the calendar's holidays      sent_at, calendar

Every given condition must hold (all); within one list, one value is enough (any). `keywords` and
`patterns` together are one condition: any keyword or any pattern will do.

Each kind of rule reads part of the vocabulary (`SLA_POLICY`, `ASSIGNMENT_RULE`, `AUTO_REPLY_RULE`,
which the request schemas are checked against). How the three matchers this module replaced were
settled where they differed, or could have:

- An absent, empty or false condition is no condition, and no conditions match everything (all three
  agreed).
- Values compare exactly, case included (all three). Keywords are English whole words or phrases,
  case-insensitive, with common endings, or Chinese substrings (`keyword_pattern`); patterns are
  case-insensitive.
- A fact that is not known (None) never satisfies a condition on it: an auto-reply rule about business
  hours does not fire when the conversation has no business calendar, as before. Defaults belong to
  the caller: routing treats a conversation whose language was not detected as English.
- A name outside the rule kind's vocabulary: an SLA policy never matches (as before: a policy whose
  condition cannot be tested must not take conversations from the policies below it), while assignment
  and auto-reply rules ignore the name (as before). This is the one difference kept, as
  `Vocabulary.ignore_unknown_names`.
- Stored JSON the request schemas would refuse never raises: conditions that are not an object, a list
  condition that is not a list, a listed value of the wrong type, a regular expression that does not
  compile or that `validate_pattern` refuses. The condition (or that value) simply does not hold.
  Before, these raised (a 500 while choosing a policy, routing or answering) or, for a string where a
  list belongs, matched by substring.
- Flags keep their truthiness: any true-ish JSON value switches one on, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.sla.calendar import BusinessCalendar, business_elapsed

MAX_PATTERN_LENGTH = 200


@dataclass(frozen=True)
class Facts:
    """What conditions are tested against. None: not known to the caller."""

    marketplace: str | None = None
    channel_id: str | None = None
    category: str | None = None
    priority: str | None = None
    customer_tier: str | None = None
    language: str | None = None
    labels: frozenset[str] = field(default_factory=frozenset)
    text: str = ""
    first_message: bool | None = None
    sent_at: datetime | None = None
    calendar: BusinessCalendar | None = None


@dataclass(frozen=True)
class Held:
    """A condition that held, and the value that satisfied it: the fact's value, the label or the
    keyword found, the local day of the holiday; empty for the other flags."""

    name: str
    value: str = ""


@dataclass(frozen=True)
class Vocabulary:
    names: frozenset[str]
    ignore_unknown_names: bool


# The list conditions that name one fact each.
_ONE_OF = {
    "marketplaces": "marketplace",
    "channel_ids": "channel_id",
    "categories": "category",
    "priorities": "priority",
    "customer_tiers": "customer_tier",
    "languages": "language",
}
_TEXT = ("keywords", "patterns")

SLA_POLICY = Vocabulary(
    frozenset({"marketplaces", "channel_ids", "categories", "priorities", "customer_tiers", "labels_any"}),
    ignore_unknown_names=False,
)
ASSIGNMENT_RULE = Vocabulary(
    frozenset({"categories", "keywords", "marketplaces", "languages", "customer_tiers"}),
    ignore_unknown_names=True,
)
AUTO_REPLY_RULE = Vocabulary(
    frozenset(
        {
            "outside_business_hours",
            "on_holiday",
            "keywords",
            "patterns",
            "marketplaces",
            "channel_ids",
            "categories",
            "customer_tiers",
            "first_message_only",
        }
    ),
    ignore_unknown_names=True,
)


def match(conditions: object, facts: Facts, vocabulary: Vocabulary) -> tuple[bool, list[Held]]:
    """(matched, held): whether every given condition holds; when it does, what held, in the order
    the conditions are stored (a policy's explanation follows its conditions)."""
    if not isinstance(conditions, Mapping):
        return False, []
    given: list[tuple[int, str, Any]] = []
    for index, (name, value) in enumerate(conditions.items()):
        if not value:
            continue
        if name not in vocabulary.names:
            if vocabulary.ignore_unknown_names:
                continue
            return False, []
        given.append((index, name, value))
    held: list[tuple[int, Held]] = []
    text_tested = False
    # Cheap tests first, so a rule for another marketplace never runs its regular expressions.
    for index, name, value in sorted(given, key=lambda g: (g[1] in _TEXT, g[0])):
        if name in _TEXT:
            if text_tested:
                continue
            text_tested = True
            index = min(i for i, n, _ in given if n in _TEXT)
            found = _text_hit(conditions, facts, vocabulary)
        else:
            found = _holds(name, value, facts)
        if found is None:
            return False, []
        held.append((index, found))
    return True, [h for _, h in sorted(held, key=lambda pair: pair[0])]


def _listed(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _holds(name: str, value: Any, facts: Facts) -> Held | None:
    if name in _ONE_OF:
        fact = getattr(facts, _ONE_OF[name])
        return Held(name, fact) if fact is not None and fact in _listed(value) else None
    if name == "labels_any":
        listed = _listed(value)
        hits = sorted(label for label in facts.labels if label in listed)
        return Held(name, hits[0]) if hits else None
    if name == "first_message_only":
        return Held(name) if facts.first_message else None
    if facts.calendar is None or facts.sent_at is None:
        return None  # business hours and holidays cannot be told
    if name == "outside_business_hours":
        return None if in_business_hours(facts.calendar, facts.sent_at) else Held(name)
    if name == "on_holiday":
        local_day = facts.sent_at.astimezone(facts.calendar.zone).date()
        return Held(name, local_day.isoformat()) if facts.calendar.is_holiday(local_day) else None
    raise AssertionError(f"condition {name!r} is in a vocabulary but has no test")


def _text_hit(conditions: Mapping[str, Any], facts: Facts, vocabulary: Vocabulary) -> Held | None:
    def listed(name: str) -> list[str]:
        if name not in vocabulary.names:
            return []
        return [item for item in _listed(conditions.get(name)) if isinstance(item, str)]

    keyword = next((k for k in listed("keywords") if keyword_pattern(k).search(facts.text)), None)
    if keyword is not None:
        return Held("keywords", keyword)
    pattern = next((p for p in listed("patterns") if _pattern_found(p, facts.text)), None)
    return Held("patterns", pattern) if pattern is not None else None


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """English keywords match as whole words or phrases, allowing common endings ("return" matches
    "returns" and "returned", never "nonreturnable"); Chinese ones match as substrings, since Chinese
    has no spaces between words."""
    escaped = re.escape(keyword.strip())
    if keyword.isascii():
        return re.compile(rf"(?<![A-Za-z0-9]){escaped}(?:s|es|ed|ing)?(?![A-Za-z0-9])", re.IGNORECASE)
    return re.compile(escaped)


def _pattern_found(pattern: str, text: str) -> bool:
    # A stored pattern the API would refuse today (it may predate the check) matches nothing.
    if validate_pattern(pattern) is not None:
        return False
    return re.search(pattern, text, re.IGNORECASE) is not None


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


def in_business_hours(calendar: BusinessCalendar, at: datetime) -> bool:
    """Open at `at`: some working time lies in the second starting at `at`."""
    return business_elapsed(at, at + timedelta(seconds=1), calendar).total_seconds() > 0
