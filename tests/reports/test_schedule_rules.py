"""When a scheduled report goes out: wall clocks across time zones and DST, months of every length,
and the rule that only the last complete period is ever due."""

from datetime import UTC, date, datetime

from api.reports.schedule_rules import due_period, next_send, send_instant


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_send_instant_is_the_first_wall_hour_at_or_after_the_end():
    end = utc(2026, 3, 2, 0)  # a Monday, midnight UTC
    assert send_instant(end, 8, "UTC") == utc(2026, 3, 2, 8)
    assert send_instant(end, 0, "UTC") == end
    # Shanghai is 8 h ahead: its 06:00 on Monday is still before the end, so Tuesday's 06:00.
    assert send_instant(end, 6, "Asia/Shanghai") == utc(2026, 3, 2, 22)
    # Los Angeles (UTC-8 in March before the 8th): Sunday 16:00 local is the end; 17:00 that day.
    assert send_instant(end, 17, "America/Los_Angeles") == utc(2026, 3, 2, 1)


def test_send_instant_keeps_the_wall_hour_across_dst():
    # Europe/Berlin moves to summer time on 2026-03-29 at 02:00 -> 03:00.
    end = utc(2026, 3, 28, 23)  # 2026-03-29 00:00 in Berlin (UTC+1)
    assert send_instant(end, 8, "Europe/Berlin") == utc(2026, 3, 29, 6)  # 08:00 CEST
    # 02:00 does not exist that day: the reading lands after the gap, still on that day.
    gap = send_instant(end, 2, "Europe/Berlin")
    assert gap.date() == date(2026, 3, 29) and utc(2026, 3, 29, 0) <= gap <= utc(2026, 3, 29, 1)


def test_weekly_due_only_after_the_hour_and_only_the_last_week():
    created = utc(2026, 1, 1)
    monday = utc(2026, 3, 2, 0)
    assert due_period("week", 8, "UTC", "UTC", utc(2026, 3, 2, 7, 59), created) is None
    due = due_period("week", 8, "UTC", "UTC", utc(2026, 3, 2, 8), created)
    assert due is not None and due.start == utc(2026, 2, 23) and due.end == monday and due.send_at == utc(2026, 3, 2, 8)
    # Two weeks later (the worker was down): only the last complete week is due.
    late = due_period("week", 8, "UTC", "UTC", utc(2026, 3, 18, 12), created)
    assert late is not None and late.start == utc(2026, 3, 9)


def test_monthly_periods_of_every_length_in_the_organizations_zone():
    created = utc(2020, 1, 1)
    feb_leap = due_period("month", 9, "Asia/Shanghai", "Asia/Shanghai", utc(2028, 3, 1, 2), created)
    assert feb_leap is not None and feb_leap.day.month == 2 and (feb_leap.end - feb_leap.start).days == 29
    assert feb_leap.start == utc(2028, 1, 31, 16)  # 1 Feb 00:00 in Shanghai
    # 1 March 09:00 Shanghai is 01:00 UTC: due at 02:00 UTC, not at 00:30.
    assert due_period("month", 9, "Asia/Shanghai", "Asia/Shanghai", utc(2028, 3, 1, 0, 30), created) is None


def test_a_schedule_created_after_the_sending_time_waits_for_the_next_period():
    now = utc(2026, 3, 4, 12)  # Wednesday; last week's report went out on Monday 08:00
    assert due_period("week", 8, "UTC", "UTC", now, created_at=utc(2026, 3, 3)) is None
    assert due_period("week", 8, "UTC", "UTC", now, created_at=utc(2026, 3, 2, 7)) is not None
    assert next_send("week", 8, "UTC", "UTC", now, utc(2026, 3, 3)) == utc(2026, 3, 9, 8)
    # Created on Monday before 08:00: today's 08:00 is next.
    assert next_send("week", 8, "UTC", "UTC", utc(2026, 3, 2, 6), utc(2026, 3, 2, 5)) == utc(2026, 3, 2, 8)
