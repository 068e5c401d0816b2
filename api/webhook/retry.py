"""What happens after an attempt: the Standard Webhooks retry schedule, Retry-After, 410, and
auto-disable after five days of failures. Pure: `now` and the random source are passed in."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

# After the first attempt (immediately): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h,
# about 3 days 4 hours in all.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = 1 + len(SCHEDULE)
# ±20 %: retries of many deliveries that failed together (a receiver outage) spread out again.
JITTER = 0.2
DISABLE_AFTER = timedelta(days=5)
# Statuses whose Retry-After we honour (throttling and maintenance); never wait longer than a day.
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Decision:
    status: str  # succeeded | pending | failed
    next_attempt_at: datetime | None
    # Set when the endpoint must be disabled now (410 Gone, or failing for DISABLE_AFTER).
    disable_reason: str | None = None
    # The endpoint's failure run after this attempt: None once it succeeds.
    failing_since: datetime | None = None


def retry_delay(attempts_made: int, rng: random.Random) -> timedelta | None:
    """Delay before the next attempt after `attempts_made` attempts; None when the schedule is spent."""
    if attempts_made < 1 or attempts_made > len(SCHEDULE):
        return None
    base = SCHEDULE[attempts_made - 1]
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); nonsense is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        delay = when - now
    return max(timedelta(0), min(delay, MAX_RETRY_AFTER))


def decide(
    *,
    status_code: int | None,
    retry_after: timedelta | None,
    attempts_made: int,
    now: datetime,
    failing_since: datetime | None,
    rng: random.Random,
) -> Decision:
    """The outcome of an attempt. Only 2xx succeeds; 3xx is a failure (redirects are not followed)."""
    if status_code is not None and 200 <= status_code < 300:
        return Decision("succeeded", None)
    failing_since = failing_since or now
    if status_code == 410:
        return Decision("failed", None, "the receiver answered 410 Gone", failing_since)
    if now - failing_since >= DISABLE_AFTER:
        return Decision("failed", None, f"every delivery failed for {DISABLE_AFTER.days} days", failing_since)
    delay = retry_delay(attempts_made, rng)
    if delay is None:
        return Decision("failed", None, None, failing_since)
    if status_code in RETRY_AFTER_STATUSES and retry_after is not None:
        # Never sooner than the receiver asked, nor sooner than the schedule.
        delay = max(delay, retry_after)
    return Decision("pending", now + delay, None, failing_since)
