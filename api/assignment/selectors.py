"""Choosing the agent within a team (pure): load-balanced within capacity, or round-robin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The status routing sees for a rostered agent outside their shift (or in its handover window).
OFF_SHIFT = "off_shift"


@dataclass(frozen=True)
class Candidate:
    user_id: Any
    status: str  # online | away | offline | off_shift
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


def distribute(
    candidates: Sequence[Candidate], count: int, strategy: str = "load_balanced", last_user_id: Any | None = None
) -> list[Any]:
    """Owners for up to `count` queued conversations, in queue order, by the team's strategy, each
    choice counting against the chosen agent's capacity: nobody ends above capacity, and the list is
    shorter than `count` when the team's free capacity runs out."""
    pool = {c.user_id: c for c in candidates}
    out: list[Any] = []
    last = last_user_id
    while len(out) < count:
        current = list(pool.values())
        chosen = pick_round_robin(current, last) if strategy == "round_robin" else pick_least_loaded(current)
        if chosen is None:
            break
        out.append(chosen.user_id)
        pool[chosen.user_id] = Candidate(chosen.user_id, chosen.status, chosen.capacity, chosen.open_count + 1)
        last = chosen.user_id
    return out
