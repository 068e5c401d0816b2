"""Pydantic bases: requests refuse unknown fields and values the database cannot store; responses read
from ORM attributes.

The input rules live here once, so every request schema gets them by inheriting `RequestModel`:
- no NUL character and no lone UTF-16 surrogate in any string, dictionary key included, at any depth
  (PostgreSQL's text and JSONB refuse both, which surfaced as 500s);
- every datetime lies between `EARLIEST` and `LATEST` once converted to UTC (`0001-01-01T00:00:00+01:00`
  overflows on conversion, and deadlines are computed by adding to what we store);
- a PATCH body (`PatchModel`) refuses an explicit `null` except for the fields it declares clearable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

# NUL, and the surrogate range: a JSON `"\ud800"` decodes to a str that cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# Far from datetime.max, so adding a deadline (at most months) to a stored time cannot overflow.
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def unstorable_reason(value: str) -> str | None:
    """Why PostgreSQL would refuse this text, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain the NUL character (\\u0000)"
    return "must not contain a lone UTF-16 surrogate (not valid Unicode)"


def _unstorable_text(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(sub-path, reason) for each string in a raw JSON-like value that the database cannot store."""
    if isinstance(value, str):
        reason = unstorable_reason(value)
        if reason:
            yield path, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (reason := unstorable_reason(key)):
                yield (*path, key), "key " + reason
            yield from _unstorable_text(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unstorable_text(item, (*path, index))


def datetime_reason(value: datetime) -> str | None:
    """Why this datetime cannot be stored (and computed with), or None."""
    try:
        utc = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        return "is out of range when converted to UTC"
    if not EARLIEST <= utc < LATEST:
        return f"must lie between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()} (UTC)"
    return None


def _bad_datetimes(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    # A nested request model (a BaseModel here) checked its own fields when it was built.
    if isinstance(value, datetime):
        reason = datetime_reason(value)
        if reason:
            yield path, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_datetimes(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _bad_datetimes(item, (*path, index))


def _refuse(kind: str, found: tuple[tuple[str | int, ...], str]) -> PydanticCustomError:
    # `subpath` (inside the field: a settings key, a list index) is appended to the field's location
    # by the 422 handler, so the problem names e.g. `body.settings.base_url`.
    path, reason = found
    return PydanticCustomError(kind, reason, {"subpath": [str(p) for p in path]})


def _check_datetime(value: datetime) -> datetime:
    reason = datetime_reason(value)
    if reason:
        raise PydanticCustomError("datetime_range", reason)
    return value


# For a datetime taken outside a request model (a query parameter): the same rule as in bodies.
InputDatetime = Annotated[datetime, AfterValidator(_check_datetime)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    # Model validators, not `field_validator("*")`: a discriminator field (an action's `type`) may not
    # carry a before-validator. The raw input is walked once, nested models and dict keys included.
    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        for found in _unstorable_text(data):
            raise _refuse("unstorable_text", found)
        return data

    @model_validator(mode="after")
    def _datetime_range(self) -> Any:
        for name, value in self.__dict__.items():
            for found in _bad_datetimes(value, (name,)):
                raise _refuse("datetime_range", found)
        return self


def _strip_null(schema: dict[str, Any]) -> None:
    variants = schema.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        del schema["anyOf"]
        if len(rest) == 1:
            schema.update(rest[0])
        else:
            schema["anyOf"] = rest
    if schema.get("default", ...) is None:
        del schema["default"]


def _patch_json_schema(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    clearable: frozenset[str] = getattr(cls, "clearable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name not in clearable:
            _strip_null(prop)


class PatchModel(RequestModel):
    """A partial update: a field left out is left alone; `null` clears a field only where `clearable`
    lists it (an unassigned assignee, no calendar). Every other field refuses an explicit null with a
    422 naming it, instead of writing NULL into a NOT NULL column. Default-deny, so a new field is
    safe until someone decides that null means something for it."""

    model_config = ConfigDict(json_schema_extra=_patch_json_schema)
    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _explicit_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if value is None and key in cls.model_fields and key not in cls.clearable:
                    raise PydanticCustomError(
                        "not_nullable", "must not be null (leave the field out to keep its value)", {"subpath": [key]}
                    )
        return data


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def utf8_len(value: str) -> int:
    return len(value.encode("utf-8"))


def cap_bytes(value: str, limit: int, what: str) -> str:
    """Size caps are in UTF-8 bytes (what is stored and sent), not characters."""
    if utf8_len(value) > limit:
        raise ValueError(f"{what} is {utf8_len(value)} bytes in UTF-8; the limit is {limit} bytes")
    return value
