"""Shift arithmetic (pure): a roster's lines turned into concrete UTC intervals, who is on shift,
the next shift, overlaps, and coverage per hour. No I/O; tested without a database.

A line is kept in the agent's own zone as a wall-clock start and a wall-clock length: a 22:00 shift
of 8 hours ends at 06:00 local time even when the clocks change that night (so it lasts 7 or 9
real hours), as a rota on paper does. A start that falls in a spring-forward gap is read with the
offset before the change (zoneinfo's `fold=0`), i.e. one hour later on the new clock.

Dated lines are exceptions: any dated line of an agent for a local date replaces that agent's
weekly lines starting that date (`is_off` alone: a day off).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_MINUTES = 24 * 60
# Look this far around a window for lines whose interval may reach into it (a line starts at most
# a day before it ends, and zones differ from UTC by at most 14 hours).
_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class Line:
    id: uuid.UUID
    user_id: uuid.UUID
    team_id: uuid.UUID
    time_zone: str
    weekday: int | None
    on_date: date | None
    start_time: time
    duration_minutes: int
    handover_minutes: int = 0
    is_off: bool = False


@dataclass(frozen=True)
class Interval:
    line_id: uuid.UUID
    user_id: uuid.UUID
    team_id: uuid.UUID
    start: datetime  # UTC
    end: datetime  # UTC
    handover_minutes: int

    @property
    def handover_start(self) -> datetime:
        """From here until `end` the agent hands over: no new conversations are routed to them."""
        return max(self.start, self.end - timedelta(minutes=self.handover_minutes))

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def wall_clock_interval(day: date, start: time, minutes: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of a shift starting at `start` local time on `day` and lasting `minutes` of
    wall-clock time (its local end is start + minutes whatever the offset does in between)."""
    local_start = datetime.combine(day, start)
    local_end = local_start + timedelta(minutes=minutes)
    return (
        local_start.replace(tzinfo=tz).astimezone(UTC),
        local_end.replace(tzinfo=tz).astimezone(UTC),
    )


def problems(line: Line) -> list[tuple[str, str]]:
    """(field, reason) for a line that cannot be a shift on its own."""
    out: list[tuple[str, str]] = []
    if (line.weekday is None) == (line.on_date is None):
        out.append(("body.weekday", "give either weekday (a weekly pattern) or on_date (an exception), not both"))
    if line.weekday is not None and not 0 <= line.weekday <= 6:
        out.append(("body.weekday", "must be 0 (Monday) to 6 (Sunday)"))
    if line.duration_minutes > MAX_MINUTES:
        out.append(("body.duration_minutes", "a shift may last at most 24 hours"))
    elif line.duration_minutes < 1:
        out.append(("body.duration_minutes", "must be at least 1 minute"))
    if not 0 <= line.handover_minutes <= max(line.duration_minutes, 0):
        out.append(("body.handover_minutes", "must be between 0 and the shift's length"))
    if zone(line.time_zone) is None:
        out.append(("body.time_zone", "not an IANA time zone"))
    return out


def expand(lines: Iterable[Line], start: datetime, end: datetime) -> list[Interval]:
    """Every interval of `lines` that overlaps [start, end), ordered by start."""
    lines = [ln for ln in lines if zone(ln.time_zone) is not None]
    dated: dict[tuple[uuid.UUID, date], list[Line]] = {}
    weekly: list[Line] = []
    for ln in lines:
        if ln.on_date is not None:
            dated.setdefault((ln.user_id, ln.on_date), []).append(ln)
        else:
            weekly.append(ln)
    out: list[Interval] = []

    def add(ln: Line, day: date, tz: ZoneInfo) -> None:
        s, e = wall_clock_interval(day, ln.start_time, ln.duration_minutes, tz)
        if s < end and e > start:
            out.append(Interval(ln.id, ln.user_id, ln.team_id, s, e, ln.handover_minutes))

    for ln in weekly:
        tz = ZoneInfo(ln.time_zone)
        day = (start - _MARGIN).astimezone(tz).date()
        last = (end + _MARGIN).astimezone(tz).date()
        while day <= last:
            if day.weekday() == ln.weekday and (ln.user_id, day) not in dated:
                add(ln, day, tz)
            day += timedelta(days=1)
    for (_, day), group in dated.items():
        for ln in group:
            if not ln.is_off:
                add(ln, day, ZoneInfo(ln.time_zone))
    out.sort(key=lambda i: (i.start, i.user_id.hex, i.line_id.hex))
    return out


def current(intervals: Sequence[Interval], user_id: uuid.UUID, at: datetime) -> Interval | None:
    return next((i for i in intervals if i.user_id == user_id and i.contains(at)), None)


def upcoming(intervals: Sequence[Interval], user_id: uuid.UUID, at: datetime) -> Interval | None:
    """The user's next shift starting after `at`."""
    return next((i for i in intervals if i.user_id == user_id and i.start > at), None)


def last_ended(intervals: Sequence[Interval], user_id: uuid.UUID, at: datetime) -> Interval | None:
    ended = [i for i in intervals if i.user_id == user_id and i.end <= at]
    return max(ended, key=lambda i: i.end, default=None)


def routable(intervals: Sequence[Interval], user_id: uuid.UUID, at: datetime) -> bool:
    """On shift and not inside the shift's closing handover window."""
    shift = current(intervals, user_id, at)
    return shift is not None and at < shift.handover_start


def overlapping(candidate: Line, existing: Iterable[Line]) -> tuple[Line, datetime] | None:
    """An existing line of the same agent that would overlap `candidate` in time, and when; None if
    none does. Weekly lines repeat every 7 days, so a window of three weeks around every dated line
    (and around now, for weekly-only rosters) holds every pair that can ever meet."""
    mine = [ln for ln in existing if ln.user_id == candidate.user_id and ln.id != candidate.id]
    if not mine or candidate.is_off:
        return None
    anchors = {ln.on_date for ln in [*mine, candidate] if ln.on_date is not None}
    anchors.add(date(2027, 1, 4))  # any fixed Monday: weekly lines meet within one week of it
    by_id = {ln.id: ln for ln in mine}
    for anchor in sorted(anchors):
        lo = datetime.combine(anchor - timedelta(days=8), time(), UTC)
        hi = datetime.combine(anchor + timedelta(days=8), time(), UTC)
        ours = [i for i in expand([*mine, candidate], lo, hi)]
        new = [i for i in ours if i.line_id == candidate.id]
        old = [i for i in ours if i.line_id != candidate.id]
        for a in new:
            for b in old:
                if a.start < b.end and b.start < a.end:
                    return by_id[b.line_id], max(a.start, b.start)
    return None


def coverage(intervals: Sequence[Interval], start: datetime, hours: int) -> list[int]:
    """How many distinct agents are on shift at the middle of each of `hours` hours from `start`."""
    out = []
    for h in range(hours):
        mid = start + timedelta(hours=h, minutes=30)
        out.append(len({i.user_id for i in intervals if i.contains(mid)}))
    return out


def gaps(on_shift: Sequence[int], traffic: Sequence[float]) -> list[int]:
    """Hours (indexes) with expected traffic and nobody on shift."""
    return [h for h, (n, t) in enumerate(zip(on_shift, traffic, strict=True)) if n == 0 and t > 0]
