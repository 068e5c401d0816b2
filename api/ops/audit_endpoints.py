from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlalchemy import select

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.kit.pagination import CursorScope
from api.kit.schema import ResponseModel
from api.models import AuditEntry

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=problem_responses(401, 403, 422, 429))
Auditor = Annotated[Principal, Depends(require("settings:read"))]


class AuditRead(ResponseModel):
    id: int
    actor_type: str
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    data: dict[str, object]
    created_at: datetime


class AuditPage(ResponseModel):
    items: list[AuditRead]
    next_cursor: str | None


@router.get("", response_model=AuditPage)
async def list_audit(
    session: SessionDep,
    principal: Auditor,
    entity_type: str | None = Query(default=None, max_length=40),
    entity_id: str | None = Query(default=None, max_length=64),
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=100, ge=1, le=200),
) -> AuditPage:
    """The audit log, oldest first: every action by people, ERPs and the automation. Page through
    it with `cursor` to export a period."""
    stmt = select(AuditEntry).where(AuditEntry.organization_id == principal.organization_id)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if since:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until:
        stmt = stmt.where(AuditEntry.created_at < until)
    scope = CursorScope(
        "audit:id",
        {
            "org": principal.organization_id,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "since": since,
            "until": until,
        },
        key_kind="int",
    )
    if after := scope.read(cursor):
        stmt = stmt.where(AuditEntry.id > after[0])
    rows = list((await session.execute(stmt.order_by(AuditEntry.id).limit(limit + 1))).scalars())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditRead.model_validate(r) for r in rows],
        next_cursor=scope.issue(rows[-1].id, rows[-1].id) if has_more else None,
    )
