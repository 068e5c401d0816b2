"""Choosing a policy for a conversation, and placing its escalation tiers (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.rules.conditions import SLA_POLICY, Facts, match

# What a policy sees of a conversation: marketplace, channel, category, priority, customer tier, labels.
PolicyContext = Facts

# A held condition's name -> how it is named in an explanation.
_SINGULAR = {
    "marketplaces": "marketplace",
    "channel_ids": "channel",
    "categories": "category",
    "priorities": "priority",
    "customer_tiers": "customer_tier",
    "labels_any": "label",
}


@dataclass(frozen=True)
class PolicyChoice:
    policy_id: Any
    reason: str
    # The conditions that held, as (condition, value): the SPA words them in the reader's language,
    # `reason` is the same in English for the API and the audit log.
    matched: tuple[tuple[str, str], ...] = ()


def choose(policies: Iterable[tuple[Any, int, Mapping[str, Sequence[str]], str]], ctx: PolicyContext) -> PolicyChoice:
    """The first matching policy by position. `policies` yields (id, position, conditions, name).
    A policy's conditions are api.rules.conditions.SLA_POLICY; what held is listed in the order the
    conditions are stored, as (condition, value), condition being `label` or `marketplace`,
    `channel`, `category`, `priority`, `customer_tier`."""
    for policy_id, _position, conditions, name in sorted(policies, key=lambda p: (p[1], str(p[3]))):
        ok, held = match(conditions, ctx, SLA_POLICY)
        if ok:
            why = [(_SINGULAR[h.name], h.value) for h in held]
            said = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in why)
            reason = f"policy '{name}' matched " + (said if why else "as the default")
            return PolicyChoice(policy_id=policy_id, reason=reason, matched=tuple(why))
    raise LookupError("no SLA policy matches and there is no default policy")


def tier_due_times(
    started_at: datetime, due_at: datetime, tiers: Sequence[Mapping[str, Any]]
) -> list[tuple[int, datetime, str]]:
    """When each escalation tier fires, as (tier index, instant, action), in the clock's own time.

    A tier is placed by `at_fraction` of the clock's span (so a 48 h clock's ladder scales from the
    24 h default), `after_seconds` from the start, or `before_deadline_seconds`. Tiers that would fall
    after the deadline are dropped: the breach itself is the last step.
    """
    span = due_at - started_at
    out: list[tuple[int, datetime, str]] = []
    for index, tier in enumerate(tiers):
        if "at_fraction" in tier:
            at = started_at + span * float(tier["at_fraction"])
        elif "after_seconds" in tier:
            at = started_at + timedelta(seconds=int(tier["after_seconds"]))
        elif "before_deadline_seconds" in tier:
            at = due_at - timedelta(seconds=int(tier["before_deadline_seconds"]))
        else:
            raise ValueError(f"tier {index} has no position (at_fraction, after_seconds or before_deadline_seconds)")
        if at < due_at:
            out.append((index, max(at, started_at), str(tier["action"])))
    return out


def validate_tiers(tiers: Sequence[Mapping[str, Any]], actions: Sequence[str]) -> list[str]:
    """Problems with a tier list, as field-path: reason strings (empty when valid)."""
    problems: list[str] = []
    for i, tier in enumerate(tiers):
        placements = [k for k in ("at_fraction", "after_seconds", "before_deadline_seconds") if k in tier]
        if len(placements) != 1:
            problems.append(f"tiers.{i}: give exactly one of at_fraction, after_seconds, before_deadline_seconds")
        if tier.get("action") not in actions:
            problems.append(f"tiers.{i}.action: must be one of {', '.join(actions)}")
        fraction = tier.get("at_fraction")
        if fraction is not None and not (isinstance(fraction, int | float) and 0 < fraction < 1):
            problems.append(f"tiers.{i}.at_fraction: must be between 0 and 1")
        for key in ("after_seconds", "before_deadline_seconds"):
            value = tier.get(key)
            if value is not None and not (isinstance(value, int) and value > 0):
                problems.append(f"tiers.{i}.{key}: must be a positive whole number of seconds")
    return problems
