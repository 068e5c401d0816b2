"""Keeping the metric rollups current: fold the hours the triggers marked, or rebuild a range.

Both recompute whole hours of one organization from the raw rows (messages, SLA clocks,
conversation resolutions) through `facts.rows_of`, replacing that hour's rows: a fold is idempotent
(running it twice changes nothing) and a late message refolds the hour it happened in. One advisory
lock serialises folds and rebuilds, so two never interleave their delete and insert of one hour.
Their SQL is in api/reports/rollup_repository.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from api.db import Session
from api.reports import buckets, facts, repository, rollup_repository
from api.sla.calendar import business_elapsed
from api.sla.service import calendar_from_row

# The advisory lock folds and rebuilds take turns on (api/privacy/retention.py takes it too).
FOLD_LOCK = rollup_repository.FOLD_LOCK
FOLD_BATCH = 20_000


async def business_clock(session: Session, organization_id: uuid.UUID) -> facts.BusinessSeconds:
    """Working seconds by the organization's default calendar; the wall clock when it has none."""
    row = await rollup_repository.default_calendar(session, organization_id)
    if row is None:
        return lambda a, b: max(0.0, (b - a).total_seconds())
    cal = calendar_from_row(row)
    return lambda a, b: business_elapsed(a, b, cal).total_seconds()


async def recompute(session: Session, organization_id: uuid.UUID, hours: Iterable[datetime]) -> int:
    """Replace the rollup rows of these hours of one organization with rows computed from raw rows.

    Hours before the organization's freeze line (api/privacy/retention.py) are left as they are: their
    raw rows were deleted by the retention period, and recomputing them would erase past figures."""
    frozen = await rollup_repository.rollups_frozen_before(session, organization_id)
    wanted = sorted({h for h in map(buckets.hour_floor, hours) if frozen is None or h >= frozen})
    if not wanted:
        return 0
    replies = await rollup_repository.reply_facts(session, organization_id, wanted)
    clocks = await rollup_repository.clock_facts(session, organization_id, wanted)
    resolutions = await rollup_repository.resolution_facts(session, organization_id, wanted)
    business = await business_clock(session, organization_id)
    # Pure and CPU-bound (an hour of a busy organization holds tens of thousands of facts): in a thread,
    # so that the worker's event loop, which also fires SLA timers, gets its turn meanwhile.
    rows = await asyncio.to_thread(facts.rows_of, replies, clocks, resolutions, business, set(wanted))
    await rollup_repository.replace_hours(session, organization_id, wanted, rows)
    zone = await repository.time_zone(session, organization_id)
    await refresh_days(session, organization_id, zone, {buckets.day_of(h, zone) for h in wanted})
    return len(rows)


async def refresh_days(session: Session, organization_id: uuid.UUID, zone: str, days: Iterable[datetime]) -> None:
    """Replace the day rows of these local days (midnights as UTC instants) with the sums of their hour
    rows, and the marketplace day rows with the sums of those. Called after the hour rows changed, in
    the same transaction."""
    wanted = sorted(set(days))
    if not wanted:
        return
    await rollup_repository.replace_days(session, organization_id, zone, wanted)


async def fold(session: Session, batch: int = FOLD_BATCH) -> int:
    """Refold the hours marked since the last fold; returns how many (organization, hour) were folded,
    0 when another fold holds the lock. The marks are deleted with RETURNING: one committed after
    this statement stays for the next fold, so no change is ever dropped."""
    if not await rollup_repository.try_fold_lock(session):
        return 0
    marked = await rollup_repository.take_dirty_hours(session, batch)
    per_org: dict[uuid.UUID, set[datetime]] = defaultdict(set)
    for org, bucket in marked:
        per_org[org].add(bucket)
    for org, hours in per_org.items():
        await recompute(session, org, hours)
    return sum(len(h) for h in per_org.values())


async def rebuild(session: Session, start: datetime, end: datetime, organization_id: uuid.UUID | None = None) -> int:
    """Recompute every hour of [start, end) from raw rows (all organizations, or one)."""
    await rollup_repository.wait_fold_lock(session)
    orgs = [organization_id] if organization_id else await rollup_repository.every_organization_id(session)
    all_hours = buckets.hours(start, end)
    written = 0
    for org in orgs:
        for i in range(0, len(all_hours), 24 * 7):
            written += await recompute(session, org, all_hours[i : i + 24 * 7])
    return written
