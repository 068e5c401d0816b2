"""SQL of the audit log's read side and its filters (`api/audit.py` writes entries)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import escape_like
from api.auth.principal import Principal
from api.kit.pagination import CursorScope
from api.kit.scoped import tenant_condition
from api.models import AuditEntry


def predicates(
    organization_id: uuid.UUID,
    *,
    actor_type: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """The audit log's filters (GET /v1/audit and the audit export): `action` matches itself and, as a
    prefix, every action under it (`case` → `case.created`, `case.transitioned`)."""
    p: list[ColumnElement[bool]] = [tenant_condition(AuditEntry, organization_id)]
    if actor_type:
        p.append(AuditEntry.actor_type == actor_type)
    if actor_id:
        p.append(AuditEntry.actor_id == actor_id)
    if action:
        p.append(AuditEntry.action.like(escape_like(action) + "%", escape="\\"))
    if entity_type:
        p.append(AuditEntry.entity_type == entity_type)
    if entity_id:
        p.append(AuditEntry.entity_id == entity_id)
    if since:
        p.append(AuditEntry.created_at >= since)
    if until:
        p.append(AuditEntry.created_at < until)
    return p


async def page(
    session: AsyncSession,
    principal: Principal,
    scope: CursorScope,
    cursor: str | None,
    limit: int,
    order: Literal["asc", "desc"],
    **filters: Any,
) -> tuple[list[AuditEntry], str | None]:
    """One page of the organization's audit entries matching `filters` (the keywords of
    `predicates`, which always scope to the organization), keyset-paginated on the id."""
    stmt = select(AuditEntry).where(*predicates(principal.organization_id, **filters))
    if after := scope.read(cursor):
        stmt = stmt.where(AuditEntry.id > after[0] if order == "asc" else AuditEntry.id < after[0])
    ordering = AuditEntry.id if order == "asc" else AuditEntry.id.desc()
    rows = list((await session.execute(stmt.order_by(ordering).limit(limit + 1))).scalars())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, scope.issue(rows[-1].id, rows[-1].id) if has_more else None
