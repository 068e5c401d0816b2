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

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import audit
from api.auth.principal import Principal
from api.conversation.views import VIEWS
from api.models import Conversation, Organization, OverflowAlert, OverflowSettings, User
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


async def read_settings(session: AsyncSession, organization_id: uuid.UUID) -> OverflowSettingsRead:
    row = await session.get(OverflowSettings, organization_id)
    if row is None:
        return DEFAULTS
    return OverflowSettingsRead(enabled=row.enabled, threshold=row.threshold, cooldown_minutes=row.cooldown_minutes)


async def update_settings(
    session: AsyncSession, principal: Principal, body: OverflowSettingsUpdate
) -> OverflowSettingsRead:
    org = principal.organization_id
    before = (await read_settings(session, org)).model_dump()
    await session.execute(
        insert(OverflowSettings)
        .values(organization_id=org, **body.model_dump())
        .on_conflict_do_update(index_elements=[OverflowSettings.organization_id], set_=body.model_dump())
    )
    after = await read_settings(session, org)
    changed = {k: {"from": before[k], "to": v} for k, v in after.model_dump().items() if before[k] != v}
    if changed:
        audit.record(session, principal, org, "overflow.settings_updated", "organization", None, changed)
    return after


async def measure(session: AsyncSession, organization_id: uuid.UUID, now: datetime) -> Load:
    backlog = (
        await session.execute(
            select(func.count())
            .select_from(Conversation)
            .where(
                Conversation.organization_id == organization_id,
                Conversation.assignee_id.is_(None),
                Conversation.status != "resolved",
                VIEWS["response_needed"],
            )
        )
    ).scalar_one()
    open_count = (
        select(func.count())
        .select_from(Conversation)
        .where(and_(Conversation.assignee_id == User.id, Conversation.status != "resolved"))
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(User.id, User.capacity, open_count).where(
                User.organization_id == organization_id,
                User.is_active.is_(True),
                User.role == "agent",
                User.status == "online",
            )
        )
    ).all()
    view = await on_shift_view(session, organization_id, [r[0] for r in rows], now)
    available = [r for r in rows if view.routable(r[0])]
    return Load(
        backlog=int(backlog),
        available=len(available),
        with_room=sum(1 for r in available if int(r[2]) < int(r[1])),
    )


async def active_alert(session: AsyncSession, organization_id: uuid.UUID) -> OverflowAlert | None:
    q = select(OverflowAlert).where(
        OverflowAlert.organization_id == organization_id, OverflowAlert.cleared_at.is_(None)
    )
    return (await session.execute(q)).scalar_one_or_none()


async def status(session: AsyncSession, organization_id: uuid.UUID) -> OverflowStatus:
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


async def check(session: AsyncSession, organization_id: uuid.UUID, now: datetime) -> Outcome:
    """One organization's check, in the caller's transaction (commit it to release the lock)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"overflow:{organization_id}"}
    )
    cfg = await read_settings(session, organization_id)
    active = await active_alert(session, organization_id)
    last_raised = (
        await session.execute(
            select(func.max(OverflowAlert.raised_at)).where(OverflowAlert.organization_id == organization_id)
        )
    ).scalar_one()
    load = await measure(session, organization_id, now)
    outcome = decide(load, cfg, active is not None, last_raised, now)
    if outcome == "cleared" and active is not None:
        await session.execute(update(OverflowAlert).where(OverflowAlert.id == active.id).values(cleared_at=now))
        await session.refresh(active)
        events.emit(session, organization_id, "overflow.cleared", _data(active))
    elif outcome == "raised":
        alert_id = (
            await session.execute(
                insert(OverflowAlert)
                .values(
                    organization_id=organization_id,
                    raised_at=now,
                    backlog=load.backlog,
                    threshold=cfg.threshold,
                    available_agents=load.available,
                )
                .on_conflict_do_nothing(
                    index_elements=[OverflowAlert.organization_id], index_where=OverflowAlert.cleared_at.is_(None)
                )
                .returning(OverflowAlert.id)
            )
        ).scalar_one_or_none()
        if alert_id is None:  # raised by a concurrent check after all
            return "active"
        alert = await session.get(OverflowAlert, alert_id)
        assert alert is not None
        events.emit(session, organization_id, "overflow.raised", _data(alert))
        await _notify_supervisors(session, organization_id, alert)
    return outcome


async def _notify_supervisors(session: AsyncSession, organization_id: uuid.UUID, alert: OverflowAlert) -> None:
    who = (
        await session.execute(
            select(User.id).where(
                User.organization_id == organization_id,
                User.is_active.is_(True),
                User.role.in_(SUPERVISING_ROLES),
            )
        )
    ).scalars()
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


async def check_all(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> dict[str, int]:
    """Check every organization, each in its own transaction; the outcomes counted."""
    async with sessionmaker() as session:
        orgs = list((await session.execute(select(Organization.id).order_by(Organization.id))).scalars())
    counts: dict[str, int] = {}
    for org in orgs:
        async with sessionmaker.begin() as session:
            outcome = await check(session, org, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
