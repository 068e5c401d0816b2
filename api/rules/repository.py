"""SQL on one organization's rows of one table, with the tenant filter built in.

`Scoped(session, Model, organization_id)` takes the organization once; every statement it builds
(`select`, `update`, `get`, `all`, `own_ids`) already carries `Model.organization_id == ...`, and new
rows get the organization from it. There is no method that takes a statement from outside, so a
query on these tables that forgets the tenant cannot be written through it; an organization id that
is missing (None) is refused when the repository is made, not when a query returns the wrong rows.
The statements come from the shared builders of `api/kit/scoped.py`, so there is one tenant filter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Delete, Select, Update
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import readable, readable_columns, scoped_delete, scoped_update, tenant_condition


class TenantRow(Protocol):
    organization_id: Any


Row = TypeVar("Row", bound=TenantRow)


class Scoped(Generic[Row]):
    """One table seen by one organization."""

    def __init__(self, session: AsyncSession, model: type[Row], organization_id: uuid.UUID) -> None:
        if not isinstance(organization_id, uuid.UUID):
            raise TypeError(f"a repository of {model.__name__} needs an organization id, got {organization_id!r}")
        tenant_condition(model, organization_id)  # a model without organization_id is refused here
        self.session = session
        self.model = model
        self.organization_id = organization_id

    @property
    def _id(self) -> Any:
        model: Any = self.model  # the protocol names only organization_id (case settings have no id)
        return model.id

    def select(self, *columns: Any) -> Select[Any]:
        """SELECT of the model (or of the given columns of it) limited to the organization."""
        if columns:
            return readable_columns(self.model, self.organization_id, *columns)
        return readable(self.model, self.organization_id)

    def update(self) -> Update:
        return scoped_update(self.model, self.organization_id)

    def delete_where(self) -> Delete:
        return scoped_delete(self.model, self.organization_id)

    async def get(self, row_id: uuid.UUID) -> Row | None:
        """The row with this id when it is the organization's; another organization's is None, like
        one that exists nowhere."""
        stmt = self.select().where(self._id == row_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self, *order_by: Any) -> list[Row]:
        return list((await self.session.execute(self.select().order_by(*order_by))).scalars())

    async def rows(self, stmt: Select[Any]) -> list[Any]:
        """Run a statement built by `select` (so it carries the tenant) and return its scalars."""
        return list((await self.session.execute(stmt)).scalars())

    async def own_ids(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these ids are rows of the organization."""
        wanted = list(ids)
        if not wanted:
            return set()
        return set(await self.rows(self.select(self._id).where(self._id.in_(wanted))))

    def add(self, **values: Any) -> Row:
        """A new row of the organization (its id drawn now, so audit entries can name it before the flush)."""
        model: Any = self.model
        row: Row = model(id=uuid.uuid4(), organization_id=self.organization_id, **values)
        self.session.add(row)
        return row

    async def remove(self, row: Row) -> None:
        if row.organization_id != self.organization_id:
            raise ValueError("a row of another organization")
        await self.session.delete(row)
        await self.session.flush()
