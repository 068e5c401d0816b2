"""The retry policy as a pure function of (outcome, attempts, failure run, now)."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from api.webhook.retry import (
    DISABLE_AFTER,
    JITTER,
    MAX_ATTEMPTS,
    SCHEDULE,
    decide,
    parse_retry_after,
    retry_delay,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _decide(status, attempts, failing_since=None, retry_after=None, seed=1):
    return decide(
        status_code=status,
        retry_after=retry_after,
        attempts_made=attempts,
        now=NOW,
        failing_since=failing_since,
        rng=random.Random(seed),
    )


def test_schedule_is_the_standard_webhooks_one():
    assert [d.total_seconds() for d in SCHEDULE] == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert MAX_ATTEMPTS == 10


@pytest.mark.parametrize("attempts", range(1, 10))
def test_each_retry_waits_its_step_within_the_jitter(attempts):
    base = SCHEDULE[attempts - 1]
    delays = [retry_delay(attempts, random.Random(seed)) for seed in range(200)]
    assert all(base * (1 - JITTER) <= d <= base * (1 + JITTER) for d in delays)
    assert len({d for d in delays}) > 100  # jittered, not constant


def test_the_schedule_ends_after_the_tenth_attempt():
    assert retry_delay(9, random.Random(0)) is not None
    assert retry_delay(10, random.Random(0)) is None
    decision = _decide(500, 10, failing_since=NOW - timedelta(days=3))
    assert decision.status == "failed" and decision.disable_reason is None


def test_2xx_succeeds_and_ends_the_failure_run():
    decision = _decide(204, 3, failing_since=NOW - timedelta(days=1))
    assert decision.status == "succeeded" and decision.failing_since is None


@pytest.mark.parametrize("status", [None, 301, 302, 400, 404, 500, 502, 504])
def test_everything_else_is_retried_and_starts_a_failure_run(status):
    decision = _decide(status, 1)
    assert decision.status == "pending"
    assert NOW + timedelta(seconds=4) <= decision.next_attempt_at <= NOW + timedelta(seconds=6)
    assert decision.failing_since == NOW


def test_410_disables_at_once():
    decision = _decide(410, 1)
    assert decision.status == "failed" and "410" in decision.disable_reason


def test_five_days_of_failures_disable():
    assert _decide(500, 3, failing_since=NOW - DISABLE_AFTER + timedelta(minutes=1)).disable_reason is None
    decision = _decide(500, 3, failing_since=NOW - DISABLE_AFTER)
    assert decision.status == "failed" and "5 days" in decision.disable_reason


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_on_429_and_503(status):
    decision = _decide(status, 1, retry_after=timedelta(minutes=10))
    assert decision.next_attempt_at == NOW + timedelta(minutes=10)
    # never sooner than the schedule either
    later = _decide(status, 3, retry_after=timedelta(seconds=1))
    assert later.next_attempt_at >= NOW + SCHEDULE[2] * (1 - JITTER)


def test_retry_after_is_ignored_on_other_statuses():
    decision = _decide(500, 1, retry_after=timedelta(hours=3))
    assert decision.next_attempt_at < NOW + timedelta(seconds=10)


def test_parse_retry_after():
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after("Mon, 23 Nov 2026 12:05:00 GMT", NOW) == timedelta(minutes=5)
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("9999999", NOW) == timedelta(hours=24)  # capped
    for junk in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(junk, NOW) is None
