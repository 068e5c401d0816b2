"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

from api.kit.errors import InvalidInput, field_error


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not one this API issued.", errors=field_error("query.cursor", "malformed cursor")
        ) from exc
    if not isinstance(value, dict):
        raise InvalidInput(
            "The cursor is not one this API issued.", errors=field_error("query.cursor", "malformed cursor")
        )
    return value


def keyset_cursor(first: object, row_id: object) -> str:
    return encode_cursor({"k": first.isoformat() if hasattr(first, "isoformat") else first, "i": str(row_id)})


def decode_keyset(cursor: str, *, first_is_time: bool = True) -> tuple[Any, Any]:
    """Decode a (sort key, id) cursor; anything malformed is a 422 naming the cursor."""
    import uuid
    from datetime import datetime

    data = decode_cursor(cursor)
    try:
        first = data["k"]
        if first_is_time:
            first = datetime.fromisoformat(first)
        return first, uuid.UUID(data["i"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            "The cursor is not one this API issued.", errors=field_error("query.cursor", "malformed cursor")
        ) from exc
