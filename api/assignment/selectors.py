"""Choosing the agent within a team (pure): load-balanced within capacity, or round-robin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Candidate:
    user_id: Any
    status: str  # online | away | offline
    capacity: int
    open_count: int


def available(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Online agents with room under their capacity."""
    return [c for c in candidates if c.status == "online" and c.open_count < c.capacity]


def pick_least_loaded(candidates: Sequence[Candidate]) -> Candidate | None:
    """Fewest open conversations relative to capacity; ties go to the lower absolute load, then id
    (deterministic, so two workers computing the same choice agree)."""
    pool = available(candidates)
    if not pool:
        return None
    return min(pool, key=lambda c: (c.open_count / max(c.capacity, 1), c.open_count, str(c.user_id)))


def pick_round_robin(candidates: Sequence[Candidate], last_user_id: Any | None) -> Candidate | None:
    """The next available agent after the last one assigned, in a stable order."""
    ordered = sorted(candidates, key=lambda c: str(c.user_id))
    pool = {c.user_id for c in available(ordered)}
    if not pool:
        return None
    start = 0
    ids = [c.user_id for c in ordered]
    if last_user_id in ids:
        start = ids.index(last_user_id) + 1
    for i in range(len(ordered)):
        c = ordered[(start + i) % len(ordered)]
        if c.user_id in pool:
            return c
    return None


def sticky(candidates: Sequence[Candidate], previous_user_id: Any | None) -> Candidate | None:
    """The buyer's previous agent, if still available: the same buyer keeps the same person."""
    if previous_user_id is None:
        return None
    return next((c for c in available(candidates) if c.user_id == previous_user_id), None)
