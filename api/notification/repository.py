"""All SQL of notifications and of the overflow alert.

Statements are built from the caller's principal or organization id (api/kit/scoped.py); the one
statement that spans every organization (the overflow loop's list of organizations) says so in its name.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.conversation.views_repository import VIEWS
from api.kit.scoped import get_scoped, readable, readable_columns, scoped_update
from api.models import Conversation, Notification, Organization, OverflowAlert, OverflowSettings, User

# ---- a person's own notifications


async def list_for(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, *, unread: bool, limit: int
) -> list[Notification]:
    """The user's notifications, newest first (only unread ones if asked)."""
    stmt = readable(Notification, principal).where(Notification.user_id == user_id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = await session.execute(stmt.order_by(Notification.created_at.desc()).limit(limit))
    return list(rows.scalars())


async def get_for(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification | None:
    """One of the user's notifications, or None (also for anyone else's)."""
    stmt = readable(Notification, principal).where(Notification.id == notification_id, Notification.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, notification: Notification) -> None:
    """Store a new notification with the caller's transaction (written at its next flush)."""
    session.add(notification)


async def mark_all_read(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> int:
    """Mark every unread notification of the user read at `at`; how many were."""
    result = await session.execute(
        scoped_update(Notification, organization_id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def active_people(session: AsyncSession, organization_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, email) of the organization's active users: whom a note may mention."""
    rows = await session.execute(
        readable_columns(User, organization_id, User.id, User.name, User.email).where(User.is_active.is_(True))
    )
    return [(r[0], r[1], r[2]) for r in rows]


# ---- the overflow alert


async def overflow_settings(session: AsyncSession, organization_id: uuid.UUID) -> OverflowSettings | None:
    """The organization's overflow settings row (keyed by the organization), or None if never saved."""
    return await get_scoped(session, OverflowSettings, organization_id, organization_id)


async def save_overflow_settings(session: AsyncSession, organization_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Insert the organization's overflow settings, or overwrite them with `values`."""
    await session.execute(
        insert(OverflowSettings)
        .values(organization_id=organization_id, **values)
        .on_conflict_do_update(index_elements=[OverflowSettings.organization_id], set_=values)
    )


async def lock_overflow_check(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """The organization's overflow check lock, held until the transaction ends: checks take turns."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"overflow:{organization_id}"}
    )


async def unassigned_backlog(session: AsyncSession, organization_id: uuid.UUID) -> int:
    """Unassigned, unresolved conversations in Response Needed."""
    backlog = (
        await session.execute(
            readable_columns(Conversation, organization_id, func.count()).where(
                Conversation.assignee_id.is_(None),
                Conversation.status != "resolved",
                VIEWS["response_needed"],
            )
        )
    ).scalar_one()
    return int(backlog)


async def online_agents_load(session: AsyncSession, organization_id: uuid.UUID) -> list[tuple[uuid.UUID, int, int]]:
    """(id, capacity, open conversations) of the organization's active agents who are online."""
    open_count = (
        select(func.count())
        .select_from(Conversation)
        .where(and_(Conversation.assignee_id == User.id, Conversation.status != "resolved"))
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            readable_columns(User, organization_id, User.id, User.capacity, open_count).where(
                User.is_active.is_(True),
                User.role == "agent",
                User.status == "online",
            )
        )
    ).all()
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


async def active_overflow_alert(session: AsyncSession, organization_id: uuid.UUID) -> OverflowAlert | None:
    """The organization's raised, not yet cleared, alert (at most one: a partial unique index)."""
    stmt = readable(OverflowAlert, organization_id).where(OverflowAlert.cleared_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def last_overflow_raised(session: AsyncSession, organization_id: uuid.UUID) -> datetime | None:
    """When the organization's most recent alert was raised (cleared or not); None if never."""
    stmt = readable_columns(OverflowAlert, organization_id, func.max(OverflowAlert.raised_at))
    raised: datetime | None = (await session.execute(stmt)).scalar_one()
    return raised


async def clear_overflow_alert(session: AsyncSession, alert: OverflowAlert, at: datetime) -> None:
    """Mark the alert cleared at `at`, and reload it so it carries the stored row."""
    await session.execute(
        scoped_update(OverflowAlert, alert.organization_id).where(OverflowAlert.id == alert.id).values(cleared_at=at)
    )
    await session.refresh(alert)


async def raise_overflow_alert(
    session: AsyncSession,
    organization_id: uuid.UUID,
    raised_at: datetime,
    backlog: int,
    threshold: int,
    available_agents: int,
) -> OverflowAlert | None:
    """Insert the organization's active alert; None when one is already active (the partial unique
    index on the active alert turns a concurrent second raise into nothing)."""
    alert_id = (
        await session.execute(
            insert(OverflowAlert)
            .values(
                organization_id=organization_id,
                raised_at=raised_at,
                backlog=backlog,
                threshold=threshold,
                available_agents=available_agents,
            )
            .on_conflict_do_nothing(
                index_elements=[OverflowAlert.organization_id], index_where=OverflowAlert.cleared_at.is_(None)
            )
            .returning(OverflowAlert.id)
        )
    ).scalar_one_or_none()
    if alert_id is None:
        return None
    return await get_scoped(session, OverflowAlert, alert_id, organization_id)


async def active_user_ids_with_roles(
    session: AsyncSession, organization_id: uuid.UUID, roles: tuple[str, ...]
) -> list[uuid.UUID]:
    """Ids of the organization's active users who hold one of the roles."""
    rows = await session.execute(
        readable_columns(User, organization_id, User.id).where(User.is_active.is_(True), User.role.in_(roles))
    )
    return list(rows.scalars())


async def every_organization_id(session: AsyncSession) -> list[uuid.UUID]:
    """Every organization's id, in id order: spans all organizations (the overflow loop checks each)."""
    return list((await session.execute(select(Organization.id).order_by(Organization.id))).scalars())
