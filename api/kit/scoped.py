"""Statements scoped to one organization, built so that the tenant cannot be left out.

Every tenant's rows share the tables; what keeps one organization from reading another's is the
`organization_id` condition on each statement. Written by hand, a missing condition is a silent
leak that only a test walk notices afterwards. A repository builds its statements here instead, from
the caller's `Principal` (or an organization id, for work that runs outside a request): the condition
is part of the statement from its first line, and a model that has no `organization_id` column is
refused when the statement is built, not discovered later by a leak. (The same idea as the
"readable statement" every repository of polar's starts from.)

Queries that are meant to span every organization (housekeeping sweeps, due-timer scans, lookups by
a secret digest) do not use these helpers; their repository functions say so in their names or
docstrings.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Delete, Select, Update, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from api.auth.principal import Principal

T = TypeVar("T")

# Who a statement is for: the caller (a request's principal) or an organization's id (jobs, loops).
Tenant = Principal | uuid.UUID


class UnscopedModel(TypeError):
    """The model has no `organization_id`, so a statement on it cannot be scoped to a tenant."""


def organization_of(tenant: Tenant) -> uuid.UUID:
    if isinstance(tenant, Principal):
        return tenant.organization_id
    if isinstance(tenant, uuid.UUID):
        return tenant
    raise TypeError(f"A statement needs the caller's Principal or an organization id, not {tenant!r}.")


def _tenant_column(model: Any) -> QueryableAttribute[Any]:
    """`model.organization_id`, refusing a model that has no such column."""
    column = getattr(model, "organization_id", None)
    if not isinstance(column, QueryableAttribute):
        raise UnscopedModel(f"{getattr(model, '__name__', model)!r} has no organization_id to scope a statement by.")
    return column


def tenant_condition(model: Any, tenant: Tenant) -> ColumnElement[bool]:
    """`model.organization_id == <the tenant's id>`, refusing a model that has no such column."""
    condition: ColumnElement[bool] = _tenant_column(model) == organization_of(tenant)
    return condition


# The bound parameter `tenant_parameter` compares with: a statement built once and reused (the inbox list)
# is executed with the organization's id under this name.
TENANT_PARAMETER = "tenant_organization_id"


def tenant_parameter(model: Any) -> ColumnElement[bool]:
    """`model.organization_id == :tenant_organization_id`, for statements built once and executed many
    times: the parameter has no value, so executing the statement without the organization's id fails
    instead of reading every tenant's rows."""
    condition: ColumnElement[bool] = _tenant_column(model) == bindparam(TENANT_PARAMETER, required=True)
    return condition


def readable(model: type[T], tenant: Tenant) -> Select[T]:
    """SELECT of `model`'s rows that belong to the tenant; add conditions, ordering and limits to it."""
    condition = tenant_condition(model, tenant)  # first: an unscoped model is refused, not selected
    return select(model).where(condition)


def readable_columns(model: Any, tenant: Tenant, *columns: Any) -> Select[Any]:
    """SELECT of some columns (or expressions) of `model`'s rows that belong to the tenant."""
    if not columns:
        raise TypeError("readable_columns needs at least one column; use readable() for whole rows.")
    condition = tenant_condition(model, tenant)
    return select(*columns).select_from(model).where(condition)


def scoped_update(model: Any, tenant: Tenant) -> Update:
    """UPDATE limited to the tenant's rows of `model`; add `.where(...)` and `.values(...)`."""
    condition = tenant_condition(model, tenant)
    return update(model).where(condition)


def scoped_delete(model: Any, tenant: Tenant) -> Delete:
    """DELETE limited to the tenant's rows of `model`; add `.where(...)`."""
    condition = tenant_condition(model, tenant)
    return delete(model).where(condition)


async def get_scoped(session: AsyncSession, model: type[T], row_id: Any, tenant: Tenant) -> T | None:
    """The tenant's row of `model` with this id, or None (also for another organization's id).

    Replaces `session.get(Model, id)`, which finds any organization's row. Like `session.get`, a row
    already in the session's identity map is answered without a query, once it is known to be the
    tenant's."""
    organization_id = organization_of(tenant)
    tenant_condition(model, tenant)  # refuse an unscoped model even when the identity map answers
    row: Any = await session.get(model, row_id)
    if row is None or row.organization_id != organization_id:
        return None
    found: T = row
    return found
