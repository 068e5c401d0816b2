"""The sandbox's notion of time.

Two clocks matter. *World time* is real time plus an offset that tests (or the admin API) can
advance, so a 48-hour SLA window or TikTok's 6-hour conversation rule can be exercised without
waiting. *Marketplace time* is world time plus a per-marketplace skew fault: it is what the
marketplace writes into its payloads (createdDate, create_time, Date headers).

Request-signature windows (Shopee and TikTok reject timestamps older than 5 minutes) are checked
against the *real* clock plus skew, never the advanced world clock: a connector signs with its own
real clock, and advancing the world must not make every request fail.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset_seconds = 0.0

    @property
    def offset_seconds(self) -> float:
        return self._offset_seconds

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the world clock only moves forward")
        self._offset_seconds += seconds

    def now(self) -> datetime:
        """World time (UTC, aware)."""
        return datetime.now(UTC) + timedelta(seconds=self._offset_seconds)

    def real_epoch(self) -> float:
        return time.time()

    def restore(self, offset_seconds: float) -> None:
        self._offset_seconds = max(0.0, offset_seconds)


def to_epoch(value: datetime) -> int:
    return int(value.timestamp())


def to_epoch_nanos(value: datetime) -> int:
    """Nanoseconds since the epoch, as Shopee's chat timestamps are (a bare int64 above 2**53)."""
    return int(value.timestamp() * 1_000_000) * 1000


def iso_millis(value: datetime) -> str:
    """eBay's timestamp format: `2025-11-06T10:00:00.000Z`."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (a trailing Z allowed); naive values are taken as UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
