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
MINUTE = timedelta(minutes=1)
MICRO = timedelta(microseconds=1)
SLOTS_PER_DAY = 96
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


TRANSITIONS = {name: _transitions(ZoneInfo(name)) for name in ZONES}
assert sum(map(len, TRANSITIONS.values())) == 6, TRANSITIONS  # New York, London, Lord Howe: twice each


def _slot_time(slot: int) -> time:
    minutes = (slot % SLOTS_PER_DAY) * 15
    return time(minutes // 60, minutes % 60)


def _ring_overlap(a: int, b: int, c: int, d: int) -> bool:
    return any(a < d + shift and c + shift < b for shift in (-SLOTS_PER_WEEK, 0, SLOTS_PER_WEEK))


# --- strategies --------------------------------------------------------------------------


@st.composite
def intervals(draw: st.DrawFn) -> dict[int, tuple[tuple[time, time], ...]]:
    """1–8 non-overlapping weekly intervals on a 15-minute grid, up to 24 h, some crossing midnight."""
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
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    return BusinessCalendar(
        time_zone=draw(st.sampled_from(ZONES)),
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


def instants(zone: str, whole_minutes: bool = False) -> st.SearchStrategy[datetime]:
    """Aware instants in 2026 ± a week: anywhere, on ``zone``'s interval grid, or near its DST changes."""
    if whole_minutes:
        anywhere = st.integers(-7 * 24 * 60, 372 * 24 * 60).map(lambda m: YEAR_START + m * MINUTE)
    else:
        anywhere = st.datetimes(datetime(2025, 12, 25), datetime(2027, 1, 5), timezones=st.just(UTC))
    on_grid = st.builds(
        lambda day, slot, fold: datetime.combine(day, _slot_time(slot), tzinfo=ZoneInfo(zone)).replace(fold=fold),
        st.dates(date(2025, 12, 25), date(2027, 1, 5)),
        st.integers(0, SLOTS_PER_DAY - 1),
        st.integers(0, 1),
    )
    options = [anywhere, on_grid]
    if TRANSITIONS[zone]:
        options.append(
            st.builds(
                lambda t, slots: t + slots * QUARTER,
                st.sampled_from(TRANSITIONS[zone]),
                st.integers(-3 * SLOTS_PER_DAY, 3 * SLOTS_PER_DAY),
            )
        )
    return st.one_of(options)


@st.composite
def scenarios(draw: st.DrawFn, n: int = 1) -> tuple[BusinessCalendar, list[datetime]]:
    """A random calendar and ``n`` instants drawn with its own zone in mind."""
    cal = draw(calendars())
    return cal, [draw(instants(cal.time_zone)) for _ in range(n)]


durations = st.one_of(
    st.integers(0, 7 * SLOTS_PER_DAY).map(lambda n: n * QUARTER),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=7)),
)


@st.composite
def pauses(draw: st.DrawFn, around: datetime) -> list[Pause]:
    out: list[Pause] = []
    for offset, length in draw(
        st.lists(
            st.tuples(st.integers(-SLOTS_PER_DAY, 6 * SLOTS_PER_DAY), st.integers(0, 2 * SLOTS_PER_DAY)),
            max_size=4,
        )
    ):
        start = around.astimezone(UTC) + offset * QUARTER
        out.append((start, start + length * QUARTER))
    return out


# --- properties --------------------------------------------------------------------------


@PROPERTY
@given(case=scenarios(), duration=durations)
def test_elapsed_to_deadline_equals_duration(
    case: tuple[BusinessCalendar, list[datetime]], duration: timedelta
) -> None:
    cal, (start,) = case
    deadline = add_business_time(start, duration, cal)
    assert deadline >= start
    assert deadline.tzinfo is UTC
    assert business_elapsed(start, deadline, cal) == duration


@PROPERTY
@given(case=scenarios(), d1=durations, d2=durations)
def test_deadline_is_monotonic_in_duration(
    case: tuple[BusinessCalendar, list[datetime]], d1: timedelta, d2: timedelta
) -> None:
    cal, (start,) = case
    d1, d2 = sorted((d1, d2))
    assert add_business_time(start, d1, cal) <= add_business_time(start, d2, cal)


@PROPERTY
@given(case=scenarios(3))
def test_elapsed_is_additive(case: tuple[BusinessCalendar, list[datetime]]) -> None:
    cal, points = case
    a, b, c = sorted(points)
    assert business_elapsed(a, c, cal) == business_elapsed(a, b, cal) + business_elapsed(b, c, cal)


@PROPERTY
@given(zone=st.sampled_from(ZONES), duration=durations, data=st.data())
def test_always_open_is_plain_addition(zone: str, duration: timedelta, data: st.DataObject) -> None:
    cal = BusinessCalendar.always_open()
    start = data.draw(instants(zone))
    # Aware datetime + timedelta in a DST zone is wall-clock arithmetic: compare in UTC.
    real_end = start.astimezone(UTC) + duration
    assert add_business_time(start, duration, cal) == real_end
    assert business_elapsed(start, real_end, cal) == duration
    cuts = data.draw(pauses(start))
    deadline = add_business_time(start, duration, cal, cuts)
    assert business_elapsed(start, deadline, cal, cuts) == duration


@PROPERTY
@given(case=scenarios(), duration=durations, data=st.data())
def test_deadline_follows_working_time(
    case: tuple[BusinessCalendar, list[datetime]], duration: timedelta, data: st.DataObject
) -> None:
    cal, (start,) = case
    cuts = data.draw(pauses(start))
    deadline = add_business_time(start, duration, cal, cuts)
    if duration:
        # The last microsecond before the deadline is working time: a deadline never sits
        # at the end of a closed stretch (it would have been reached before the stretch).
        assert business_elapsed(deadline - MICRO, deadline, cal, cuts) == MICRO
    else:
        assert deadline == start


@PROPERTY
@given(case=scenarios(), duration=durations, data=st.data())
def test_pauses_only_delay(
    case: tuple[BusinessCalendar, list[datetime]], duration: timedelta, data: st.DataObject
) -> None:
    cal, (start,) = case
    cuts = data.draw(pauses(start))
    paused = add_business_time(start, duration, cal, cuts)
    assert paused >= add_business_time(start, duration, cal)
    assert business_elapsed(start, paused, cal, cuts) == duration
    assert business_elapsed(start, paused, cal) >= duration


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


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), minutes=st.integers(0, 2 * 24 * 60), data=st.data())
def test_elapsed_matches_minute_by_minute_count(cal: BusinessCalendar, minutes: int, data: st.DataObject) -> None:
    # Every zone here has offsets in whole half-hours, so with intervals on a 15-minute grid
    # and starts on whole UTC minutes, each minute is entirely open or entirely closed.
    start = data.draw(instants(cal.time_zone, whole_minutes=True)).astimezone(UTC)
    local_start = start.astimezone(cal.zone).date()
    nearby = data.draw(st.frozensets(st.integers(-1, 2).map(lambda n: local_start + timedelta(days=n))))
    cal = replace(cal, holidays=cal.holidays | nearby)
    cuts = data.draw(pauses(start))
    expected = sum(
        1
        for i in range(minutes)
        if _open_at(cal, start + i * MINUTE) and not any(a <= start + i * MINUTE < b for a, b in cuts if b)
    )
    assert business_elapsed(start, start + minutes * MINUTE, cal, cuts) == expected * MINUTE
