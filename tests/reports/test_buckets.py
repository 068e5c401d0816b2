"""The rollups' pure arithmetic: histogram buckets, percentiles, hour and day buckets."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.reports import buckets, facts
from api.reports.facts import ClockFact, ReplyFact, ResolutionFact, Where


def test_bucket_index_edges_are_exclusive_upper_bounds():
    assert buckets.bucket_index(0) == 0
    assert buckets.bucket_index(29.9) == 0
    assert buckets.bucket_index(30) == 1
    assert buckets.bucket_index(-5) == 0  # clock skew counts as zero
    assert buckets.bucket_index(10**9) == buckets.SIZE - 1


def test_percentile_of_empty_is_none_and_q_is_checked():
    assert buckets.percentile(buckets.empty(), 0.5) is None
    with pytest.raises(ValueError):
        buckets.percentile(buckets.empty(), 0)


def test_percentile_interpolates_inside_the_bucket():
    h = buckets.empty()
    for s in (100, 110, 200, 250):  # all in [60, 120) or [120, 300)
        buckets.add(h, s)
    assert h[buckets.bucket_index(100)] == 2
    # median: rank 2 of 4 ends the [60,120) bucket
    assert buckets.percentile(h, 0.5) == 120
    # p90: rank 3.6, 1.6 into the [120, 300) bucket of 2
    assert buckets.percentile(h, 0.9) == pytest.approx(120 + 180 * 0.8)


def test_percentile_is_within_a_bucket_of_the_exact_value():
    values = [i * 37 % 20000 for i in range(1, 500)]
    h = buckets.empty()
    for v in values:
        buckets.add(h, v)
    exact = sorted(values)[int(0.9 * len(values)) - 1]
    i = buckets.bucket_index(exact)
    lo = 0 if i == 0 else buckets.EDGES[i - 1]
    hi = buckets.EDGES[i]
    assert lo <= buckets.percentile(h, 0.9) <= hi


def test_merge_adds_elementwise_and_sums_match_the_whole():
    a, b = buckets.empty(), buckets.empty()
    buckets.add(a, 10)
    buckets.add(b, 10)
    buckets.add(b, 4000)
    m = buckets.merge([a, b])
    assert sum(m) == 3 and m[0] == 2


def test_hours_cover_a_partial_range():
    start = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    hs = buckets.hours(start, start + timedelta(hours=2))
    assert hs == [datetime(2026, 3, 1, h, tzinfo=UTC) for h in (10, 11, 12)]


def test_day_of_follows_the_local_zone_across_dst():
    # Berlin switched to summer time on 2026-03-29 (23-hour day): 22:00 UTC on the 28th is already the 29th.
    assert buckets.day_of(datetime(2026, 3, 28, 23, tzinfo=UTC), "Europe/Berlin") == datetime(
        2026, 3, 28, 23, tzinfo=UTC
    )
    assert buckets.day_of(datetime(2026, 3, 29, 21, tzinfo=UTC), "Europe/Berlin") == datetime(
        2026, 3, 28, 23, tzinfo=UTC
    )
    assert buckets.day_of(datetime(2026, 3, 29, 22, tzinfo=UTC), "Europe/Berlin") == datetime(
        2026, 3, 29, 22, tzinfo=UTC
    )
    # Shanghai, no DST: midnight is 16:00 UTC the day before.
    assert buckets.day_of(datetime(2026, 7, 1, 15, 59, tzinfo=UTC), "Asia/Shanghai") == datetime(
        2026, 6, 30, 16, tzinfo=UTC
    )


def test_previous_period_has_the_same_length():
    a, b = datetime(2026, 1, 8, tzinfo=UTC), datetime(2026, 1, 15, tzinfo=UTC)
    assert buckets.previous_period(a, b) == (datetime(2026, 1, 1, tzinfo=UTC), a)


W = Where(team_id=None, assignee_id=uuid.uuid4(), marketplace="walmart", channel_id=uuid.uuid4(), category="shipping")
T0 = datetime(2026, 5, 4, 9, 15, tzinfo=UTC)


def _wall(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def test_rows_keep_people_and_automation_apart_and_attribute_to_the_responder():
    agent = uuid.uuid4()
    clocks = [
        ClockFact("marketplace_first_response", T0, T0 + timedelta(minutes=1), None, "met", "reply", "auto", None, W),
        ClockFact(
            "marketplace_first_response", T0, T0 + timedelta(minutes=40), None, "met", "reply", "human", agent, W
        ),
    ]
    replies = [ReplyFact(T0, "auto", None, W, 3), ReplyFact(T0, "human", agent, W, 1)]
    hour = buckets.hour_floor(T0)
    rows = facts.rows_of(replies, clocks, [], _wall, {hour, hour + timedelta(hours=1)})
    human = [m for k, m in rows.items() if not k.automated and k.agent_id == agent]
    auto = [m for k, m in rows.items() if k.automated]
    assert sum(m.replies for m in auto) == 3 and sum(m.replies for m in human) == 1
    assert sum(m.first_responses for m in human) == 1 and sum(m.frt_wall_sum for m in human) == 2400
    assert sum(m.first_responses for m in auto) == 1 and sum(m.sla_met for m in auto) == 1
    # Two waits began and both ended in the same hour: the backlog deltas cancel.
    assert sum(m.backlog_delta for m in rows.values()) == 0


def test_rows_only_for_the_hours_asked_and_backlog_spans_hours():
    clock = ClockFact(
        "marketplace_first_response", T0, T0 + timedelta(hours=50), T0 + timedelta(hours=48), "breached",
        "reply", "human", None, W,
    )  # fmt: skip
    start_hour = buckets.hour_floor(T0)
    only_start = facts.rows_of([], [clock], [], _wall, {start_hour})
    assert [m.backlog_delta for m in only_start.values()] == [1]
    breach_hour = buckets.hour_floor(T0 + timedelta(hours=48))
    only_breach = facts.rows_of([], [clock], [], _wall, {breach_hour})
    assert [(m.sla_breached, m.backlog_delta) for m in only_breach.values()] == [(1, 0)]


def test_resolution_rows_count_reopens_and_business_time():
    res = [
        ResolutionFact(T0 - timedelta(hours=5), T0, True, W),
        ResolutionFact(T0 - timedelta(hours=1), T0, False, W),
    ]
    rows = facts.rows_of([], [], res, lambda a, b: _wall(a, b) / 2, {buckets.hour_floor(T0)})
    (m,) = rows.values()
    assert (m.resolutions, m.reopened, m.resolution_wall_sum, m.resolution_business_sum) == (2, 1, 21600, 10800)


def test_days_and_whole_days_agree_with_the_hours_in_zones_with_odd_offsets_and_dst():
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(7)
    zones = ("UTC", "Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu")
    for zone in zones:
        for _ in range(200):
            start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 525_600))
            end = start + timedelta(minutes=rng.randrange(1, 60 * 24 * 40))
            hours = buckets.hours(start, end)
            assert buckets.days(start, end, zone) == sorted({buckets.day_of(h, zone) for h in hours})
            counted = [h for h in hours if h >= start]  # the hour rows a range reads: start <= bucket < end
            per_day: dict = {}
            for h in buckets.hours(start - timedelta(days=2), end + timedelta(days=2)):
                per_day.setdefault(buckets.day_of(h, zone), []).append(h)
            whole = [d for d, hs in per_day.items() if all(h in counted for h in hs)]
            found = buckets.whole_days(start, end, zone)
            if not whole:
                assert found is None
                continue
            after_last = min(d for d in per_day if d > max(whole))
            assert found == (min(whole), after_last), (zone, start, end)
