"""When a scheduled report goes out: pure arithmetic on periods and wall clocks, no I/O.

A schedule's period (a week, Monday to Sunday, or a calendar month) is cut in the organization's
time zone, as the report itself is (api/reports/periodic.py). The mail goes out at the first
`hour`:00 in the schedule's own time zone at or after the period's end: a supervisor in Los Angeles
can receive the Shanghai team's week at 08:00 on their Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from api.reports.periodic import period_bounds, previous_period_day


@dataclass(frozen=True)
class DuePeriod:
    day: date  # a day inside the period (what the report service takes)
    start: datetime
    end: datetime
    send_at: datetime


def send_instant(period_end: datetime, hour: int, zone: str) -> datetime:
    """The first instant at or after `period_end` that reads `hour`:00 on the wall clock of `zone`.

    On a day where `hour`:00 does not exist (a DST gap) zoneinfo's fold=0 reading is used, which
    lands just after the gap; a repeated hour (DST end) takes its first occurrence."""
    tz = ZoneInfo(zone)
    local = period_end.astimezone(tz)
    day = local.date()
    for offset in (0, 1, 2):
        # Built from the wall date, so the next day keeps the wall hour across a DST change.
        on = day + timedelta(days=offset)
        wall = datetime(on.year, on.month, on.day, hour, tzinfo=tz)
        if wall.astimezone(UTC) >= period_end.astimezone(UTC):
            return wall.astimezone(UTC)
    raise AssertionError("unreachable: a wall hour recurs within two days")


def due_period(
    period: str, hour: int, schedule_zone: str, org_zone: str, now: datetime, created_at: datetime
) -> DuePeriod | None:
    """The period whose report is due at `now`, or None.

    Only the last complete period is ever due, so a worker that was down for weeks sends one report,
    not a backlog; and a period whose sending time had passed before the schedule existed is not
    sent (the first report is the next one), so creating a schedule does not mail at once."""
    today = now.astimezone(ZoneInfo(org_zone)).date()
    day = previous_period_day(period, today)
    start, end = period_bounds(period, day, org_zone)
    at = send_instant(end, hour, schedule_zone)
    if at > now or at <= created_at:
        return None
    return DuePeriod(day=day, start=start, end=end, send_at=at)


def next_send(
    period: str, hour: int, schedule_zone: str, org_zone: str, now: datetime, created_at: datetime
) -> datetime:
    """When the schedule next sends (for display): the last complete period's instant if it is still
    ahead (or due and not sent yet), else the current period's."""
    today = now.astimezone(ZoneInfo(org_zone)).date()
    _, last_end = period_bounds(period, previous_period_day(period, today), org_zone)
    at = send_instant(last_end, hour, schedule_zone)
    if at > now and at > created_at:
        return at
    _, current_end = period_bounds(period, today, org_zone)
    return send_instant(current_end, hour, schedule_zone)
