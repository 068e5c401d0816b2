"""How long a loop that fires due rows sleeps (workers.loops.until_due)."""

from datetime import UTC, datetime, timedelta

from workers.loops import until_due

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RECHECK = timedelta(milliseconds=50)
CAP = timedelta(seconds=30)


def test_sleeps_until_the_next_due_time_to_the_millisecond():
    assert until_due(NOW + timedelta(milliseconds=7), NOW, recheck=RECHECK, cap=CAP) == 0.007


def test_a_coarser_resolution_rounds_short_waits_up():
    soon = NOW + timedelta(milliseconds=7)
    assert until_due(soon, NOW, recheck=RECHECK, cap=CAP, resolution=timedelta(milliseconds=200)) == 0.2


def test_due_but_not_taken_looks_again_after_recheck():
    assert until_due(NOW, NOW, recheck=RECHECK, cap=CAP) == 0.05
    assert until_due(NOW - timedelta(seconds=3), NOW, recheck=RECHECK, cap=CAP) == 0.05


def test_far_away_or_nothing_scheduled():
    assert until_due(NOW + timedelta(hours=2), NOW, recheck=RECHECK, cap=CAP) == 30.0
    assert until_due(None, NOW, recheck=RECHECK, cap=CAP) is None
