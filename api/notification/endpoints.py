from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.auth.dependencies import CurrentPrincipal
from api.db import SessionDep
from api.kit.errors import InvalidInput, NotFound, field_error, problem_responses
from api.kit.schema import ResponseModel
from api.kit.time import utc_now
from api.models import Notification

router = APIRouter(prefix="/v1/notifications", tags=["notifications"], responses=problem_responses(401, 422, 429))


class NotificationRead(ResponseModel):
    id: uuid.UUID
    kind: str
    conversation_id: uuid.UUID | None
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


def _user(principal: CurrentPrincipal) -> uuid.UUID:
    if principal.user_id is None:
        raise InvalidInput(
            "Notifications belong to users; use a session token.",
            errors=field_error("authorization", "API keys have no notifications"),
        )
    return principal.user_id


@router.get("", response_model=list[NotificationRead])
async def list_notifications(
    session: SessionDep,
    principal: CurrentPrincipal,
    unread: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
) -> list[NotificationRead]:
    """The caller's notifications (escalations addressed to them), newest first."""
    stmt = select(Notification).where(
        Notification.organization_id == principal.organization_id, Notification.user_id == _user(principal)
    )
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = await session.execute(stmt.order_by(Notification.created_at.desc()).limit(limit))
    return [NotificationRead.model_validate(n) for n in rows.scalars()]


@router.post("/{notification_id}/read", response_model=NotificationRead, responses=problem_responses(404))
async def mark_notification_read(
    notification_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> NotificationRead:
    """Mark one notification read."""
    note = (
        await session.execute(
            select(Notification).where(
                Notification.id == notification_id,
                Notification.organization_id == principal.organization_id,
                Notification.user_id == _user(principal),
            )
        )
    ).scalar_one_or_none()
    if note is None:
        raise NotFound(f"No notification {notification_id}.")
    if note.read_at is None:
        note.read_at = utc_now()
        await session.flush()
    return NotificationRead.model_validate(note)
