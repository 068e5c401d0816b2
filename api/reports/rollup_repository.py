"""All SQL of keeping the metric rollups current (api/reports/rollup.py): the raw facts of some hours
of one organization, the replacement of their hour and day rows, the dirty-hour marks and the lock
that makes folds and rebuilds take turns.

The fold runs per ingested batch and the rebuild over months: these statements are tuned (one
statement for all the hour rows, day rows rebuilt 31 days at a time, the hour lists bounded by a
range the indexes can use) and are kept as they are.

Statements on one organization's rows carry it (api/kit/scoped.py or `:org`); the dirty-hour marks
and the list of organizations span every organization, and say so.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import readable, readable_columns, scoped_delete
from api.models import BusinessCalendar, Organization, PrivacySettings
from api.models.metrics import MetricRollup, MetricRollupDay, MetricRollupMarketplaceDay
from api.reports import buckets, facts
from api.reports.facts import ClockFact, Key, Measures, ReplyFact, ResolutionFact, Where

FOLD_LOCK = 0x6D657472  # "metr": folds and rebuilds of the rollups take turns

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


def _where(row: object) -> Where:
    r = row._mapping  # type: ignore[attr-defined]
    return Where(r["team_id"], r["assignee_id"], r["marketplace"], r["channel_id"], r["category"])


def _hours_params(organization_id: uuid.UUID, hours: list[datetime]) -> dict[str, Any]:
    """The parameters of the fact queries: the sorted hours, and the range they span (for the indexes)."""
    return {"org": organization_id, "lo": hours[0], "hi": hours[-1] + timedelta(hours=1), "hours": hours}


async def reply_facts(session: AsyncSession, organization_id: uuid.UUID, hours: list[datetime]) -> list[ReplyFact]:
    """The sent replies of these hours (sorted, not empty), counted per hour, author and conversation fields."""
    return [
        ReplyFact(r.at, r.author_kind, r.author_user_id, _where(r), int(r.n))
        for r in await session.execute(REPLIES, _hours_params(organization_id, hours))
    ]


async def clock_facts(session: AsyncSession, organization_id: uuid.UUID, hours: list[datetime]) -> list[ClockFact]:
    """The marketplace clocks started, stopped or breached in these hours (sorted, not empty)."""
    result = await session.execute(CLOCKS, _hours_params(organization_id, hours))
    # The rows are all fetched; turning tens of thousands of them into facts is CPU work that would hold
    # the worker's event loop (and its SLA timers) for seconds, so it runs in a thread.
    return await asyncio.to_thread(_clock_facts, result)


def _clock_facts(rows: Iterable[Any]) -> list[ClockFact]:
    return [
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
        for r in rows
    ]


async def resolution_facts(
    session: AsyncSession, organization_id: uuid.UUID, hours: list[datetime]
) -> list[ResolutionFact]:
    """The resolutions of these hours (sorted, not empty)."""
    result = await session.execute(RESOLUTIONS, _hours_params(organization_id, hours))
    return await asyncio.to_thread(_resolution_facts, result)  # as clock_facts


def _resolution_facts(rows: Iterable[Any]) -> list[ResolutionFact]:
    return [ResolutionFact(r.opened_at, r.resolved_at, bool(r.reopened), _where(r)) for r in rows]


async def default_calendar(session: AsyncSession, organization_id: uuid.UUID) -> BusinessCalendar | None:
    """The organization's default business calendar, if it has one."""
    stmt = readable(BusinessCalendar, organization_id).where(BusinessCalendar.is_default.is_(True))
    return (await session.execute(stmt)).scalar_one_or_none()


async def rollups_frozen_before(session: AsyncSession, organization_id: uuid.UUID) -> datetime | None:
    """The organization's freeze line (api/privacy/retention.py): hours before it are never recomputed."""
    stmt = readable_columns(PrivacySettings, organization_id, PrivacySettings.rollups_frozen_before)
    frozen: datetime | None = (await session.execute(stmt)).scalar_one_or_none()
    return frozen


async def replace_hours(
    session: AsyncSession, organization_id: uuid.UUID, hours: list[datetime], rows: dict[Key, Measures]
) -> None:
    """Replace the organization's hour rows of these hours with `rows` (computed by facts.rows_of)."""
    await session.execute(scoped_delete(MetricRollup, organization_id).where(MetricRollup.bucket.in_(hours)))
    if rows:
        # One statement for all the rows (an executemany is a round trip per row).
        payload = json.dumps([facts.as_row(organization_id, k, m) for k, m in rows.items()], default=str)
        await session.execute(INSERT_HOURS, {"rows": payload})


async def replace_days(session: AsyncSession, organization_id: uuid.UUID, zone: str, days: list[datetime]) -> None:
    """Replace the organization's day rows of these local days (sorted, not empty; midnights as UTC
    instants) with the sums of their hour rows, and the marketplace day rows with the sums of those."""
    for table in (MetricRollupDay, MetricRollupMarketplaceDay):
        await session.execute(scoped_delete(table, organization_id).where(table.day.in_(days)))
    for i in range(0, len(days), 31):
        chunk = days[i : i + 31]
        params = {
            "org": organization_id,
            "zone": zone,
            "days": chunk,
            "lo": buckets.hour_floor(chunk[0]),
            "hi": buckets.first_hour(buckets.day_of(chunk[-1] + timedelta(hours=36), zone)),
        }
        await session.execute(REFRESH_DAYS, params)
    await session.execute(REFRESH_MARKETPLACE_DAYS, {"org": organization_id, "zone": zone, "days": days})


async def try_fold_lock(session: AsyncSession) -> bool:
    """Take the fold lock until the transaction ends, unless another transaction holds it (False)."""
    got: bool = (await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": FOLD_LOCK})).scalar_one()
    return got


async def wait_fold_lock(session: AsyncSession) -> None:
    """Take the fold lock until the transaction ends, waiting for a fold or rebuild that holds it."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FOLD_LOCK})


async def any_dirty_hours(session: AsyncSession) -> bool:
    """Whether any hour is marked for folding, in any organization (spans all: the fold serves them all)."""
    marked: bool = (await session.execute(text("SELECT EXISTS (SELECT 1 FROM metric_dirty_hours)"))).scalar_one()
    return marked


async def take_dirty_hours(session: AsyncSession, batch: int) -> Iterable[tuple[uuid.UUID, datetime]]:
    """Delete the oldest `batch` hour marks the triggers left, of every organization, and return their
    (organization, hour). Deleted with RETURNING: a mark committed after this statement stays for the
    next fold, so no change is ever dropped."""
    marked: Iterable[tuple[uuid.UUID, datetime]] = await session.execute(
        text(
            "DELETE FROM metric_dirty_hours WHERE id IN (SELECT id FROM metric_dirty_hours ORDER BY id LIMIT :n) "
            "RETURNING organization_id, bucket"
        ),
        {"n": batch},
    )
    return marked


async def every_organization_id(session: AsyncSession) -> list[uuid.UUID]:
    """Every organization's id, in id order: spans all organizations (a rebuild of them all)."""
    return list((await session.execute(select(Organization.id).order_by(Organization.id))).scalars())
