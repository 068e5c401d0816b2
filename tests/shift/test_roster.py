"""Shift arithmetic, availability and queue distribution as pure functions (no database)."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from api.assignment.selectors import Candidate, distribute
from api.shift import availability, handover_note, roster

AGENT, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)
TEAM = uuid.UUID(int=9)
NY, SH = "America/New_York", "Asia/Shanghai"


def line(weekday=None, on_date=None, start=time(9), minutes=480, tz=SH, user=AGENT, handover=0, off=False):
    return roster.Line(uuid.uuid4(), user, TEAM, tz, weekday, on_date, start, minutes, handover, off)


def utc(*a):
    return datetime(*a, tzinfo=UTC)


def test_overnight_shift_keeps_wall_clock_hours_when_dst_ends_inside_it():
    # New York falls back at 02:00 on Sunday 2026-11-01: a Saturday 22:00 shift of 8 wall-clock
    # hours still ends at 06:00 local, so it lasts 9 real hours.
    ln = line(weekday=5, start=time(22), tz=NY)
    [i] = roster.expand([ln], utc(2026, 11, 1), utc(2026, 11, 1, 12))
    tz = ZoneInfo(NY)
    assert i.start.astimezone(tz).hour == 22 and i.end.astimezone(tz).hour == 6
    assert i.end - i.start == timedelta(hours=9)


def test_dst_start_inside_a_shift_shortens_it_but_keeps_its_hours():
    ln = line(weekday=5, start=time(22), tz=NY)  # Saturday 2026-03-07 22:00 → Sunday 06:00 EDT
    [i] = roster.expand([ln], utc(2026, 3, 8), utc(2026, 3, 8, 12))
    assert i.end.astimezone(ZoneInfo(NY)).time() == time(6)
    assert i.end - i.start == timedelta(hours=7)


def test_overnight_and_midnight_shifts():
    night = line(weekday=0, start=time(23), minutes=8 * 60)  # Monday 23:00 Shanghai → Tuesday 07:00
    midnight = line(weekday=2, start=time(0), minutes=60)  # Wednesday 00:00-01:00 Shanghai
    ivs = roster.expand([night, midnight], utc(2026, 12, 7), utc(2026, 12, 10))
    assert [(i.start, i.end) for i in ivs] == [
        (utc(2026, 12, 7, 15), utc(2026, 12, 7, 23)),
        (utc(2026, 12, 8, 16), utc(2026, 12, 8, 17)),
    ]
    assert roster.current(ivs, AGENT, utc(2026, 12, 7, 22, 59)) is not None
    assert roster.current(ivs, AGENT, utc(2026, 12, 7, 23)) is None  # the end is exclusive
    assert roster.upcoming(ivs, AGENT, utc(2026, 12, 7, 23)).start == utc(2026, 12, 8, 16)


def test_dated_exception_replaces_the_days_pattern_and_a_day_off_removes_it():
    weekly = line(weekday=0)  # Mondays 09:00-17:00 Shanghai
    late = line(on_date=date(2026, 12, 7), start=time(13))
    off = line(on_date=date(2026, 12, 14), off=True)
    ivs = roster.expand([weekly, late, off], utc(2026, 12, 6), utc(2026, 12, 22))
    assert [i.start for i in ivs] == [utc(2026, 12, 7, 5), utc(2026, 12, 21, 1)]


def test_handover_window_stops_routing_before_the_end():
    ln = line(weekday=0, handover=30)
    ivs = roster.expand([ln], utc(2026, 12, 7), utc(2026, 12, 8))
    assert roster.routable(ivs, AGENT, utc(2026, 12, 7, 8, 29))
    assert not roster.routable(ivs, AGENT, utc(2026, 12, 7, 8, 31))
    assert roster.current(ivs, AGENT, utc(2026, 12, 7, 8, 31)) is not None


def test_problems_refuse_over_24_hours_and_bad_zones():
    assert roster.problems(line(weekday=0, minutes=24 * 60)) == []
    assert ("body.duration_minutes", "a shift may last at most 24 hours") in roster.problems(
        line(weekday=0, minutes=24 * 60 + 1)
    )
    assert roster.problems(line(weekday=0, tz="Mars/Olympus"))[0][0] == "body.time_zone"
    assert roster.problems(line())[0][0] == "body.weekday"


def test_overlap_of_an_overnight_shift_with_the_next_morning():
    night = line(weekday=0, start=time(22), minutes=10 * 60)  # Monday 22:00 → Tuesday 08:00
    morning = line(weekday=1, start=time(7))
    clash = roster.overlapping(morning, [night])
    assert clash is not None and clash[0] == night
    assert roster.overlapping(line(weekday=1, start=time(8)), [night]) is None  # back to back is fine
    assert roster.overlapping(morning, [line(weekday=0, start=time(22), minutes=600, user=OTHER)]) is None
    # A dated exception overlapping a weekly shift of the day before.
    assert roster.overlapping(line(on_date=date(2027, 2, 2), start=time(6)), [night]) is not None


@given(
    st.integers(0, 6),
    st.integers(0, 23),
    st.integers(1, 24 * 60),
    st.sampled_from([NY, SH, "Europe/Berlin", "UTC", "Australia/Lord_Howe"]),
)
def test_every_interval_keeps_its_wall_clock_start_and_end(weekday, hour, minutes, tz):
    ln = line(weekday=weekday, start=time(hour), minutes=minutes, tz=tz)
    zone = ZoneInfo(tz)
    for i in roster.expand([ln], utc(2026, 3, 1), utc(2026, 4, 15)):
        local_start = datetime.combine(i.start.astimezone(zone).date(), time(hour))
        expected_end = (local_start + timedelta(minutes=minutes)).replace(tzinfo=zone)
        assert i.end == expected_end.astimezone(UTC)
        assert i.end > i.start and i.end - i.start <= timedelta(hours=26)


def test_coverage_and_gaps():
    ivs = roster.expand([line(weekday=0)], utc(2026, 12, 7), utc(2026, 12, 8))
    on = roster.coverage(ivs, utc(2026, 12, 7, 0), 24)
    assert on[1:9] == [1] * 8 and on[0] == 0 and on[9] == 0
    assert roster.gaps(on, [1.0] * 24) == [0, *range(9, 24)]


def test_availability_follows_shift_and_activity():
    now = utc(2026, 12, 7, 3)
    idle = timedelta(minutes=15)
    active = availability.Presence("online", False, now - timedelta(minutes=1), True)
    assert availability.decide(active, on_shift=False, now=now, idle=idle) == ("offline", True)
    asleep = availability.Presence("online", False, now - timedelta(hours=1), True)
    assert availability.decide(asleep, on_shift=True, now=now, idle=idle) == ("away", True)
    logged_out = availability.Presence("online", False, now, False)
    assert availability.decide(logged_out, on_shift=True, now=now, idle=idle) == ("away", True)
    back = availability.Presence("away", True, now, True)
    assert availability.decide(back, on_shift=True, now=now, idle=idle) == ("online", False)
    chose_away = availability.Presence("away", False, now, True)
    assert availability.decide(chose_away, on_shift=True, now=now, idle=idle) is None


@given(st.lists(st.tuples(st.integers(1, 10), st.integers(0, 12)), min_size=1, max_size=6), st.integers(0, 80))
def test_distribution_never_exceeds_capacity(agents, queued):
    pool = [Candidate(uuid.UUID(int=n + 1), "online", cap, load) for n, (cap, load) in enumerate(agents)]
    owners = distribute(pool, queued)
    free = sum(max(c.capacity - c.open_count, 0) for c in pool)
    assert len(owners) == min(queued, free)
    for c in pool:
        assert c.open_count + owners.count(c.user_id) <= max(c.capacity, c.open_count)


def test_handover_note_names_promise_and_pending():
    text = handover_note.compose(
        from_name="Li Na",
        to_name="Carlos Ruiz",
        shift_ended_at=utc(2026, 12, 7, 10),
        next_shift_at=utc(2026, 12, 8, 1),
        last_reply=(utc(2026, 12, 7, 9), "We will ship a replacement tomorrow."),
        clocks=[handover_note.OpenClock("marketplace_next_response", utc(2026, 12, 7, 20))],
        notes=["Buyer prefers email"],
    )
    assert "Li Na → Carlos Ruiz" in text and "ship a replacement tomorrow" in text
    assert "marketplace next response due 2026-12-07 20:00 UTC" in text and "Buyer prefers email" in text
