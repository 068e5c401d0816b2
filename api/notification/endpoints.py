from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth.dependencies import CurrentPrincipal, require, require_role
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import InvalidInput, NotFound, field_error, problem_responses
from api.kit.time import utc_now
from api.notification import overflow, service
from api.notification import repository as notification_repository
from api.notification.schemas import (
    NotificationRead,
    OverflowSettingsRead,
    OverflowSettingsUpdate,
    OverflowStatus,
    ReadAllResult,
)

router = APIRouter(prefix="/v1/notifications", tags=["notifications"], responses=problem_responses(401, 422, 429))
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]


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
    """The caller's notifications (escalations, assignments, @mentions, overflow alerts...), newest first."""
    rows = await notification_repository.list_for(session, principal, _user(principal), unread=unread, limit=limit)
    return [NotificationRead.model_validate(n) for n in rows]


@router.post("/read-all", response_model=ReadAllResult)
async def mark_all_notifications_read(session: SessionDep, principal: CurrentPrincipal) -> ReadAllResult:
    """Mark every unread notification of the caller read."""
    return ReadAllResult(marked_read=await service.read_all(session, principal.organization_id, _user(principal)))


@router.get("/overflow-settings", response_model=OverflowSettingsRead, responses=problem_responses(403))
async def get_overflow_settings(session: SessionDep, principal: SettingsReader) -> OverflowSettingsRead:
    """When supervisors and admins are alerted that every available agent is at capacity while
    unassigned work piles up in Response Needed (defaults: on, more than 50, at most once an hour)."""
    return await overflow.read_settings(session, principal.organization_id)


@router.put("/overflow-settings", response_model=OverflowSettingsRead, responses=problem_responses(403))
async def put_overflow_settings(
    body: OverflowSettingsUpdate, session: SessionDep, principal: Admin
) -> OverflowSettingsRead:
    """Turn the overflow alert on or off, set its threshold (1–100000 unassigned conversations) and its
    cooldown (1–10080 minutes). Admins only; audited."""
    return await overflow.update_settings(session, principal, body)


@router.get("/overflow", response_model=OverflowStatus, responses=problem_responses(403))
async def get_overflow(session: SessionDep, principal: SettingsReader) -> OverflowStatus:
    """Whether an overflow alert is raised now (the supervisors' banner); `overflow.raised` and
    `overflow.cleared` frames announce changes live."""
    return await overflow.status(session, principal.organization_id)


@router.post("/{notification_id}/read", response_model=NotificationRead, responses=problem_responses(404))
async def mark_notification_read(
    notification_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> NotificationRead:
    """Mark one notification read."""
    note = await notification_repository.get_for(session, principal, _user(principal), notification_id)
    if note is None:
        raise NotFound(f"No notification {notification_id}.")
    if note.read_at is None:
        note.read_at = utc_now()
        await session.flush()
    return NotificationRead.model_validate(note)
