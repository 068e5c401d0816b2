"""Response-rate arithmetic for the marketplace health dashboard (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RateFigures:
    answered_in_time: int
    missed: int
    rate: float | None
    misses_absorbable: int | None


def response_rate(answered_in_time: int, missed: int, threshold: float | None) -> RateFigures:
    """Rate over decided clocks, and how many more misses keep the rate at or above `threshold`.

    With m met and n decided, k more misses are absorbable while m / (n + k) >= t, i.e.
    k <= m / t - n. Clocks still running and not yet overdue are undecided and excluded; clocks
    stopped as "no response needed" never count.
    """
    total = answered_in_time + missed
    rate = answered_in_time / total if total else None
    absorbable = None
    if threshold:
        absorbable = max(0, math.floor(answered_in_time / threshold - total + 1e-9))
    return RateFigures(answered_in_time=answered_in_time, missed=missed, rate=rate, misses_absorbable=absorbable)


def trend(current: float | None, previous: float | None, tolerance: float = 0.005) -> str:
    if current is None or previous is None:
        return "unknown"
    if current > previous + tolerance:
        return "up"
    if current < previous - tolerance:
        return "down"
    return "flat"
