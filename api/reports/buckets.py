"""Pure arithmetic of the metric rollups: time buckets, duration histograms, percentiles.

Durations are counted in fixed histogram buckets (upper edges below, in seconds; the last bucket is
open), so the rows of any range and any grouping add up to the histogram of the whole and a median
or p90 is read from the sum. Within a bucket the value is interpolated linearly; the error is
bounded by the bucket's width (a p90 of 7 min reads between 5 and 10 min, interpolated).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Upper edges (exclusive) in seconds: 30 s … 14 days, denser where service figures live.
EDGES: tuple[int, ...] = (
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    12 * 3600,
    24 * 3600,
    36 * 3600,
    48 * 3600,
    72 * 3600,
    5 * 86400,
    7 * 86400,
    14 * 86400,
)
# The last bucket holds everything at or above the last edge; for interpolation it ends at 30 days.
OPEN_END = 30 * 86400
SIZE = len(EDGES) + 1


def empty() -> list[int]:
    return [0] * SIZE


def bucket_index(seconds: float) -> int:
    """The histogram bucket of a duration (negative durations, clock skew, count as zero)."""
    return bisect.bisect_right(EDGES, max(0.0, seconds))


def add(hist: list[int], seconds: float) -> None:
    hist[bucket_index(seconds)] += 1


def merge(hists: Iterable[Sequence[int]]) -> list[int]:
    out = empty()
    for h in hists:
        for i, v in enumerate(h):
            out[i] += v
    return out


def percentile(hist: Sequence[int], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) of the durations counted in `hist`, None when it is empty."""
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    total = sum(hist)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for i, count in enumerate(hist):
        if count and seen + count >= rank:
            lo = 0 if i == 0 else EDGES[i - 1]
            hi = EDGES[i] if i < len(EDGES) else OPEN_END
            return lo + (hi - lo) * (rank - seen) / count
        seen += count
    return float(OPEN_END)  # unreachable: seen reaches total >= rank


def hour_floor(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def hours(start: datetime, end: datetime) -> list[datetime]:
    """The hour buckets overlapping [start, end)."""
    out: list[datetime] = []
    cursor = hour_floor(start)
    while cursor < end:
        out.append(cursor)
        cursor += timedelta(hours=1)
    return out


def day_of(bucket: datetime, zone: str) -> datetime:
    """The start (UTC instant) of the local day an hour bucket belongs to, in the organization's zone:
    days are derived from hours, so a day is the 23, 24 or 25 local hours between two midnights."""
    local = bucket.astimezone(ZoneInfo(zone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    # Rebuild from the date so a DST change inside the day keeps midnight's own offset.
    midnight = datetime(midnight.year, midnight.month, midnight.day, tzinfo=ZoneInfo(zone))
    return midnight.astimezone(UTC)


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The period of the same length just before [start, end), for comparisons."""
    return start - (end - start), start


def first_hour(day: datetime) -> datetime:
    """The first hour bucket of a local day (`day` its midnight as a UTC instant): the hour starting at
    midnight, or the next one in a zone whose midnight falls inside a UTC hour (+05:30)."""
    floor = hour_floor(day)
    return floor if floor == day else floor + timedelta(hours=1)


def _next_midnight(day: datetime, zone: str) -> datetime:
    """The local midnight after `day` (23, 24 or 25 hours later)."""
    local = day.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    return datetime(local.year, local.month, local.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def days(start: datetime, end: datetime, zone: str) -> list[datetime]:
    """The local days (midnights as UTC instants) of the hour buckets overlapping [start, end): the
    same as `day_of` of each of `hours(start, end)`, a day at a time."""
    out: list[datetime] = []
    day = day_of(hour_floor(start), zone)
    while first_hour(day) < end:
        out.append(day)
        day = _next_midnight(day, zone)
    return out


def whole_days(start: datetime, end: datetime, zone: str) -> tuple[datetime, datetime] | None:
    """The local days all of whose hour buckets lie in [start, end), as [first midnight, midnight after
    the last), or None when there is no such day. Rows of those days can be read from the day rollups;
    the hours of the range outside them, from the hour rows."""
    day = day_of(hour_floor(start), zone)
    if first_hour(day) < start:
        day = _next_midnight(day, zone)
    first, last_end = day, None
    while True:
        after = _next_midnight(day, zone)
        if first_hour(after) - timedelta(hours=1) >= end:  # the day's last hour is not in the range
            break
        last_end = day = after
    return (first, last_end) if last_end is not None else None
