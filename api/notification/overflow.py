"""The overflow alert: every available agent is at capacity and unassigned work piles up in Response
Needed. Supervisors and admins get a notification and the SPA a banner; the alert is raised at most
once per cooldown and cleared when the backlog falls back to the threshold or under it.

A worker loop (workers/tasks/overflow.py) checks every organization. Each check runs in one
transaction holding a per-organization advisory lock, and the insert of the alert is guarded by a
partial unique index (one active alert per organization), so two workers checking at the same moment
raise it exactly once.

"Available" agents are active users with the agent role who are online and on shift (routable, as
routing sees them); one is at capacity when their open conversations reach their capacity. With no
agent available at all (a night with nobody online) there is no one at capacity: no overflow alert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from api import audit
from api.auth.principal import Principal
from api.db import Session, Sessionmaker
from api.models import OverflowAlert
from api.notification import repository
from api.notification import service as notifications
from api.notification.schemas import OverflowSettingsRead, OverflowSettingsUpdate, OverflowStatus
from api.outbox import events
from api.shift.service import on_shift_view
from api.webhook.payloads import OverflowData

DEFAULTS = OverflowSettingsRead(enabled=True, threshold=50, cooldown_minutes=60)
SUPERVISING_ROLES = ("supervisor", "admin")
Outcome = Literal["disabled", "raised", "active", "cooling_down", "cleared", "calm"]


@dataclass(frozen=True)
class Load:
    backlog: int  # unassigned conversations in Response Needed
    available: int  # agents online and on shift
    with_room: int  # of those, below their capacity


def overflowing(load: Load, threshold: int) -> bool:
    return load.available > 0 and load.with_room == 0 and load.backlog > threshold


def decide(load: Load, cfg: OverflowSettingsRead, active: bool, last_raised: datetime | None, now: datetime) -> Outcome:
    """What a check does (pure): raise, clear, or leave things as they are."""
    if not cfg.enabled:
        return "cleared" if active else "disabled"
    if active:
        return "cleared" if load.backlog <= cfg.threshold else "active"
    if not overflowing(load, cfg.threshold):
        return "calm"
    if last_raised is not None and now - last_raised < timedelta(minutes=cfg.cooldown_minutes):
        return "cooling_down"
    return "raised"


async def read_settings(session: Session, organization_id: uuid.UUID) -> OverflowSettingsRead:
    row = await repository.overflow_settings(session, organization_id)
    if row is None:
        return DEFAULTS
    return OverflowSettingsRead(enabled=row.enabled, threshold=row.threshold, cooldown_minutes=row.cooldown_minutes)


async def update_settings(session: Session, principal: Principal, body: OverflowSettingsUpdate) -> OverflowSettingsRead:
    org = principal.organization_id
    before = (await read_settings(session, org)).model_dump()
    await repository.save_overflow_settings(session, org, body.model_dump())
    after = await read_settings(session, org)
    changed = {k: {"from": before[k], "to": v} for k, v in after.model_dump().items() if before[k] != v}
    if changed:
        audit.record(session, principal, org, "overflow.settings_updated", "organization", None, changed)
    return after


async def measure(session: Session, organization_id: uuid.UUID, now: datetime) -> Load:
    backlog = await repository.unassigned_backlog(session, organization_id)
    agents = await repository.online_agents_load(session, organization_id)  # (id, capacity, open)
    view = await on_shift_view(session, organization_id, [a[0] for a in agents], now)
    available = [a for a in agents if view.routable(a[0])]
    return Load(
        backlog=backlog,
        available=len(available),
        with_room=sum(1 for _, capacity, open_count in available if open_count < capacity),
    )


async def active_alert(session: Session, organization_id: uuid.UUID) -> OverflowAlert | None:
    return await repository.active_overflow_alert(session, organization_id)


async def status(session: Session, organization_id: uuid.UUID) -> OverflowStatus:
    alert = await active_alert(session, organization_id)
    return OverflowStatus(
        active=alert is not None,
        raised_at=alert.raised_at if alert else None,
        backlog=alert.backlog if alert else None,
        threshold=alert.threshold if alert else None,
        available_agents=alert.available_agents if alert else None,
    )


def _data(alert: OverflowAlert) -> OverflowData:
    return OverflowData(
        alert_id=alert.id,
        backlog=alert.backlog,
        threshold=alert.threshold,
        available_agents=alert.available_agents,
        raised_at=alert.raised_at,
        cleared_at=alert.cleared_at,
    )


async def check(session: Session, organization_id: uuid.UUID, now: datetime) -> Outcome:
    """One organization's check, in the caller's transaction (commit it to release the lock)."""
    await repository.lock_overflow_check(session, organization_id)
    cfg = await read_settings(session, organization_id)
    active = await active_alert(session, organization_id)
    last_raised = await repository.last_overflow_raised(session, organization_id)
    load = await measure(session, organization_id, now)
    outcome = decide(load, cfg, active is not None, last_raised, now)
    if outcome == "cleared" and active is not None:
        await repository.clear_overflow_alert(session, active, now)
        events.emit(session, organization_id, "overflow.cleared", _data(active))
    elif outcome == "raised":
        alert = await repository.raise_overflow_alert(
            session, organization_id, now, load.backlog, cfg.threshold, load.available
        )
        if alert is None:  # raised by a concurrent check after all
            return "active"
        events.emit(session, organization_id, "overflow.raised", _data(alert))
        await _notify_supervisors(session, organization_id, alert)
    return outcome


async def _notify_supervisors(session: Session, organization_id: uuid.UUID, alert: OverflowAlert) -> None:
    who = await repository.active_user_ids_with_roles(session, organization_id, SUPERVISING_ROLES)
    agents = f"all {alert.available_agents} available agent(s) are at capacity"
    for user_id in who:
        notifications.add(
            session,
            organization_id,
            user_id,
            "overflow",
            "Overflow: unassigned work is piling up",
            f"{alert.backlog} unassigned conversations wait in Response Needed (threshold {alert.threshold}) "
            f"and {agents}.",
            {
                "alert_id": str(alert.id),
                "backlog": alert.backlog,
                "threshold": alert.threshold,
                "available_agents": alert.available_agents,
            },
        )


async def check_all(sessionmaker: Sessionmaker, now: datetime) -> dict[str, int]:
    """Check every organization, each in its own transaction; the outcomes counted."""
    async with sessionmaker() as session:
        orgs = await repository.every_organization_id(session)
    counts: dict[str, int] = {}
    for org in orgs:
        async with sessionmaker.begin() as session:
            outcome = await check(session, org, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
