"""A short-lived per-process cache of each organization's SLA policies and calendars.

Every inbound message chooses a policy and a calendar; reading them from the database each time cost
two to three queries on the ingest hot path. Entries live a few seconds: an edit made through this
process clears its organization at once, and other processes see it within TTL_SECONDS (new clocks
only; running clocks keep their snapshot anyway). Cached rows are detached plain reads.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

TTL_SECONDS = 5.0

_entries: dict[tuple[Any, ...], tuple[float, Any]] = {}


def get(key: tuple[Any, ...]) -> tuple[bool, Any]:
    hit = _entries.get(key)
    if hit is None or hit[0] < time.monotonic():
        return False, None
    return True, hit[1]


def put(key: tuple[Any, ...], value: Any) -> None:
    if len(_entries) > 10_000:  # bounded: many organizations in one process
        _entries.clear()
    _entries[key] = (time.monotonic() + TTL_SECONDS, value)


def forget(organization_id: uuid.UUID) -> None:
    for key in [k for k in _entries if k[1] == organization_id]:
        del _entries[key]
