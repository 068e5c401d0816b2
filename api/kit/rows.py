"""Mapped objects from rows that arrived as JSON (a PL/pgSQL function's `to_jsonb(row)`).

The ingest function returns the rows it wrote in one round trip; rebuilding them here, with the
column types applied and no history, makes them ordinary loaded objects for the code that follows
(a change to one flushes as an UPDATE, as if it had been SELECTed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Uuid, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

T = TypeVar("T")

_CONVERTERS: dict[type, list[tuple[str, str, Callable[[Any], Any] | None]]] = {}


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _columns(model: type) -> list[tuple[str, str, Callable[[Any], Any] | None]]:
    found = _CONVERTERS.get(model)
    if found is None:
        found = []
        attr: Any
        for attr in inspect(model).column_attrs:
            col = attr.columns[0]
            convert: Callable[[Any], Any] | None = None
            if isinstance(col.type, DateTime):
                convert = timestamp
            elif isinstance(col.type, Uuid):
                convert = uuid.UUID
            found.append((attr.key, col.name, convert))
        _CONVERTERS[model] = found
    return found


def detached(model: type[T], row: dict[str, Any]) -> T:
    """A detached, clean instance of `model` with the row's values (columns absent stay unloaded)."""
    obj = model()
    for key, name, convert in _columns(model):
        if name in row:
            value = row[name]
            setattr(obj, key, convert(value) if convert is not None and value is not None else value)
    make_transient_to_detached(obj)
    return obj


async def attached(session: AsyncSession, model: type[T], row: dict[str, Any]) -> T:
    """The row as a persistent object of `session` (merged into the instance it already holds, if any)."""
    return await session.merge(detached(model, row), load=False)
