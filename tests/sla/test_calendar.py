"""Example-based tests for business-calendar deadline arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.sla.calendar import (
    BusinessCalendar,
    DeadlineUnreachable,
    add_business_time,
    business_elapsed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
WEEKDAYS = range(5)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=NEW_YORK, fold=fold)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def office(tz: str = "Asia/Shanghai", **kwargs: object) -> BusinessCalendar:
    return BusinessCalendar.from_spec(tz, {d: [("09:00", "18:00")] for d in WEEKDAYS}, **kwargs)  # type: ignore[arg-type]


# 2026-03-02 is a Monday; 2026-03-06 a Friday.
MON = (2026, 3, 2)
FRI = (2026, 3, 6)


class TestOfficeHours:
    cal = office()

    def test_within_one_day(self) -> None:
        assert add_business_time(sh(*MON, 10), 2 * H, self.cal) == sh(*MON, 12)

    def test_result_is_utc(self) -> None:
        deadline = add_business_time(sh(*MON, 10), 2 * H, self.cal)
        assert deadline.tzinfo is UTC
        assert deadline == utc(*MON, 4)

    def test_runs_out_exactly_at_closing_time_gives_closing_time(self) -> None:
        assert add_business_time(sh(*MON, 10), 8 * H, self.cal) == sh(*MON, 18)

    def test_overflows_into_next_morning(self) -> None:
        assert add_business_time(sh(*MON, 10), 8.5 * H, self.cal) == sh(2026, 3, 3, 9, 30)

    def test_start_before_opening(self) -> None:
        assert add_business_time(sh(*MON, 7), H, self.cal) == sh(*MON, 10)

    def test_start_on_weekend(self) -> None:
        assert add_business_time(sh(2026, 3, 7, 15), H, self.cal) == sh(2026, 3, 9, 10)

    def test_friday_evening_plus_four_hours_lands_monday(self) -> None:
        assert add_business_time(sh(*FRI, 20), 4 * H, self.cal) == sh(2026, 3, 9, 13)
        assert add_business_time(sh(*FRI, 17), 4 * H, self.cal) == sh(2026, 3, 9, 12)

    def test_start_exactly_at_interval_start(self) -> None:
        assert add_business_time(sh(*MON, 9), 9 * H, self.cal) == sh(*MON, 18)
        assert business_elapsed(sh(*MON, 9), sh(*MON, 18), self.cal) == 9 * H

    def test_start_exactly_at_interval_end(self) -> None:
        assert add_business_time(sh(*FRI, 18), H, self.cal) == sh(2026, 3, 9, 10)
        assert business_elapsed(sh(*FRI, 18), sh(2026, 3, 9, 9), self.cal) == timedelta(0)

    def test_elapsed_over_a_week(self) -> None:
        assert business_elapsed(sh(*MON, 0), sh(2026, 3, 9, 0), self.cal) == 45 * H

    def test_elapsed_accepts_any_aware_zone(self) -> None:
        assert business_elapsed(utc(*MON, 1), utc(*MON, 3), self.cal) == 2 * H

    def test_elapsed_is_zero_when_end_not_after_start(self) -> None:
        assert business_elapsed(sh(*MON, 12), sh(*MON, 12), self.cal) == timedelta(0)
        assert business_elapsed(sh(*MON, 12), sh(*MON, 10), self.cal) == timedelta(0)

    def test_zero_duration_returns_start_even_when_closed(self) -> None:
        saturday = sh(2026, 3, 7, 15)
        assert add_business_time(saturday, timedelta(0), self.cal) == saturday
        assert add_business_time(saturday, timedelta(0), self.cal).tzinfo is UTC

    def test_negative_duration_rejected(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            add_business_time(sh(*MON, 10), -H, self.cal)

    def test_long_duration_walks_many_windows(self) -> None:
        # 450 business hours = 10 working weeks of 45 h.
        assert add_business_time(sh(*MON, 9), 450 * H, self.cal) == sh(2026, 5, 8, 18)

    def test_open_intervals(self) -> None:
        assert self.cal.open_intervals(sh(*FRI, 12), sh(2026, 3, 9, 10)) == [
            (sh(*FRI, 12), sh(*FRI, 18)),
            (sh(2026, 3, 9, 9), sh(2026, 3, 9, 10)),
        ]


class TestLunchBreak:
    cal = BusinessCalendar.from_spec("Asia/Shanghai", {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in WEEKDAYS})

    def test_skips_lunch(self) -> None:
        assert add_business_time(sh(*MON, 11), 2 * H, self.cal) == sh(*MON, 14)

    def test_start_during_lunch(self) -> None:
        assert add_business_time(sh(*MON, 12, 30), H, self.cal) == sh(*MON, 14)

    def test_runs_out_at_lunch_gives_noon(self) -> None:
        assert add_business_time(sh(*MON, 11), H, self.cal) == sh(*MON, 12)

    def test_elapsed_excludes_lunch(self) -> None:
        assert business_elapsed(sh(*MON, 9), sh(*MON, 18), self.cal) == 8 * H


class TestNightShift:
    cal = BusinessCalendar(time_zone="Asia/Shanghai", intervals={d: ((time(22), time(6)),) for d in WEEKDAYS})

    def test_crosses_midnight(self) -> None:
        assert add_business_time(sh(*MON, 23), 2 * H, self.cal) == sh(2026, 3, 3, 1)

    def test_monday_morning_is_closed_without_a_sunday_shift(self) -> None:
        assert add_business_time(sh(*MON, 5), H, self.cal) == sh(*MON, 23)

    def test_friday_shift_runs_into_saturday(self) -> None:
        assert add_business_time(sh(2026, 3, 7, 5), 2 * H, self.cal) == sh(2026, 3, 9, 23)

    def test_elapsed_over_a_night(self) -> None:
        assert business_elapsed(sh(*MON, 12), sh(2026, 3, 3, 12), self.cal) == 8 * H

    def test_holiday_cuts_the_part_of_a_shift_inside_it(self) -> None:
        cal = BusinessCalendar(
            time_zone="Asia/Shanghai",
            intervals=self.cal.intervals,
            holidays=frozenset({date(2026, 3, 3)}),
        )
        # Monday's shift stops at midnight; Tuesday's shift only works after midnight.
        assert add_business_time(sh(*MON, 23), 2 * H, cal) == sh(2026, 3, 4, 1)
        assert business_elapsed(sh(*MON, 0), sh(2026, 3, 5, 0), cal) == 2 * H + 6 * H + 2 * H


class TestDaylightSaving:
    # 2026-03-08 and 2026-11-01 are Sundays: New York springs forward and falls back at 02:00.
    nightly = BusinessCalendar(time_zone="America/New_York", intervals={d: ((time(1), time(3)),) for d in range(7)})

    def test_spring_forward_interval_lasts_one_real_hour(self) -> None:
        assert business_elapsed(ny(2026, 3, 8), ny(2026, 3, 9), self.nightly) == H
        assert business_elapsed(ny(2026, 3, 7), ny(2026, 3, 8), self.nightly) == 2 * H
        assert self.nightly.open_intervals(ny(2026, 3, 8), ny(2026, 3, 9)) == [(utc(2026, 3, 8, 6), utc(2026, 3, 8, 7))]

    def test_fall_back_interval_lasts_three_real_hours(self) -> None:
        assert business_elapsed(ny(2026, 11, 1), ny(2026, 11, 2), self.nightly) == 3 * H
        assert self.nightly.open_intervals(ny(2026, 11, 1), ny(2026, 11, 2)) == [
            (utc(2026, 11, 1, 5), utc(2026, 11, 1, 8))
        ]

    def test_add_across_spring_forward(self) -> None:
        start = ny(2026, 3, 8, 1)
        assert add_business_time(start, H, self.nightly) == ny(2026, 3, 8, 3)
        assert add_business_time(start, 1.5 * H, self.nightly) == ny(2026, 3, 9, 1, 30)

    def test_add_across_fall_back(self) -> None:
        start = ny(2026, 11, 1, 1)
        assert add_business_time(start, 2.5 * H, self.nightly) == utc(2026, 11, 1, 7, 30)
        assert add_business_time(start, 3 * H, self.nightly) == ny(2026, 11, 1, 3)
        # The second 01:30 (fold=1) is 1.5 h into an interval that opened at the first 01:00.
        assert business_elapsed(start, ny(2026, 11, 1, 1, 30, fold=1), self.nightly) == 1.5 * H

    def test_wall_time_in_the_gap_moves_forward(self) -> None:
        cal = BusinessCalendar(time_zone="America/New_York", intervals={6: ((time(2, 30), time(4)),)})
        # 02:30 does not exist on 2026-03-08; it is read as 03:30 EDT.
        assert cal.open_intervals(ny(2026, 3, 8), ny(2026, 3, 9)) == [(ny(2026, 3, 8, 3, 30), ny(2026, 3, 8, 4))]

    def test_interval_entirely_in_the_gap_is_empty_that_day(self) -> None:
        cal = BusinessCalendar(time_zone="America/New_York", intervals={6: ((time(2), time(3)),)})
        assert business_elapsed(ny(2026, 3, 8), ny(2026, 3, 9), cal) == timedelta(0)
        assert business_elapsed(ny(2026, 3, 15), ny(2026, 3, 16), cal) == H
        assert add_business_time(ny(2026, 3, 7), H, cal) == ny(2026, 3, 15, 3)

    def test_office_hours_over_the_weekend_change(self) -> None:
        cal = office("America/New_York")
        friday = ny(*FRI, 17)  # EST, UTC-5
        assert add_business_time(friday, 2 * H, cal) == ny(2026, 3, 9, 10)  # EDT, UTC-4
        assert add_business_time(friday, 2 * H, cal) == utc(2026, 3, 9, 14)

    def test_full_day_lengths(self) -> None:
        cal = BusinessCalendar(
            time_zone="America/New_York",
            intervals={d: ((time(0), time(0)),) for d in range(7)},
            holidays=frozenset({date(2030, 1, 1)}),  # forces the general, non-24/7 path
        )
        assert not cal.is_always_open
        assert business_elapsed(ny(2026, 3, 8), ny(2026, 3, 9), cal) == 23 * H
        assert business_elapsed(ny(2026, 11, 1), ny(2026, 11, 2), cal) == 25 * H
        assert add_business_time(ny(2026, 3, 8), 24 * H, cal) == ny(2026, 3, 9, 1)


class TestHolidays:
    def test_single_date(self) -> None:
        cal = office(holidays=["2026-03-09"])
        assert add_business_time(sh(*FRI, 17), 4 * H, cal) == sh(2026, 3, 10, 12)

    def test_recurring(self) -> None:
        cal = office(recurring_holidays=[(10, 1), "10-02"])
        assert cal.is_holiday(date(2026, 10, 1)) and cal.is_holiday(date(2031, 10, 2))
        # 2026-09-30 is a Wednesday; Thu 1 and Fri 2 October are closed.
        assert add_business_time(sh(2026, 9, 30, 17), 2 * H, cal) == sh(2026, 10, 5, 10)

    def test_country_us_observed_independence_day(self) -> None:
        cal = office("America/New_York", country_holidays="us")
        assert cal.country_holidays == "US"
        assert cal.is_holiday(date(2026, 7, 3))  # 4 July 2026 is a Saturday
        assert add_business_time(ny(2026, 7, 2, 17), 2 * H, cal) == ny(2026, 7, 6, 10)

    def test_country_subdivision(self) -> None:
        cal = office("America/Chicago", country_holidays="US", subdivision="IL")
        assert cal.is_holiday(date(2026, 2, 12))  # Lincoln's Birthday, Illinois only
        assert not office("America/Chicago", country_holidays="US").is_holiday(date(2026, 2, 12))

    def test_country_cn_golden_week(self) -> None:
        cal = office(country_holidays="CN")
        # 1–7 October 2026 are all days off; Thursday 8 October is the next working day.
        assert add_business_time(sh(2026, 9, 30, 17), 2 * H, cal) == sh(2026, 10, 8, 10)

    def test_cn_swapped_weekend_working_days_are_not_modelled(self) -> None:
        cal = office(country_holidays="CN")
        sunday_worked_in_china = sh(2026, 9, 20)
        assert business_elapsed(sunday_worked_in_china, sunday_worked_in_china + 24 * H, cal) == timedelta(0)

    def test_holiday_also_closes_a_24_7_calendar(self) -> None:
        cal = BusinessCalendar(
            time_zone="Asia/Shanghai",
            intervals={d: ((time(0), time(0)),) for d in range(7)},
            holidays=frozenset({date(2026, 3, 3)}),
        )
        assert add_business_time(sh(*MON, 23), 2 * H, cal) == sh(2026, 3, 4, 1)

    def test_long_holiday_run_terminates(self, monkeypatch: pytest.MonkeyPatch) -> None:
        cal = office(holidays=[date(2026, 1, 1) + timedelta(days=i) for i in range(400)])
        windows = _count_windows(monkeypatch)
        assert add_business_time(sh(2026, 1, 1), H, cal) == sh(2027, 2, 5, 10)
        # Work, not wall time: the closed run is skipped two weeks at a time (401 days -> 29 windows),
        # never day by day or minute by minute.
        assert windows == [29]

    def test_calendar_that_never_opens_again_raises(self, monkeypatch: pytest.MonkeyPatch) -> None:
        every_day = [(m, d) for m in range(1, 13) for d in range(1, 32) if _valid(2000, m, d)]
        cal = office(recurring_holidays=every_day)
        windows = _count_windows(monkeypatch)
        with pytest.raises(DeadlineUnreachable, match="no working time"):
            add_business_time(sh(*MON, 10), H, cal)
        # It gives up after three idle years of two-week windows, not at the end of representable time.
        assert windows == [79]


class TestLeapDay:
    # 2028-02-28 is a Monday, 2028-02-29 a Tuesday.
    def test_recurring_feb_29_only_in_leap_years(self) -> None:
        cal = office(recurring_holidays=["02-29"])
        assert add_business_time(sh(2028, 2, 28, 17), 2 * H, cal) == sh(2028, 3, 1, 10)
        # 2027 has no 29 February, so 1 March 2027 (a Monday) is an ordinary day.
        assert add_business_time(sh(2027, 2, 26, 17), 2 * H, cal) == sh(2027, 3, 1, 10)

    def test_leap_day_counts_as_a_working_day(self) -> None:
        cal = office()
        assert add_business_time(sh(2028, 2, 28, 17), 2 * H, cal) == sh(2028, 2, 29, 10)
        assert business_elapsed(sh(2028, 2, 28), sh(2028, 3, 2), office()) == 27 * H

    def test_single_leap_day_holiday(self) -> None:
        cal = office(holidays=[date(2028, 2, 29)])
        assert business_elapsed(sh(2028, 2, 28), sh(2028, 3, 2), cal) == 18 * H

    def test_always_open_across_leap_day(self) -> None:
        cal = BusinessCalendar.always_open()
        assert business_elapsed(sh(2028, 2, 28), sh(2028, 3, 1), cal) == 48 * H


class TestPauses:
    cal = office()

    def test_start_inside_a_pause(self) -> None:
        pause = (sh(*MON, 9, 30), sh(*MON, 11))
        assert add_business_time(sh(*MON, 10), H, self.cal, [pause]) == sh(*MON, 12)

    def test_pause_in_the_middle(self) -> None:
        pause = (sh(*MON, 11), sh(*MON, 13))
        assert add_business_time(sh(*MON, 10), 3 * H, self.cal, [pause]) == sh(*MON, 15)
        assert business_elapsed(sh(*MON, 10), sh(*MON, 15), self.cal, [pause]) == 3 * H

    def test_pause_in_closed_time_changes_nothing(self) -> None:
        weekend = (sh(2026, 3, 7), sh(2026, 3, 9))
        assert add_business_time(sh(*FRI, 17), 4 * H, self.cal, [weekend]) == sh(2026, 3, 9, 12)

    def test_overlapping_and_empty_pauses(self) -> None:
        pauses = [
            (sh(*MON, 11), sh(*MON, 12)),
            (sh(*MON, 11, 30), sh(*MON, 13)),
            (sh(*MON, 14), sh(*MON, 14)),
        ]
        assert add_business_time(sh(*MON, 10), 3 * H, self.cal, pauses) == sh(*MON, 15)

    def test_long_pause_is_skipped_quickly(self) -> None:
        pause = (sh(2026, 3, 2), sh(2031, 3, 3, 10))
        assert add_business_time(sh(*MON, 10), H, self.cal, [pause]) == sh(2031, 3, 3, 11)

    def test_open_ended_pause(self) -> None:
        with pytest.raises(DeadlineUnreachable, match="paused indefinitely"):
            add_business_time(sh(*MON, 10), 3 * H, self.cal, [(sh(*MON, 11), None)])
        assert business_elapsed(sh(*MON, 10), sh(*MON, 18), self.cal, [(sh(*MON, 11), None)]) == H

    def test_datetime_max_as_pause_end(self) -> None:
        for end in (datetime.max.replace(tzinfo=UTC), datetime.max.replace(tzinfo=NEW_YORK)):
            with pytest.raises(DeadlineUnreachable):
                add_business_time(sh(*MON, 10), 3 * H, self.cal, [(sh(*MON, 11), end)])
            assert business_elapsed(sh(*MON, 10), sh(*MON, 18), self.cal, [(sh(*MON, 11), end)]) == H

    def test_pauses_on_the_marketplace_clock(self) -> None:
        cal = BusinessCalendar.always_open()
        start = utc(2026, 3, 2, 10)
        pause = (utc(2026, 3, 3), utc(2026, 3, 3, 2))
        assert add_business_time(start, 48 * H, cal, [pause]) == start + 50 * H
        assert business_elapsed(start, start + 50 * H, cal, [pause]) == 48 * H

    def test_naive_pause_rejected(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_time(sh(*MON, 10), H, self.cal, [(datetime(2026, 3, 2, 11), sh(*MON, 12))])


class TestAlwaysOpen:
    cal = BusinessCalendar.always_open()

    def test_is_24_7(self) -> None:
        start = ny(2026, 3, 7, 23, 59, 59)
        assert self.cal.is_always_open
        # Real hours across the spring-forward night, not wall-clock hours.
        assert add_business_time(start, 48 * H, self.cal) == ny(2026, 3, 10, 0, 59, 59)
        assert business_elapsed(start, start + 365 * 24 * H, self.cal) == 365 * 24 * H

    def test_full_days_in_any_zone_take_the_fast_path(self) -> None:
        cal = BusinessCalendar.from_spec("America/New_York", {d: ["00:00-12:00", ("12:00", "24:00")] for d in range(7)})
        assert cal.is_always_open
        assert add_business_time(ny(2026, 3, 7, 12), 24 * H, cal) == ny(2026, 3, 8, 13)

    def test_marketplace_48h_is_constant_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        start = utc(2026, 3, 2, 10)
        windows = _count_windows(monkeypatch)
        assert add_business_time(start, 48 * H, self.cal) == start + 48 * H
        assert add_business_time(start, 5000 * 24 * H, self.cal) == start + 5000 * 24 * H
        assert windows == [0]  # plain addition: no calendar window is ever walked


class TestInputValidation:
    cal = office()

    def test_naive_datetimes_rejected(self) -> None:
        naive = datetime(2026, 3, 2, 10)
        with pytest.raises(ValueError, match="start must be timezone-aware"):
            add_business_time(naive, H, self.cal)
        with pytest.raises(ValueError, match="start must be timezone-aware"):
            business_elapsed(naive, sh(*MON, 12), self.cal)
        with pytest.raises(ValueError, match="end must be timezone-aware"):
            business_elapsed(sh(*MON, 10), naive, self.cal)
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_time(naive, H, BusinessCalendar.always_open())


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


WEEK_9_TO_6 = {d: [("09:00", "18:00")] for d in WEEKDAYS}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"time_zone": "America"}, "unknown time zone 'America'"),
        ({"time_zone": ""}, "time zone must be a non-empty IANA name"),
        ({"intervals": {}}, "no working intervals"),
        ({"intervals": {0: [], 6: []}}, "no working intervals"),
        (
            {"intervals": {0: [("09:00", "12:00"), ("11:00", "13:00")]}},
            "overlap: Monday 09:00–12:00 and Monday 11:00–13:00",
        ),
        ({"intervals": {0: [("09:00", "12:00"), ("09:00", "12:00")]}}, "overlap"),
        (
            {"intervals": {0: [("22:00", "06:00")], 1: [("05:00", "09:00")]}},
            "overlap: Monday 22:00–06:00 and Tuesday 05:00–09:00",
        ),
        (
            {"intervals": {6: [("22:00", "06:00")], 0: [("05:00", "09:00")]}},
            "overlap: Sunday 22:00–06:00 and Monday 05:00–09:00",
        ),
        ({"intervals": {7: [("09:00", "18:00")]}}, "weekday must be 0"),
        ({"intervals": {"someday": [("09:00", "18:00")]}}, "unknown weekday 'someday'"),
        ({"intervals": {0: [("09:00", "18:00")], "mon": []}}, "Monday is given more than once"),
        ({"intervals": {0: [("25:00", "18:00")]}}, "'25:00' is not a time"),
        ({"intervals": {0: [("09:00",)]}}, "an interval is a \\(start, end\\) pair"),
        ({"country_holidays": "XX"}, "unknown holiday country or subdivision 'XX'"),
        ({"country_holidays": "US", "subdivision": "ZZ"}, "unknown holiday country or subdivision 'US/ZZ'"),
        ({"subdivision": "CA"}, "subdivision given without country_holidays"),
        ({"holidays": ["2026-13-01"]}, "holiday '2026-13-01' is not a date"),
        ({"holidays": [datetime(2026, 1, 1, tzinfo=UTC)]}, "is not a date"),
        ({"recurring_holidays": [(2, 30)]}, "recurring holiday \\(2, 30\\) is not a valid month/day"),
        ({"recurring_holidays": ["Christmas"]}, "recurring holiday 'Christmas' is not like '12-25'"),
    ],
)
def test_invalid_specs_rejected(kwargs: dict[str, object], message: str) -> None:
    spec: dict[str, object] = {"time_zone": "Asia/Shanghai", "intervals": WEEK_9_TO_6, **kwargs}
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_spec(**spec)  # type: ignore[arg-type]


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="no working intervals"):
        BusinessCalendar(time_zone="UTC", intervals={})
    with pytest.raises(ValueError, match="naive local time"):
        BusinessCalendar(time_zone="UTC", intervals={0: ((time(9, tzinfo=UTC), time(17)),)})
    with pytest.raises(ValueError, match="not a valid month/day"):
        BusinessCalendar(
            time_zone="UTC", intervals={0: ((time(9), time(17)),)}, recurring_holidays=frozenset({(13, 1)})
        )


def test_from_spec_accepts_loose_input_and_compares_equal() -> None:
    loose = BusinessCalendar.from_spec(
        "Asia/Shanghai",
        {"mon": ["09:00-18:00"], "Tuesday": [(time(9), "18:00")], 2: [["09:00", "18:00"]]},
        holidays=["2026-10-01", date(2026, 10, 2)],
        recurring_holidays=["--12-25", [1, 1]],
    )
    strict = BusinessCalendar(
        time_zone="Asia/Shanghai",
        intervals={d: ((time(9), time(18)),) for d in range(3)},
        holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
        recurring_holidays=frozenset({(12, 25), (1, 1)}),
    )
    assert loose == strict
    assert hash(loose) == hash(strict)
    assert loose.zone == SHANGHAI


def test_calendar_is_immutable() -> None:
    cal = office()
    with pytest.raises(AttributeError):
        cal.time_zone = "UTC"  # type: ignore[misc]


def _count_windows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calendar windows `add_business_time` walks (a one-item list, updated in place):
    the amount of work is what these tests bound, never the wall time it took."""
    count = [0]
    real = BusinessCalendar._open_spans

    def counting(self: BusinessCalendar, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        count[0] += 1
        return real(self, lo, hi)

    monkeypatch.setattr(BusinessCalendar, "_open_spans", counting)
    return count
