"""Availability follows shifts and presence: the activity ping, and the sweep the worker runs every
minute (rules in the pure api/shift/availability.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from api import audit
from api.config import get_settings
from api.db import Session
from api.kit.time import utc_now
from api.shift import availability, repository
from api.shift.service import OnShift
from api.user import repository as user_repository


async def touch(session: Session, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Record activity; an agent the rule had set away (or offline) is back online at once if on shift."""
    user = await user_repository.get(session, organization_id, user_id)
    now = utc_now()
    user.last_seen_at = now
    if user.auto_status and user.status != "online":
        view = OnShift(await repository.lines_of_users(session, organization_id, [user_id]), now)
        if view.on_shift(user_id):
            user.status, user.auto_status = "online", False
            audit.record(
                session,
                None,
                organization_id,
                "user.status",
                "user",
                user.id,
                {"status": "online", "why": "active on shift"},
                actor_type="automation",
            )


async def sweep(session: Session, now: datetime | None = None) -> int:
    """Apply the availability rule to every rostered agent; returns how many changed."""
    now = now or utc_now()
    idle = timedelta(minutes=get_settings().shift_idle_minutes)
    people = await repository.governed_presence(session)
    if not people:
        return 0
    view = OnShift(await repository.lines_of_users(session, None, [u.id for u, _ in people]), now)
    changed = 0
    for user, logged_in in people:
        p = availability.Presence(user.status, user.auto_status, user.last_seen_at, logged_in)
        decision = availability.decide(p, on_shift=view.on_shift(user.id), now=now, idle=idle)
        if decision is None:
            continue
        user.status, user.auto_status = decision
        changed += 1
        why = (
            "off shift"
            if not view.on_shift(user.id)
            else ("active on shift" if decision[0] == "online" else "idle or logged out on shift")
        )
        audit.record(
            session,
            None,
            user.organization_id,
            "user.status",
            "user",
            user.id,
            {"status": decision[0], "why": why},
            actor_type="automation",
        )
    return changed
