"""The polling window shared by the API connectors (eBay, Shopee, TikTok).

Marketplaces list conversations by latest activity; a poll walks them down to `start` =
high-water mark minus an overlap (late or clock-skewed messages are not missed; ingestion is
idempotent, so the overlap costs reads, never duplicates). `seen` remembers each conversation's
latest message id once all its messages in the window are fetched, so an unchanged conversation
costs no detail call, and a pass cut short by the page budget resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_OVERLAP = timedelta(minutes=10)
DEFAULT_BACKFILL = timedelta(hours=72)


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class PollWindow:
    def __init__(self, cursor: Mapping[str, Any], settings: Mapping[str, Any], now: datetime) -> None:
        self.overlap = timedelta(seconds=float(settings.get("overlap_seconds", DEFAULT_OVERLAP.total_seconds())))
        backfill = timedelta(hours=float(settings.get("backfill_hours", DEFAULT_BACKFILL.total_seconds() / 3600)))
        self.since = parse_time(cursor.get("since"))
        # A pass cut short keeps its start, so its seen-marks stay valid.
        pass_start = parse_time(cursor.get("pass_start"))
        self.start = pass_start or ((self.since - self.overlap) if self.since else now - backfill)
        self.seen: dict[str, list[str]] = {k: list(v) for k, v in (cursor.get("seen") or {}).items()}
        self.newest = parse_time(cursor.get("pass_newest")) or self.since
        self.fetched = 0
        self.now = now

    def known(self, thread_id: str, latest_message_id: str | None) -> bool:
        entry = self.seen.get(thread_id)
        return entry is not None and latest_message_id is not None and entry[0] == latest_message_id

    def done(self, thread_id: str, latest_message_id: str | None, latest_at: datetime | None) -> None:
        if latest_message_id is not None:
            self.seen[thread_id] = [latest_message_id, (latest_at or self.start).isoformat()]
        self.saw(latest_at)

    def saw(self, at: datetime | None) -> None:
        # A timestamp from the future (a skewed or hostile clock) must not carry the window past
        # messages not fetched yet: the high-water mark never goes beyond our own now.
        if at is not None:
            at = min(at, self.now)
        if at is not None and (self.newest is None or at > self.newest):
            self.newest = at

    def cursor(self, complete: bool) -> dict[str, Any]:
        if not complete:
            return {
                "since": self.since.isoformat() if self.since else None,
                "pass_start": self.start.isoformat(),
                "pass_newest": self.newest.isoformat() if self.newest else None,
                "seen": self.seen,
            }
        since = self.newest or self.start
        horizon = since - self.overlap
        kept = {k: v for k, v in self.seen.items() if (parse_time(v[1]) or horizon) >= horizon}
        return {"since": since.isoformat(), "seen": kept}
