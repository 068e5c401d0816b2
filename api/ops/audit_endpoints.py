from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from api import audit
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.conversation import repository as conversations
from api.db import SessionDep
from api.kit.errors import Forbidden, InvalidInput, field_error, problem_responses
from api.kit.pagination import CursorScope
from api.kit.schema import ResponseModel
from api.kit.time import utc_now
from api.ops import audit_repository

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=problem_responses(401, 403, 422, 429))

# The longest period one query may cover: a year and a day (the audit log is kept at least a year).
MAX_RANGE_DAYS = 366
AUDITING_ROLES = ("supervisor", "admin")


async def auditor(principal: Annotated[Principal, Depends(require("settings:read"))]) -> Principal:
    """Supervisors, admins, and API keys with `settings:read`; agents see a conversation's own
    activity at GET /v1/conversations/{id}/activity instead."""
    if principal.user_id is not None and principal.role not in AUDITING_ROLES:
        raise Forbidden("Only supervisors and admins may read the audit log.")
    return principal


auditor.authorises = True  # type: ignore[attr-defined]
Auditor = Annotated[Principal, Depends(auditor)]
ActorType = Literal["user", "api_key", "system", "automation"]


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


def check_range(start: datetime | None, end: datetime | None, now: datetime) -> None:
    """`to` after `from`, and at most `MAX_RANGE_DAYS` between them (`to` defaults to now)."""
    if start is None:
        return
    if end is not None and end <= start:
        raise InvalidInput("`to` must be after `from`.", errors=field_error("query.to", "must be after from"))
    if (end or now) - start > timedelta(days=MAX_RANGE_DAYS):
        field = "query.to" if end is not None else "query.from"
        raise InvalidInput(
            f"An audit query covers at most {MAX_RANGE_DAYS} days; narrow `from`/`to`.",
            errors=field_error(field, f"range longer than the maximum of {MAX_RANGE_DAYS} days"),
            extra={"max_days": MAX_RANGE_DAYS},
        )


@router.get("", response_model=AuditPage)
async def list_audit(
    session: SessionDep,
    principal: Auditor,
    actor_type: ActorType | None = None,
    actor_id: str | None = Query(default=None, min_length=1, max_length=64),
    action: str | None = Query(
        default=None, min_length=1, max_length=80, description="An action, or a prefix of actions (`case.`)"
    ),
    target: str | None = Query(
        default=None, min_length=1, max_length=106, description="`<entity type>` or `<entity type>:<id>`"
    ),
    entity_type: str | None = Query(default=None, max_length=40),
    entity_id: str | None = Query(default=None, max_length=64),
    date_from: AwareDatetime | None = Query(default=None, alias="from", description="Inclusive"),
    date_to: AwareDatetime | None = Query(default=None, alias="to", description="Exclusive"),
    since: AwareDatetime | None = Query(default=None, deprecated=True, description="Same as `from`"),
    until: AwareDatetime | None = Query(default=None, deprecated=True, description="Same as `to`"),
    order: Literal["asc", "desc"] = "asc",
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=100, ge=1, le=200),
) -> AuditPage:
    """The organization's audit log (supervisors and admins): every action by people, ERPs and the
    automation, oldest first (`order=desc`: newest first). Filter by actor, action (or its prefix),
    target and a period of at most 366 days; page through it with `cursor`."""
    start, end = date_from or since, date_to or until
    check_range(start, end, utc_now())
    target_type, target_id = audit.split_target(target)
    filters = {
        "org": principal.organization_id,
        "actor_type": actor_type,
        "actor_id": actor_id,
        "action": action,
        "entity_type": target_type or entity_type,
        "entity_id": target_id or entity_id,
        "since": start,
        "until": end,
    }
    scope = CursorScope(f"audit:id:{order}", filters, key_kind="int")
    rows, next_cursor = await audit_repository.page(
        session,
        principal,
        scope,
        cursor,
        limit,
        order,
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        entity_type=target_type or entity_type,
        entity_id=target_id or entity_id,
        since=start,
        until=end,
    )
    return AuditPage(items=[AuditRead.model_validate(r) for r in rows], next_cursor=next_cursor)


activity_router = APIRouter(
    prefix="/v1/conversations", tags=["conversations"], responses=problem_responses(401, 403, 404, 422, 429)
)


@activity_router.get("/{conversation_id}/activity", response_model=AuditPage)
async def conversation_activity(
    conversation_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require("conversations:read"))],
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=100, ge=1, le=200),
) -> AuditPage:
    """A conversation's audit trail (assignments, status, spam, replies, notes), oldest first: what
    anyone who may read the conversation may see of the audit log."""
    await conversations.get(session, principal.organization_id, conversation_id)
    scope = CursorScope("activity:id", {"org": principal.organization_id, "conversation": conversation_id}, "int")
    rows, next_cursor = await audit_repository.page(
        session, principal, scope, cursor, limit, "asc", entity_type="conversation", entity_id=str(conversation_id)
    )
    return AuditPage(items=[AuditRead.model_validate(r) for r in rows], next_cursor=next_cursor)
