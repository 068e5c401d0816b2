"""Keeping the metric rollups current: fold the hours the triggers marked, or rebuild a range.

Both recompute whole hours of one organization from the raw rows (messages, SLA clocks,
conversation resolutions) through `facts.rows_of`, replacing that hour's rows: a fold is idempotent
(running it twice changes nothing) and a late message refolds the hour it happened in. One advisory
lock serialises folds and rebuilds, so two never interleave their delete and insert of one hour.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import BusinessCalendar, Organization, PrivacySettings
from api.models.metrics import MetricRollup, MetricRollupDay, MetricRollupMarketplaceDay
from api.reports import buckets, facts, repository
from api.reports.facts import ClockFact, ReplyFact, ResolutionFact, Where
from api.sla.calendar import business_elapsed
from api.sla.service import calendar_from_row

FOLD_LOCK = 0x6D657472  # "metr": folds and rebuilds of the rollups take turns
FOLD_BATCH = 20_000

_WHERE = "c.team_id, c.assignee_id, c.marketplace, c.channel_id, c.category"

REPLIES = text(
    f"""
    SELECT date_trunc('hour', coalesce(m.delivered_at, m.sent_at)) AS at, m.author_kind, m.author_user_id,
           {_WHERE}, count(*) AS n
      FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.organization_id = :org AND m.direction = 'outbound' AND m.delivery_status = 'sent'
       AND coalesce(m.delivered_at, m.sent_at) >= :lo AND coalesce(m.delivered_at, m.sent_at) < :hi
       AND date_trunc('hour', coalesce(m.delivered_at, m.sent_at)) = ANY(:hours)
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    """
)
CLOCKS = text(
    f"""
    SELECT k.kind, k.started_at, k.stopped_at, k.breached_at, k.state, k.stop_reason,
           sm.author_kind AS stop_author_kind, sm.author_user_id AS stop_author_user_id, {_WHERE}
      FROM sla_clocks k JOIN conversations c ON c.id = k.conversation_id
      LEFT JOIN messages sm ON sm.id = k.stop_message_id
     WHERE k.organization_id = :org AND k.kind IN ('marketplace_first_response', 'marketplace_next_response')
       AND ((k.started_at >= :lo AND k.started_at < :hi AND date_trunc('hour', k.started_at) = ANY(:hours))
         OR (k.stopped_at >= :lo AND k.stopped_at < :hi AND date_trunc('hour', k.stopped_at) = ANY(:hours))
         OR (k.breached_at >= :lo AND k.breached_at < :hi AND date_trunc('hour', k.breached_at) = ANY(:hours)))
    """
)
RESOLUTIONS = text(
    f"""
    SELECT r.opened_at, r.resolved_at, r.reopened_at IS NOT NULL AS reopened, {_WHERE}
      FROM conversation_resolutions r JOIN conversations c ON c.id = r.conversation_id
     WHERE r.organization_id = :org AND r.resolved_at >= :lo AND r.resolved_at < :hi
       AND date_trunc('hour', r.resolved_at) = ANY(:hours)
    """
)


def _where(row: object) -> Where:
    r = row._mapping  # type: ignore[attr-defined]
    return Where(r["team_id"], r["assignee_id"], r["marketplace"], r["channel_id"], r["category"])


async def business_clock(session: AsyncSession, organization_id: uuid.UUID) -> facts.BusinessSeconds:
    """Working seconds by the organization's default calendar; the wall clock when it has none."""
    row = (
        await session.execute(
            select(BusinessCalendar).where(
                BusinessCalendar.organization_id == organization_id, BusinessCalendar.is_default.is_(True)
            )
        )
    ).scalar_one_or_none()
    if row is None:
        return lambda a, b: max(0.0, (b - a).total_seconds())
    cal = calendar_from_row(row)
    return lambda a, b: business_elapsed(a, b, cal).total_seconds()


async def recompute(session: AsyncSession, organization_id: uuid.UUID, hours: Iterable[datetime]) -> int:
    """Replace the rollup rows of these hours of one organization with rows computed from raw rows.

    Hours before the organization's freeze line (api/privacy/retention.py) are left as they are: their
    raw rows were deleted by the retention period, and recomputing them would erase past figures."""
    frozen = (
        await session.execute(
            select(PrivacySettings.rollups_frozen_before).where(PrivacySettings.organization_id == organization_id)
        )
    ).scalar_one_or_none()
    wanted = sorted({h for h in map(buckets.hour_floor, hours) if frozen is None or h >= frozen})
    if not wanted:
        return 0
    params = {"org": organization_id, "lo": wanted[0], "hi": wanted[-1] + timedelta(hours=1), "hours": wanted}
    replies = [
        ReplyFact(r.at, r.author_kind, r.author_user_id, _where(r), int(r.n))
        for r in await session.execute(REPLIES, params)
    ]
    clocks = [
        ClockFact(
            r.kind,
            r.started_at,
            r.stopped_at,
            r.breached_at,
            r.state,
            r.stop_reason,
            r.stop_author_kind,
            r.stop_author_user_id,
            _where(r),
        )
        for r in await session.execute(CLOCKS, params)
    ]
    resolutions = [
        ResolutionFact(r.opened_at, r.resolved_at, bool(r.reopened), _where(r))
        for r in await session.execute(RESOLUTIONS, params)
    ]
    rows = facts.rows_of(replies, clocks, resolutions, await business_clock(session, organization_id), set(wanted))
    await session.execute(
        delete(MetricRollup).where(MetricRollup.organization_id == organization_id, MetricRollup.bucket.in_(wanted))
    )
    if rows:
        # One statement for all the rows (an executemany is a round trip per row).
        payload = json.dumps([facts.as_row(organization_id, k, m) for k, m in rows.items()], default=str)
        await session.execute(INSERT_HOURS, {"rows": payload})
    zone = await repository.time_zone(session, organization_id)
    await refresh_days(session, organization_id, zone, {buckets.day_of(h, zone) for h in wanted})
    return len(rows)


_DIMENSIONS = "agent_id, team_id, marketplace, channel_id, category, automated"
_HOUR_COLUMNS = (
    "organization_id uuid, bucket timestamptz, agent_id uuid, team_id uuid, marketplace varchar, channel_id uuid, "
    "category varchar, automated boolean, replies int, first_responses int, frt_wall_sum bigint, "
    "frt_business_sum bigint, frt_wall_hist int[], frt_business_hist int[], resolutions int, reopened int, "
    "resolution_wall_sum bigint, resolution_business_sum bigint, resolution_wall_hist int[], "
    "resolution_business_hist int[], sla_met int, sla_breached int, backlog_delta int"
)
_HOUR_NAMES = ", ".join(c.split()[0] for c in _HOUR_COLUMNS.split(", "))
INSERT_HOURS = text(
    f"INSERT INTO metric_rollups ({_HOUR_NAMES}) SELECT {_HOUR_NAMES} "
    f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x({_HOUR_COLUMNS})"
)
_SUMS = ", ".join(
    [f"sum({m})" for m in ("replies", "first_responses", "frt_wall_sum", "frt_business_sum", "resolutions")]
    + [f"sum({m})" for m in ("reopened", "resolution_wall_sum", "resolution_business_sum", "sla_met")]
    + ["sum(sla_breached)", "sum(backlog_delta)"]
    # Histograms summed element by element (their length is fixed: buckets.SIZE).
    + [
        "ARRAY[" + ", ".join(f"sum({h}[{i}])::int" for i in range(1, buckets.SIZE + 1)) + "]"
        for h in ("frt_wall_hist", "frt_business_hist", "resolution_wall_hist", "resolution_business_hist")
    ]
)
REFRESH_MARKETPLACE_DAYS = text(
    f"""
    INSERT INTO metric_rollup_marketplace_days (organization_id, day, zone, marketplace, automated, replies,
           first_responses, frt_wall_sum, frt_business_sum, resolutions, reopened, resolution_wall_sum,
           resolution_business_sum, sla_met, sla_breached, backlog_delta, frt_wall_hist, frt_business_hist,
           resolution_wall_hist, resolution_business_hist)
    SELECT organization_id, day, zone, marketplace, automated, {_SUMS}
      FROM metric_rollup_days
     WHERE organization_id = :org AND zone = :zone AND day = ANY(:days)
     GROUP BY organization_id, day, zone, marketplace, automated
    """
)
REFRESH_DAYS = text(
    f"""
    INSERT INTO metric_rollup_days (organization_id, day, zone, {_DIMENSIONS}, replies, first_responses,
           frt_wall_sum, frt_business_sum, resolutions, reopened, resolution_wall_sum, resolution_business_sum,
           sla_met, sla_breached, backlog_delta, frt_wall_hist, frt_business_hist, resolution_wall_hist,
           resolution_business_hist)
    SELECT :org, d.day, :zone, {_DIMENSIONS}, {_SUMS}
      FROM (SELECT r.*, timezone(:zone, date_trunc('day', timezone(:zone, r.bucket))) AS day
              FROM metric_rollups r
             WHERE r.organization_id = :org AND r.bucket >= :lo AND r.bucket < :hi) d
     WHERE d.day = ANY(:days)
     GROUP BY d.day, {_DIMENSIONS}
    """
)


async def refresh_days(session: AsyncSession, organization_id: uuid.UUID, zone: str, days: Iterable[datetime]) -> None:
    """Replace the day rows of these local days (midnights as UTC instants) with the sums of their hour
    rows, and the marketplace day rows with the sums of those. Called after the hour rows changed, in
    the same transaction."""
    wanted = sorted(set(days))
    if not wanted:
        return
    for table in (MetricRollupDay, MetricRollupMarketplaceDay):
        await session.execute(delete(table).where(table.organization_id == organization_id, table.day.in_(wanted)))
    for i in range(0, len(wanted), 31):
        chunk = wanted[i : i + 31]
        params = {
            "org": organization_id,
            "zone": zone,
            "days": chunk,
            "lo": buckets.hour_floor(chunk[0]),
            "hi": buckets.first_hour(buckets.day_of(chunk[-1] + timedelta(hours=36), zone)),
        }
        await session.execute(REFRESH_DAYS, params)
    await session.execute(REFRESH_MARKETPLACE_DAYS, {"org": organization_id, "zone": zone, "days": wanted})


async def fold(session: AsyncSession, batch: int = FOLD_BATCH) -> int:
    """Refold the hours marked since the last fold; returns how many (organization, hour) were folded,
    0 when another fold holds the lock. The marks are deleted with RETURNING: one committed after
    this statement stays for the next fold, so no change is ever dropped."""
    got = (await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": FOLD_LOCK})).scalar_one()
    if not got:
        return 0
    marked = await session.execute(
        text(
            "DELETE FROM metric_dirty_hours WHERE id IN (SELECT id FROM metric_dirty_hours ORDER BY id LIMIT :n) "
            "RETURNING organization_id, bucket"
        ),
        {"n": batch},
    )
    per_org: dict[uuid.UUID, set[datetime]] = defaultdict(set)
    for org, bucket in marked:
        per_org[org].add(bucket)
    for org, hours in per_org.items():
        await recompute(session, org, hours)
    return sum(len(h) for h in per_org.values())


async def rebuild(
    session: AsyncSession, start: datetime, end: datetime, organization_id: uuid.UUID | None = None
) -> int:
    """Recompute every hour of [start, end) from raw rows (all organizations, or one)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FOLD_LOCK})
    orgs = (
        [organization_id]
        if organization_id
        else list((await session.execute(select(Organization.id).order_by(Organization.id))).scalars())
    )
    all_hours = buckets.hours(start, end)
    written = 0
    for org in orgs:
        for i in range(0, len(all_hours), 24 * 7):
            written += await recompute(session, org, all_hours[i : i + 24 * 7])
    return written
