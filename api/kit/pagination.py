"""Opaque cursors for keyset pagination, bound to the list that issued them.

A cursor is a position in one ordering of one filtered collection. Replayed against another list
(a `/v1/messages` cursor sent to `/v1/conversations`), another sort or other filters, the same
position silently means something else: rows are skipped or repeated with no error. So every
cursor carries what it belongs to and is signed:

    base64url(json{"l": list, "f": digest of the filters, "k": sort key, "i": row id}) "." base64url(mac)

`l` names the endpoint's collection and sort (`conversations:last_message`), `f` is a digest of
the filters it was issued for (including the organization), and the MAC (HMAC-SHA256 under a key
derived from `secret_key`, truncated to 128 bits) makes any edit detectable. A cursor that fails
any of these checks is a 422 naming `cursor`, with the reason.

The MAC protects the cursor's meaning, not tenancy: every query is scoped to the caller's
organization whatever the cursor says.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from api.kit.errors import InvalidInput, field_error

CURSOR_FIELD = "query.cursor"

# Set from `secret_key` by create_app (see configure_cursor_key). Processes that never create the
# app (unit tests of pure functions, scripts) sign with a key derived from the empty secret, which
# they also verify with, so cursors still round-trip there.
_mac_key: bytes = b""


def _derive(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"hourglass pagination cursor v1", hashlib.sha256).digest()


_mac_key = _derive("")


def configure_cursor_key(secret: str) -> None:
    """Sign cursors with a key derived from the deployment's secret (one key for every process)."""
    global _mac_key
    _mac_key = _derive(secret)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _mac(body: str) -> bytes:
    return hmac.new(_mac_key, body.encode(), hashlib.sha256).digest()[:16]


def _refuse(message: str, reason: str) -> InvalidInput:
    return InvalidInput(message, errors=field_error(CURSOR_FIELD, reason))


def filters_digest(filters: Mapping[str, Any]) -> str:
    """A short digest of the filters a cursor was issued for; None and absent are the same."""
    present = {k: v for k, v in filters.items() if v is not None and v is not False}
    canonical = json.dumps(present, sort_keys=True, separators=(",", ":"), default=str)
    return _b64(hashlib.sha256(canonical.encode()).digest()[:12])


def encode_cursor(values: dict[str, Any]) -> str:
    body = _b64(json.dumps(values, separators=(",", ":"), default=str).encode())
    return body + "." + _b64(_mac(body))


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The signed payload of a cursor; a malformed or altered one is a 422 naming the cursor."""
    body, dot, signature = cursor.partition(".")
    try:
        genuine = bool(dot) and hmac.compare_digest(_unb64(signature), _mac(body))
        value = json.loads(_unb64(body)) if genuine else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse("The cursor is not one this API issued.", "malformed or altered cursor") from exc
    if not isinstance(value, dict):
        raise _refuse("The cursor is not one this API issued.", "malformed or altered cursor")
    return value


KeyKind = Literal["time", "text", "int"]


@dataclass(frozen=True)
class CursorScope:
    """What a cursor belongs to: `list` names the collection and its sort, `filters` every query
    parameter that changes which rows are listed (plus the organization)."""

    list: str
    filters: Mapping[str, Any] = field(default_factory=dict)
    key_kind: KeyKind = "time"

    def issue(self, key: object, row_id: object) -> str:
        """The cursor that continues after the row with this sort key and id."""
        first = key.isoformat() if isinstance(key, datetime) else key
        return encode_cursor({"l": self.list, "f": filters_digest(self.filters), "k": first, "i": str(row_id)})

    def read(self, cursor: str | None) -> tuple[Any, Any] | None:
        """(sort key, id) of a cursor this list issued for these filters, or None for the first page."""
        if cursor is None:
            return None
        data = decode_cursor(cursor)
        if data.get("l") != self.list:
            raise _refuse(
                "This cursor belongs to another list or sort order; use the `next_cursor` of this list.",
                f"cursor of another list ({data.get('l') or 'unknown'}), expected {self.list}",
            )
        if data.get("f") != filters_digest(self.filters):
            raise _refuse(
                "This cursor was issued for other filters; repeat the query that returned it with only the "
                "cursor changed.",
                "cursor issued for other filters",
            )
        try:
            return _parse_key(data["k"], self.key_kind), _parse_id(data["i"])
        except (KeyError, TypeError, ValueError) as exc:
            raise _refuse("The cursor is not one this API issued.", "malformed cursor") from exc


def _parse_key(raw: Any, kind: KeyKind) -> Any:
    if kind == "time":
        if not isinstance(raw, str):
            raise TypeError("time key must be a string")
        return datetime.fromisoformat(raw)
    if kind == "int":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise TypeError("int key must be an integer")
        return raw
    if not isinstance(raw, str):
        raise TypeError("text key must be a string")
    return raw


def _parse_id(raw: Any) -> Any:
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return uuid.UUID(raw)
