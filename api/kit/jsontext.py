"""JSON text on hot paths (outbox payloads, JSONB columns, relay frames): orjson, about ten times
faster than the standard library, wherever its answer is the same document.

orjson refuses what it cannot write exactly (integers beyond 64 bits, lone surrogates, types it
does not know with the passthrough options below) with a TypeError; those values go to the standard
library, which writes them (or raises its own error) as before. Decoding stays with the standard
library: orjson reads integers beyond 64 bits as floats, silently losing digits."""

from __future__ import annotations

import json
from typing import Any

import orjson

# Datetimes and dataclasses are not JSON to the standard library; keep them refused here too (a
# producer must say which text form it means). orjson writes a UUID as its canonical text, the form
# every payload already uses, where the standard library would refuse it.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any) -> str:
    """`value` as compact JSON text (non-ASCII characters as themselves: the same document to any
    parser)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:
        # ASCII escapes, as before: a lone surrogate reaches PostgreSQL as `\ud800` and is refused
        # there as bad data, not as an encoding error in the driver.
        return json.dumps(value, separators=(",", ":"))
