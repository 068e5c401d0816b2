"""Property tests for business-calendar deadline arithmetic (random calendars, zones, starts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.sla.calendar import BusinessCalendar, Pause, add_business_time, business_elapsed

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Shanghai", "UTC"]
QUARTER = timedelta(minutes=15)
SLOTS_PER_DAY = 96
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
MICRO = timedelta(microseconds=1)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _transitions(zone: ZoneInfo) -> list[datetime]:
    """UTC instants in 2026 at which ``zone`` changes its offset (to the hour)."""
    found = []
    previous = YEAR_START.astimezone(zone).utcoffset()
    for hour in range(1, 366 * 24):
        instant = YEAR_START + timedelta(hours=hour)
        offset = instant.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(instant)
            previous = offset
    return found


TRANSITIONS = sorted(t for name in ZONES for t in _transitions(ZoneInfo(name)))
assert len(TRANSITIONS) == 6, TRANSITIONS  # New York, London and Lord Howe, twice each


def _slot_time(slot: int) -> time:
    minutes = (slot % SLOTS_PER_DAY) * 15
    return time(minutes // 60, minutes % 60)


def _ring_overlap(a: int, b: int, c: int, d: int) -> bool:
    return any(a < d + shift and c + shift < b for shift in (-SLOTS_PER_WEEK, 0, SLOTS_PER_WEEK))


@st.composite
def intervals(draw: st.DrawFn) -> dict[int, tuple[tuple[time, time], ...]]:
    """1–8 non-overlapping weekly intervals on a 15-minute grid, up to 24 h long, some crossing midnight."""
    candidates = draw(
        st.lists(
            st.tuples(
                # Every 2026 DST change in ZONES happens early on a Sunday: bias towards it.
                st.one_of(st.integers(0, 6), st.just(6)),
                st.one_of(st.integers(0, SLOTS_PER_DAY - 1), st.integers(0, 14)),
                st.one_of(st.integers(1, SLOTS_PER_DAY), st.integers(1, 12)),
            ),
            min_size=1,
            max_size=8,
        )
    )
    kept: list[tuple[int, int]] = []
    layout: dict[int, list[tuple[time, time]]] = {}
    for weekday, first_slot, length in candidates:
        a = weekday * SLOTS_PER_DAY + first_slot
        b = a + length
        if any(_ring_overlap(a, b, c, d) for c, d in kept):
            continue
        kept.append((a, b))
        layout.setdefault(weekday, []).append((_slot_time(first_slot), _slot_time(first_slot + length)))
    return {weekday: tuple(pairs) for weekday, pairs in layout.items()}


@st.composite
def calendars(draw: st.DrawFn, zones: list[str] = ZONES) -> BusinessCalendar:
    return BusinessCalendar(
        time_zone=draw(st.sampled_from(zones)),
        intervals=draw(intervals()),
        holidays=draw(st.frozensets(st.dates(date(2025, 12, 20), date(2027, 1, 20)), max_size=6)),
        recurring_holidays=draw(
            st.frozensets(
                st.one_of(
                    st.just((2, 29)),
                    st.dates(date(2000, 1, 1), date(2000, 12, 31)).map(lambda d: (d.month, d.day)),
                ),
                max_size=3,
            )
        ),
        country_holidays=draw(st.sampled_from([None, None, None, "US", "GB"])),
    )


def _near_transition() -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda t, slots: t + slots * QUARTER,
        st.sampled_from(TRANSITIONS),
        st.integers(-4 * SLOTS_PER_DAY, 4 * SLOTS_PER_DAY),
    )


def _anywhere() -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime(2025, 12, 25), max_value=datetime(2027, 1, 5), timezones=st.just(UTC)
    )


def _on_local_grid() -> st.SearchStrategy[datetime]:
    """Local wall times on the interval grid, so starts land on interval boundaries often."""
    return st.builds(
        lambda day, slot, zone, fold: datetime.combine(day, _slot_time(slot), tzinfo=ZoneInfo(zone)).replace(
            fold=fold
        ),
        st.dates(date(2025, 12, 25), date(2027, 1, 5)),
        st.integers(0, SLOTS_PER_DAY - 1),
        st.sampled_from(ZONES),
        st.integers(0, 1),
    )


instants = st.one_of(_near_transition(), _anywhere(), _on_local_grid())
durations = st.one_of(
    st.integers(0, 7 * SLOTS_PER_DAY).map(lambda n: n * QUARTER),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=7)),
)


@st.composite
def pauses(draw: st.DrawFn, around: datetime) -> list[Pause]:
    out: list[Pause] = []
    for offset, length in draw(
        st.lists(st.tuples(st.integers(-SLOTS_PER_DAY, 6 * SLOTS_PER_DAY), st.integers(0, 2 * SLOTS_PER_DAY)), max_size=4)
    ):
        start = around + offset * QUARTER
        out.append((start, start + length * QUARTER))
    return out


@PROPERTY
@given(cal=calendars(), start=instants, duration=durations)
def test_elapsed_to_deadline_equals_duration(cal: BusinessCalendar, start: datetime, duration: timedelta) -> None:
    deadline = add_business_time(start, duration, cal)
    assert deadline >= start
    assert deadline.tzinfo is UTC
    assert business_elapsed(start, deadline, cal) == duration


@PROPERTY
@given(cal=calendars(), start=instants, d1=durations, d2=durations)
def test_deadline_is_monotonic_in_duration(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    d1, d2 = sorted((d1, d2))
    assert add_business_time(start, d1, cal) <= add_business_time(start, d2, cal)


@PROPERTY
@given(cal=calendars(), a=instants, b=instants, c=instants)
def test_elapsed_is_additive(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert business_elapsed(a, c, cal) == business_elapsed(a, b, cal) + business_elapsed(b, c, cal)


@PROPERTY
@given(start=instants, duration=durations, data=st.data())
def test_always_open_is_plain_addition(start: datetime, duration: timedelta, data: st.DataObject) -> None:
    cal = BusinessCalendar.always_open()
    # Aware datetime + timedelta in a DST zone is wall-clock arithmetic: compare in UTC.
    real_end = start.astimezone(UTC) + duration
    assert add_business_time(start, duration, cal) == real_end
    assert business_elapsed(start, real_end, cal) == duration
    cuts = data.draw(pauses(start))
    deadline = add_business_time(start, duration, cal, cuts)
    assert business_elapsed(start, deadline, cal, cuts) == duration


@PROPERTY
@given(cal=calendars(), start=instants, duration=durations, data=st.data())
def test_deadline_follows_working_time(
    cal: BusinessCalendar, start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    cuts = data.draw(pauses(start))
    deadline = add_business_time(start, duration, cal, cuts)
    if duration:
        # The last microsecond before the deadline is working time: the deadline never
        # sits at the end of a closed stretch it could have been moved ahead of.
        assert business_elapsed(deadline - MICRO, deadline, cal, cuts) == MICRO
    else:
        assert deadline == start


@PROPERTY
@given(cal=calendars(), start=instants, duration=durations, data=st.data())
def test_pauses_only_delay(cal: BusinessCalendar, start: datetime, duration: timedelta, data: st.DataObject) -> None:
    cuts = data.draw(pauses(start))
    paused = add_business_time(start, duration, cal, cuts)
    assert paused >= add_business_time(start, duration, cal)
    assert business_elapsed(start, paused, cal, cuts) == duration
    assert business_elapsed(start, paused, cal, cuts) <= business_elapsed(start, paused, cal)


# --- an independent oracle: test each minute against the definition, no windows or merging ---


def _open_at(cal: BusinessCalendar, instant: datetime) -> bool:
    zone = cal.zone
    local_day = instant.astimezone(zone).date()
    if cal.is_holiday(local_day):
        return False
    for day in (local_day + n * timedelta(days=1) for n in range(-2, 2)):
        for s, e in cal.intervals.get(day.weekday(), ()):
            end_day = day + timedelta(days=1) if e <= s else day
            # Compare in UTC: aware datetimes sharing a tzinfo compare by wall time, ignoring fold.
            opens = datetime.combine(day, s, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(end_day, e, tzinfo=zone).astimezone(UTC)
            if opens <= instant < closes:
                return True
    return False


minute_starts = st.one_of(
    st.integers(0, 366 * 24 * 60).map(lambda m: YEAR_START + timedelta(minutes=m)),
    st.builds(lambda t, m: t + timedelta(minutes=m), st.sampled_from(TRANSITIONS), st.integers(-2880, 2880)),
)


@settings(max_examples=80, deadline=None)
@given(cal=calendars(), start=minute_starts, minutes=st.integers(0, 2 * 24 * 60), data=st.data())
def test_elapsed_matches_minute_by_minute_count(
    cal: BusinessCalendar, start: datetime, minutes: int, data: st.DataObject
) -> None:
    # Every zone here has offsets in whole half-hours, so with intervals on a 15-minute grid
    # each UTC minute is entirely open or entirely closed.
    local_start = start.astimezone(cal.zone).date()
    nearby = data.draw(st.frozensets(st.integers(-1, 2).map(lambda n: local_start + timedelta(days=n))))
    cal = replace(cal, holidays=cal.holidays | nearby)
    cuts = data.draw(pauses(start))
    minute = timedelta(minutes=1)
    expected = sum(
        1
        for i in range(minutes)
        if _open_at(cal, start + i * minute) and not any(a <= start + i * minute < b for a, b in cuts if b)
    )
    assert business_elapsed(start, start + minutes * minute, cal, cuts) == expected * minute
