"""SQL of the audit log's read side (`api/audit.py` writes entries and holds the shared filters)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.auth.principal import Principal
from api.kit.pagination import CursorScope
from api.models import AuditEntry


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
    `audit.predicates`, which always scope to the organization), keyset-paginated on the id."""
    stmt = select(AuditEntry).where(*audit.predicates(principal.organization_id, **filters))
    if after := scope.read(cursor):
        stmt = stmt.where(AuditEntry.id > after[0] if order == "asc" else AuditEntry.id < after[0])
    ordering = AuditEntry.id if order == "asc" else AuditEntry.id.desc()
    rows = list((await session.execute(stmt.order_by(ordering).limit(limit + 1))).scalars())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, scope.issue(rows[-1].id, rows[-1].id) if has_more else None
