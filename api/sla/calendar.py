"""Business-calendar deadline arithmetic for SLA clocks (pure: no I/O, no database).

Everything is computed on UTC instants, i.e. in real elapsed time, never as wall-clock
differences. One rule set defines the calendar's *open set* and both
:func:`add_business_time` and :func:`business_elapsed` read that same set, so
``business_elapsed(s, add_business_time(s, d, cal), cal) == d`` holds exactly.

Semantics:

* A working interval ``(s, e)`` on weekday ``w`` opens on every local date ``D`` with that
  weekday from ``D s`` to ``D e``. When ``e <= s`` it ends on ``D + 1`` at ``e``. So
  ``(time(22), time(6))`` is a night shift, ``time(0)`` as an end is midnight, and
  ``(time(0), time(0))`` is the whole day.
* Wall times become instants with ``fold=0``. A wall time in a spring-forward gap moves
  forward by the gap (02:30 becomes 03:30 in New York). An ambiguous fall-back wall time
  is its first occurrence. An interval whose ends map to instants in the wrong order
  (for example 02:30–03:00 on New York's spring-forward day) is empty.
* A holiday closes its whole local calendar day ``[D 00:00, D+1 00:00)``. Only the part of
  an interval that falls inside that day is removed. A night shift starting the evening
  before a holiday works until midnight. One starting on a holiday evening reopens at
  midnight.
* A deadline is the *earliest* instant at which the duration is used up. When it runs out
  exactly at the end of an interval, the deadline is that end, not the next opening. So
  every deadline for a positive duration has working time just before it.
* ``duration == 0`` gives ``start`` back (as UTC), even when ``start`` is in closed time.
* A pause is a half-open ``[start, end)`` removed from working time. An ``end`` of
  ``None`` (or one so late that no deadline fits before ``datetime.max``) means
  open-ended. Ends at or before the start are ignored. Overlapping pauses are merged.
* When no deadline exists, :class:`DeadlineUnreachable` (a ``ValueError``) is raised. That
  happens when an open-ended pause swallows the rest of the clock, or when the calendar
  has no working time for three years after the last working time (for example all days
  are holidays).

Country holidays come from the ``holidays`` package (its default "public" category, with
observed days). They are cached per (country, subdivision, year). The package's swapped
weekend *working* days (e.g. China's adjusted Sundays) are not modelled: a calendar has
no "extra working date" concept.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

__all__ = [
    "BusinessCalendar",
    "DeadlineUnreachable",
    "Interval",
    "Pause",
    "add_business_time",
    "business_elapsed",
]

Interval = tuple[time, time]
"""A local working interval ``(start, end)``; ``end <= start`` crosses midnight."""

Pause = tuple[datetime, datetime | None]
"""A closed period ``[start, end)``; ``end=None`` is open-ended."""

_Span = tuple[datetime, datetime]  # [start, end) as UTC instants

_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# Wide enough that a typical 8–48 h target on a business calendar fits in one window.
_WINDOW = timedelta(days=14)
_MAX_IDLE = timedelta(days=3 * 366)
_FOREVER = datetime.max.replace(tzinfo=UTC)
_BIG_BANG = datetime.min.replace(tzinfo=UTC)
_DAY_US = 86_400 * 10**6
_WEEK_US = 7 * _DAY_US
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FULL_DAY: tuple[Interval, ...] = ((time(0), time(0)),)


class DeadlineUnreachable(ValueError):
    """No working time remains: the clock is paused forever or the calendar never reopens."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in one IANA time zone, minus holidays. Validated on construction."""

    time_zone: str
    intervals: dict[int, tuple[Interval, ...]]
    holidays: frozenset[date] = frozenset()
    recurring_holidays: frozenset[tuple[int, int]] = frozenset()
    country_holidays: str | None = None
    subdivision: str | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _always_open: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Validating here (not only in from_spec) keeps a bad calendar from ever reaching
        # the deadline walk, where an empty calendar would otherwise only fail after years.
        set_ = functools.partial(object.__setattr__, self)
        set_("_zone", _load_zone(self.time_zone))
        intervals = _normalise_intervals(self.intervals)
        covered = _check_weekly_layout(intervals)
        set_("intervals", intervals)
        set_("holidays", frozenset(self.holidays))
        for d in self.holidays:
            if not isinstance(d, date) or isinstance(d, datetime):
                raise ValueError(f"holiday {d!r} is not a date")
        set_("recurring_holidays", frozenset(_check_month_day(md) for md in self.recurring_holidays))
        if self.country_holidays is not None:
            if not isinstance(self.country_holidays, str):
                raise ValueError(f"country_holidays must be a country code, got {self.country_holidays!r}")
            code = self.country_holidays.strip().upper()
            _check_country(code, self.subdivision)
            set_("country_holidays", code)
        elif self.subdivision is not None:
            raise ValueError("subdivision given without country_holidays")
        has_holidays = bool(self.holidays or self.recurring_holidays or self.country_holidays)
        set_("_always_open", covered == _WEEK_US and not has_holidays)

    def __hash__(self) -> int:
        return hash(
            (
                self.time_zone,
                tuple(sorted(self.intervals.items())),
                self.holidays,
                self.recurring_holidays,
                self.country_holidays,
                self.subdivision,
            )
        )

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        """24/7 with no holidays: the marketplace clock."""
        return _ALWAYS_OPEN

    @classmethod
    def from_spec(
        cls,
        time_zone: str,
        intervals: Mapping[int | str, Iterable[Sequence[time | str] | str]],
        *,
        holidays: Iterable[date | str] = (),
        recurring_holidays: Iterable[Sequence[int] | str] = (),
        country_holidays: str | None = None,
        subdivision: str | None = None,
    ) -> BusinessCalendar:
        """Build from loose input (as stored or posted); raise ``ValueError`` on any defect.

        Weekdays: ``0``–``6`` or names (``"mon"``, ``"Monday"``). Times: ``time`` or
        ``"HH:MM[:SS]"``, with ``"24:00"`` accepted as a closing midnight; a pair may also be
        one string ``"09:00-18:00"``. Holidays:
        ``date`` or ``"YYYY-MM-DD"``. Recurring holidays: ``(month, day)`` or ``"MM-DD"``.
        """
        if not isinstance(time_zone, str):
            raise ValueError(f"time zone must be an IANA name string, got {time_zone!r}")
        if not isinstance(intervals, Mapping):
            raise ValueError("intervals must map weekdays to lists of (start, end) pairs")
        parsed: dict[int, tuple[Interval, ...]] = {}
        for key, pairs in intervals.items():
            weekday = _parse_weekday(key)
            if weekday in parsed:
                raise ValueError(f"{_WEEKDAYS[weekday]} is given more than once")
            parsed[weekday] = tuple(_parse_pair(pair, weekday) for pair in pairs)
        return cls(
            time_zone=time_zone,
            intervals=parsed,
            holidays=frozenset(_parse_date(d) for d in holidays),
            recurring_holidays=frozenset(_parse_month_day(md) for md in recurring_holidays),
            country_holidays=country_holidays,
            subdivision=subdivision,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def is_always_open(self) -> bool:
        return self._always_open

    def is_holiday(self, day: date) -> bool:
        """Whether the local calendar date ``day`` is closed as a holiday."""
        if day in self.holidays or (day.month, day.day) in self.recurring_holidays:
            return True
        return self.country_holidays is not None and day in _country_dates(
            self.country_holidays, self.subdivision, day.year
        )

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Working time within ``[start, end)`` as sorted, disjoint UTC ``[a, b)`` spans."""
        lo, hi = _as_utc(start, "start"), _as_utc(end, "end")
        spans: list[_Span] = []
        for w_lo, w_hi in _windows(lo, hi):
            spans.extend(self._open_spans(w_lo, w_hi))
        return _merge(spans)

    def _open_spans(self, lo: datetime, hi: datetime) -> list[_Span]:
        """The open set clipped to ``[lo, hi)``; exact for any window, so windows can be chained."""
        if hi <= lo:
            return []
        if self._always_open:
            return [(lo, hi)]
        zone = self._zone
        # Margins cover intervals spilling past midnight, holidays adjacent to the window
        # and zones whose gap shifts wall times by up to a day (Pacific/Apia, 2011).
        day = lo.astimezone(zone).date() - 3 * _DAY
        last = hi.astimezone(zone).date() + 2 * _DAY
        opened: list[_Span] = []
        closed: list[_Span] = []
        while day <= last:
            next_day = day + _DAY
            if self.is_holiday(day):
                closed.append((_to_instant(day, time(0), zone), _to_instant(next_day, time(0), zone)))
            for s, e in self.intervals.get(day.weekday(), ()):
                a = _to_instant(day, s, zone)
                b = _to_instant(next_day if e <= s else day, e, zone)
                if a < b:
                    opened.append((a, b))
            day = next_day
        opened.sort()
        closed.sort()
        return _clip(_subtract(_merge(opened), _merge(closed)), lo, hi)


def add_business_time(
    start: datetime,
    duration: timedelta,
    cal: BusinessCalendar,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """The UTC instant at which ``duration`` of working time has elapsed since ``start``."""
    origin = _as_utc(start, "start")
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if not duration:
        return origin
    cuts = _normalise_pauses(pauses)
    remaining = duration
    cursor = idle_since = origin
    starts = [a for a, _ in cuts]
    try:
        if cal.is_always_open and not cuts:
            return origin + duration
        while True:
            i = bisect_right(starts, cursor) - 1
            if i >= 0 and cursor < cuts[i][1]:
                if cuts[i][1] == _FOREVER:
                    raise DeadlineUnreachable(f"the clock is paused indefinitely from {cuts[i][0]}")
                # Paused time is not the calendar's fault, so it does not count as idle.
                cursor = idle_since = cuts[i][1]
                continue
            hi = cursor + _WINDOW
            spans = cal._open_spans(cursor, hi)
            if spans:
                idle_since = spans[-1][1]
            for a, b in _subtract(spans, _clip(cuts, cursor, hi)):
                if b - a >= remaining:
                    return a + remaining
                remaining -= b - a
            if hi - idle_since > _MAX_IDLE:
                raise DeadlineUnreachable(f"calendar has no working time between {idle_since} and {hi}")
            cursor = hi
    except OverflowError as exc:
        raise DeadlineUnreachable("no deadline before the end of representable time") from exc


def business_elapsed(
    start: datetime,
    end: datetime,
    cal: BusinessCalendar,
    pauses: Sequence[Pause] = (),
) -> timedelta:
    """Working time in ``[start, end)`` minus pauses; zero when ``end <= start``."""
    lo, hi = _as_utc(start, "start"), _as_utc(end, "end")
    if hi <= lo:
        return _ZERO
    cuts = _clip(_normalise_pauses(pauses), lo, hi)
    if cal.is_always_open:
        return (hi - lo) - sum((b - a for a, b in cuts), _ZERO)
    total = _ZERO
    for w_lo, w_hi in _windows(lo, hi):
        for a, b in _subtract(cal._open_spans(w_lo, w_hi), _clip(cuts, w_lo, w_hi)):
            total += b - a
    return total


# --- interval arithmetic on sorted lists of [a, b) spans ---------------------------------


def _merge(spans: Iterable[_Span]) -> list[_Span]:
    """Union of spans already sorted by start; touching spans are joined."""
    out: list[_Span] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _subtract(spans: list[_Span], cuts: list[_Span]) -> list[_Span]:
    """``spans`` minus ``cuts``; both sorted and disjoint."""
    if not cuts:
        return spans
    out: list[_Span] = []
    j = 0
    for a, b in spans:
        while j < len(cuts) and cuts[j][1] <= a:
            j += 1
        k = j
        while a < b and k < len(cuts) and cuts[k][0] < b:
            if cuts[k][0] > a:
                out.append((a, cuts[k][0]))
            a = max(a, cuts[k][1])
            k += 1
        if a < b:
            out.append((a, b))
    return out


def _clip(spans: list[_Span], lo: datetime, hi: datetime) -> list[_Span]:
    return [(max(a, lo), min(b, hi)) for a, b in spans if b > lo and a < hi]


def _windows(lo: datetime, hi: datetime) -> Iterable[_Span]:
    while lo < hi:
        # Compare the gap first so a window never overflows past datetime.max.
        w_hi = hi if hi - lo <= _WINDOW else lo + _WINDOW
        yield lo, w_hi
        lo = w_hi


# --- conversions and validation ----------------------------------------------------------


def _to_instant(day: date, t: time, zone: ZoneInfo) -> datetime:
    # fold=0 is fixed by _normalise_intervals; astimezone resolves gaps forward.
    return datetime.combine(day, t, tzinfo=zone).astimezone(UTC)


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _as_utc_clamped(value: datetime, name: str) -> datetime:
    try:
        return _as_utc(value, name)
    except OverflowError:
        # Only datetime.min/max-ish values in a non-UTC zone get here; they mean "unbounded".
        return _FOREVER if value.year == datetime.max.year else _BIG_BANG


def _normalise_pauses(pauses: Sequence[Pause]) -> list[_Span]:
    spans: list[_Span] = []
    for pause in pauses:
        if len(pause) != 2:
            raise ValueError(f"a pause is a (start, end) pair, got {pause!r}")
        p_start, p_end = pause
        a = _as_utc_clamped(p_start, "pause start")
        b = _FOREVER if p_end is None else _as_utc_clamped(p_end, "pause end")
        if a < b:
            spans.append((a, b))
    spans.sort()
    return _merge(spans)


def _load_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"time zone must be a non-empty IANA name, got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: "America" is a directory of the tz database, not a zone.
        hint = "expected an IANA name such as 'Asia/Shanghai'"
        raise ValueError(f"unknown time zone {name!r} ({hint})") from exc


def _normalise_intervals(raw: Mapping[int, Iterable[Interval]]) -> dict[int, tuple[Interval, ...]]:
    if not isinstance(raw, Mapping):
        raise ValueError("intervals must map weekdays (0=Monday..6=Sunday) to (start, end) pairs")
    out: dict[int, tuple[Interval, ...]] = {}
    for weekday, pairs in raw.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be an int 0 (Monday) to 6 (Sunday), got {weekday!r}")
        day: list[Interval] = []
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"{_WEEKDAYS[weekday]}: an interval is a (start, end) pair, got {pair!r}")
            for t in pair:
                if not isinstance(t, time):
                    raise ValueError(f"{_WEEKDAYS[weekday]}: {t!r} is not a datetime.time")
                if t.tzinfo is not None:
                    raise ValueError(f"{_WEEKDAYS[weekday]}: {t} must be a naive local time")
            day.append((pair[0].replace(fold=0), pair[1].replace(fold=0)))
        if day:
            out[weekday] = tuple(sorted(day))
    return out


def _check_weekly_layout(intervals: Mapping[int, tuple[Interval, ...]]) -> int:
    """Reject overlaps (a night shift spilling into the next day included); return covered µs."""
    spans: list[tuple[int, int, int, Interval]] = []
    for weekday, pairs in intervals.items():
        for s, e in pairs:
            a = weekday * _DAY_US + _micros(s)
            b = weekday * _DAY_US + _micros(e) + (_DAY_US if e <= s else 0)
            spans.append((a, b, weekday, (s, e)))
    if not spans:
        raise ValueError("calendar has no working intervals: no deadline could ever be reached")
    spans.sort()
    for (_, b1, w1, iv1), (a2, _, w2, iv2) in pairwise(spans):
        if a2 < b1:
            raise ValueError(f"working intervals overlap: {_describe(w1, iv1)} and {_describe(w2, iv2)}")
    # Only the last span can run past the end of the week (a Sunday night shift); it
    # continues into the following Monday.
    first, last = spans[0], spans[-1]
    if last[1] - _WEEK_US > first[0]:
        raise ValueError(
            f"working intervals overlap: {_describe(last[2], last[3])} and {_describe(first[2], first[3])}"
        )
    return sum(b - a for a, b, _, _ in spans)


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 10**6 + t.microsecond


def _describe(weekday: int, interval: Interval) -> str:
    return f"{_WEEKDAYS[weekday]} {_fmt_time(interval[0])}–{_fmt_time(interval[1])}"


def _fmt_time(t: time) -> str:
    return t.isoformat(timespec="minutes" if not (t.second or t.microsecond) else "auto")


def _check_month_day(month_day: object) -> tuple[int, int]:
    if (
        not isinstance(month_day, tuple)
        or len(month_day) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in month_day)
    ):
        raise ValueError(f"recurring holiday must be a (month, day) pair, got {month_day!r}")
    month, day = month_day
    try:
        date(2000, month, day)  # a leap year, so (2, 29) is allowed
    except ValueError as exc:
        raise ValueError(f"recurring holiday {month_day!r} is not a valid month/day") from exc
    return month, day


@functools.lru_cache(maxsize=256)
def _check_country(code: str, subdivision: str | None) -> None:
    try:
        holidays_lib.country_holidays(code, subdiv=subdivision)
    except NotImplementedError as exc:
        where = code if subdivision is None else f"{code}/{subdivision}"
        raise ValueError(f"unknown holiday country or subdivision {where!r}: {exc}") from exc


@functools.lru_cache(maxsize=1024)
def _country_dates(code: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(code, subdiv=subdivision, years=year).keys())


# --- from_spec parsing -------------------------------------------------------------------

_WEEKDAY_ALIASES = {name.lower(): i for i, name in enumerate(_WEEKDAYS)} | {
    name[:3].lower(): i for i, name in enumerate(_WEEKDAYS)
}


def _parse_weekday(key: int | str) -> int:
    if isinstance(key, str):
        try:
            return _WEEKDAY_ALIASES[key.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown weekday {key!r} (use 0–6 or a name like 'mon')") from None
    if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {key!r}")
    return key


def _parse_pair(pair: Sequence[time | str] | str, weekday: int) -> Interval:
    if isinstance(pair, str):
        pair = pair.replace("–", "-").split("-")
    if len(pair) != 2:
        raise ValueError(f"{_WEEKDAYS[weekday]}: an interval is a (start, end) pair, got {pair!r}")
    return _parse_time(pair[0], weekday), _parse_time(pair[1], weekday)


def _parse_time(value: time | str, weekday: int) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in ("24:00", "24:00:00"):
            return time(0)
        try:
            return time.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"{_WEEKDAYS[weekday]}: {value!r} is not a time like '09:30'")


def _parse_date(value: date | str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"holiday {value!r} is not a date like '2026-10-01'")


def _parse_month_day(value: Sequence[int] | str) -> tuple[int, int]:
    candidate: object = value
    if isinstance(value, str):
        try:
            candidate = tuple(int(part) for part in value.strip().lstrip("-").split("-"))
        except ValueError:
            raise ValueError(f"recurring holiday {value!r} is not like '12-25'") from None
    elif isinstance(value, Sequence):
        candidate = tuple(value)  # JSON gives lists
    return _check_month_day(candidate)


_ALWAYS_OPEN = BusinessCalendar(time_zone="UTC", intervals=dict.fromkeys(range(7), _FULL_DAY))
