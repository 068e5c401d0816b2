"""Per-key rate limit from leases (api/auth/rate_limit.py), against the real Redis.

Each RateLimiter stands for one API process. Asserted: the limit is never exceeded across processes,
a process asks Redis once per lease and not once per request (also with many requests in flight),
a process holds at most one lease unspent, a small limit is exact, a spent minute is refused without
asking Redis again, a late answer for the minute before keeps the new minute's lease, and the
minute's window restarts the count."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from api.auth.rate_limit import RateLimiter, granted, lease_size, remaining

NOW = 1_800_000_000.0  # the start of a window: 1_800_000_000 is a multiple of 60


@contextmanager
def counting_round_trips(redis: Any) -> Iterator[list[int]]:
    """Counts the pipelines the limiter sends (one per lease asked for)."""
    calls = [0]
    original = redis.pipeline

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    redis.pipeline = counting
    try:
        yield calls
    finally:
        del redis.pipeline


def test_lease_is_a_share_of_the_limit_and_at_least_one() -> None:
    assert lease_size(3) == 1
    assert lease_size(127) == 1
    assert lease_size(128) == 2
    assert lease_size(1200) == 18


def test_a_lease_is_cut_to_what_is_left_of_the_minute() -> None:
    assert granted(10, 10, 100) == 10  # the first lease
    assert granted(10, 105, 100) == 5  # 95 were leased before: 5 left
    assert granted(10, 110, 100) == 0  # none left
    assert granted(10, 200, 100) == 0  # others over-asked: still none, never negative


def test_remaining_counts_this_process_unspent_lease() -> None:
    assert remaining(100, 10, 9) == 99  # one spent
    assert remaining(100, 120, 0) == 0  # counted above the limit: nothing left, never negative
    assert remaining(100, 120, 3) == 3


async def test_the_limit_holds_across_processes_and_each_asks_once_per_lease(redis) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    limit = 640  # lease 10
    processes = [RateLimiter() for _ in range(3)]
    allowed = 0
    with counting_round_trips(redis) as calls:
        for i in range(900):
            verdict = await processes[i % 3].take(redis, key, limit, NOW + 1)
            allowed += verdict.allowed
    assert allowed == limit  # every leased request was spent: round-robin leaves nothing unspent at the end
    # 64 leases of 10 granted (the last one counts the whole minute for its process), then each of the
    # two others learns once that the minute is spent, and refuses the rest without asking again.
    assert calls[0] == 64 + 2


async def test_a_small_limit_is_exact_and_its_headers_count_down(redis) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    limiter = RateLimiter()
    verdicts = [await limiter.take(redis, key, 3, NOW + 5) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert verdicts[-1].reset_seconds == 56


async def test_many_requests_in_flight_take_one_lease_at_a_time(redis) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    limit = 1280  # lease 20
    limiter = RateLimiter()
    with counting_round_trips(redis) as calls:
        verdicts = await asyncio.gather(*(limiter.take(redis, key, limit, NOW + 2) for _ in range(1500)))
    assert sum(v.allowed for v in verdicts) == limit
    assert calls[0] == limit // 20  # no lease asked for while another was on its way
    assert int(await redis.get(f"hg:rl:{key}:{int(NOW // 60)}")) == limit


async def test_a_process_with_requests_in_flight_holds_at_most_one_lease(redis) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    limit = 6400  # lease 100
    a, b = RateLimiter(), RateLimiter()
    spent_by_a = await asyncio.gather(*(a.take(redis, key, limit, NOW) for _ in range(32)))
    assert all(v.allowed for v in spent_by_a)  # a spent 32 of one lease and holds 68
    allowed_b = 0
    while (await b.take(redis, key, limit, NOW)).allowed:
        allowed_b += 1
    assert allowed_b == limit - lease_size(limit)


async def test_a_late_answer_for_the_minute_before_keeps_the_new_minutes_lease(redis) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    limit = 6400  # lease 100
    limiter = RateLimiter()
    with counting_round_trips(redis) as calls:
        assert (await limiter.take(redis, key, limit, NOW + 60)).allowed  # the new minute: a lease
        assert (await limiter.take(redis, key, limit, NOW + 59.9)).allowed  # a request of the minute before
        for _ in range(50):
            assert (await limiter.take(redis, key, limit, NOW + 61)).allowed
    assert calls[0] == 2  # the new minute's lease was kept: its 50 requests asked Redis nothing


async def test_a_new_minute_starts_a_new_count(redis) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    limiter = RateLimiter()
    for _ in range(2):
        assert (await limiter.take(redis, key, 2, NOW + 59)).allowed
    assert not (await limiter.take(redis, key, 2, NOW + 59)).allowed
    assert (await limiter.take(redis, key, 2, NOW + 60)).allowed


async def test_redis_down_raises_for_the_caller_to_fail_open() -> None:
    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    with pytest.raises((RedisConnectionError, OSError)):
        await RateLimiter().take(unreachable, uuid.uuid4(), 10, NOW)
    await unreachable.aclose()
