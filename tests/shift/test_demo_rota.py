"""The demo's follow-the-sun rota (hourglass/demo_shifts.py): someone is on shift at every hour of the
week, in winter and in summer time, and Li Na's shift ends while Carlos is on."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.shift import roster
from hourglass.demo_shifts import HANDOVER_MINUTES, ROTA

TEAM = uuid.UUID(int=1)
PEOPLE = {r.email: uuid.UUID(int=10 + i) for i, r in enumerate(ROTA)}


def _lines() -> list[roster.Line]:
    return [
        roster.Line(
            id=uuid.uuid4(),
            user_id=PEOPLE[r.email],
            team_id=TEAM,
            time_zone=r.time_zone,
            weekday=day,
            on_date=None,
            start_time=r.start,
            duration_minutes=r.minutes,
            handover_minutes=HANDOVER_MINUTES,
        )
        for r in ROTA
        for day in range(7)
    ]


@pytest.mark.parametrize("week", [datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 7, 13, tzinfo=UTC)])
def test_someone_is_on_shift_at_every_quarter_hour_of_the_week(week):
    lines = _lines()
    for problem in map(roster.problems, lines):
        assert problem == []
    intervals = roster.expand(lines, week - timedelta(days=1), week + timedelta(days=8))
    for q in range(7 * 24 * 4):
        at = week + timedelta(minutes=15 * q)
        assert any(i.contains(at) for i in intervals), at


def test_li_nas_shift_ends_while_carlos_is_on_and_routable():
    intervals = roster.expand(_lines(), datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 1, 13, tzinfo=UTC))
    li_na, carlos = PEOPLE["li.na@hourglass.local"], PEOPLE["carlos@hourglass.local"]
    end = next(i.end for i in intervals if i.user_id == li_na)
    assert end == datetime(2026, 1, 12, 10, 0, tzinfo=UTC)  # 18:00 in Shenzhen
    assert roster.routable(intervals, carlos, end)  # 11:00 in Madrid
