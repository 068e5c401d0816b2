"""The settings that are lists of rules an organization edits: auto-reply rules, assignment rules,
SLA policies, business calendars and templates.

Each is listed in its order, created, changed field by field (its position and whether it is active
included), and some are deleted once nothing uses them; every change is audited as
`<audit_prefix>.created|updated|deleted` on `<entity>`. What differs between them is data (`Kind`)
and the checks each domain makes on a body before calling here; the rows are read and written
through `Scoped`, so every statement carries the caller's organization.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from api import audit
from api.auth.principal import Principal
from api.db import ConstraintViolation, Session
from api.kit.errors import Conflict, NotFound, field_error
from api.kit.usage import Usage, refuse_if_used
from api.rules.repository import Scoped


class Rule(Protocol):
    id: Any
    organization_id: Any


Row = TypeVar("Row", bound=Rule)


@dataclass(frozen=True)
class Duplicate:
    """How a create that breaks the table's unique constraint is answered (409)."""

    detail: str
    field: str
    reason: str


@dataclass(frozen=True)
class Kind(Generic[Row]):
    model: type[Row]
    noun: str  # "No <noun> <id>." for an id that is not the organization's
    audit_prefix: str
    entity: str
    order_by: tuple[str, ...] = ("position",)
    # Called after every change (the SLA cache of the organization's policies and calendars).
    changed: Callable[[uuid.UUID], None] | None = None
    # Called after a row is written and before it is read back (one default calendar).
    after_write: Callable[[Scoped[Row], Row], Awaitable[None]] | None = None
    duplicate: Duplicate | None = None


class OrderedRules(Generic[Row]):
    """One kind of rule of the caller's organization."""

    def __init__(self, kind: Kind[Row], session: Session, principal: Principal) -> None:
        self.kind = kind
        self.principal = principal
        self.rows: Scoped[Row] = Scoped(session, kind.model, principal.organization_id)

    @property
    def session(self) -> Session:
        return self.rows.session

    async def all(self) -> list[Row]:
        return await self.rows.all(*(getattr(self.kind.model, name) for name in self.kind.order_by))

    async def get(self, row_id: uuid.UUID) -> Row:
        row = await self.rows.get(row_id)
        if row is None:
            raise NotFound(f"No {self.kind.noun} {row_id}.")
        return row

    async def create(self, values: dict[str, Any], details: Callable[[Row], dict[str, Any]] | None = None) -> Row:
        row = self.rows.add(**values)
        if self.kind.duplicate is None:
            await self.session.flush()
        else:
            try:
                async with self.session.begin_nested():
                    await self.session.flush()
            except ConstraintViolation as exc:
                dup = self.kind.duplicate
                raise Conflict(dup.detail, errors=field_error(dup.field, dup.reason)) from exc
        await self._written(row, "created", details(row) if details else None)
        return row

    async def update(
        self, row: Row, values: dict[str, Any], details: Callable[[Row], dict[str, Any]] | None = None
    ) -> Row:
        """Set the given fields (position and is_active are fields like the others)."""
        for field, value in values.items():
            setattr(row, field, value)
        await self.session.flush()
        await self._written(row, "updated", details(row) if details else None)
        return row

    async def delete(self, row: Row, what: str, found: Usage, details: dict[str, Any]) -> None:
        """Delete a row nothing uses; otherwise 409 problem+json with `used_by` (`what` names it)."""
        refuse_if_used(what, found)
        row_id = row.id
        await self.rows.remove(row)
        self._changed()
        self._audit("deleted", row_id, details)

    async def _written(self, row: Row, action: str, details: dict[str, Any] | None) -> None:
        if self.kind.after_write is not None:
            await self.kind.after_write(self.rows, row)
        await self.session.refresh(row)
        self._changed()
        self._audit(action, row.id, details)

    def _changed(self) -> None:
        if self.kind.changed is not None:
            self.kind.changed(self.principal.organization_id)

    def _audit(self, action: str, row_id: uuid.UUID, details: dict[str, Any] | None) -> None:
        audit.record(
            self.session,
            self.principal,
            self.principal.organization_id,
            f"{self.kind.audit_prefix}.{action}",
            self.kind.entity,
            row_id,
            details,
        )
