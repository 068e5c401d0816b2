"""When a product's issue rate jumps (pure): the latest period against its trailing baseline.

A rate is issues per 1,000 units ordered in the period; where no units are known (no order items
for the SKU) the counts themselves are compared. A jump needs volume, so one broken mug in a quiet
week is not an alarm: at least `min_issues` issues in the latest period, and a rate at least
`factor` times the baseline's (the pooled rate of the `baseline_periods` periods before it). A
product with no baseline issues jumps when it reaches `min_issues` with a baseline of units sold.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    issues: int
    units: int


@dataclass(frozen=True, slots=True)
class Jump:
    jumped: bool
    current_rate: float | None  # per 1,000 units (None without units)
    baseline_rate: float | None
    reason: str


def rate_per_1000(issues: int, units: int) -> float | None:
    return round(issues * 1000 / units, 2) if units > 0 else None


def detect_jump(series: list[Period], *, baseline_periods: int = 4, min_issues: int = 3, factor: float = 2.0) -> Jump:
    """`series` is oldest first; the last period is the one judged."""
    if not series:
        return Jump(False, None, None, "no data")
    current = series[-1]
    baseline = series[-1 - baseline_periods : -1]
    cur_rate = rate_per_1000(current.issues, current.units)
    base_issues = sum(p.issues for p in baseline)
    base_units = sum(p.units for p in baseline)
    base_rate = rate_per_1000(base_issues, base_units)
    if current.issues < min_issues:
        return Jump(False, cur_rate, base_rate, f"below the minimum volume ({current.issues} < {min_issues} issues)")
    if not baseline:
        return Jump(False, cur_rate, base_rate, "no trailing baseline yet")
    if cur_rate is not None and base_rate is not None:
        if base_rate == 0 or cur_rate >= factor * base_rate:
            return Jump(True, cur_rate, base_rate, f"{cur_rate:g} per 1,000 units against {base_rate:g} before")
        return Jump(False, cur_rate, base_rate, "within the baseline")
    # No units known: compare the counts with the baseline's average per period.
    average = base_issues / len(baseline)
    if average == 0 or current.issues >= factor * average:
        return Jump(True, cur_rate, base_rate, f"{current.issues} issues against {average:.1f} per period before")
    return Jump(False, cur_rate, base_rate, "within the baseline")
