"""Availability follows shifts and presence (pure).

Only agents with a roster are governed; an agent without any shift keeps the status they set, as
before rosters existed. For a governed agent:
- off shift → offline (never routed);
- on shift but idle past the threshold, or with no live login → away;
- on shift and active again → online, but only when the rule itself had set the status (an agent
  who chose "away" stays away until they change it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Presence:
    status: str  # online | away | offline
    auto_status: bool
    last_seen_at: datetime | None
    logged_in: bool


def decide(p: Presence, *, on_shift: bool, now: datetime, idle: timedelta) -> tuple[str, bool] | None:
    """The (status, auto_status) to write, or None when nothing changes."""
    if not on_shift:
        return ("offline", True) if p.status != "offline" else None
    active = p.logged_in and p.last_seen_at is not None and now - p.last_seen_at <= idle
    if not active:
        return ("away", True) if p.status == "online" or (p.auto_status and p.status == "offline") else None
    if p.auto_status and p.status != "online":
        return ("online", False)
    return None
