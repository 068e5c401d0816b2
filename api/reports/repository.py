"""All SQL of the reports: reads of the rollup rows (never of raw messages) and the drill-down.

Each statement carries the organization through api/kit/scoped.py (`tenant_condition` inside the
unions and joins, where the statement does not start from one table).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, literal_column, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.kit.scoped import readable_columns, tenant_condition
from api.models import Conversation, Message, Organization, SlaClock, User
from api.models.metrics import ConversationResolution, MetricRollup, MetricRollupDay, MetricRollupMarketplaceDay
from api.reports import buckets
from api.reports.facts import AUTOMATED_AUTHORS, MARKETPLACE_KINDS

DIMENSIONS = ("agent_id", "team_id", "marketplace", "channel_id", "category")


@dataclass(frozen=True)
class MetricFilters:
    """The same filters on every report endpoint."""

    marketplace: str | None = None
    channel_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    category: str | None = None
    include_automation: bool = False

    def predicates(self, table: Any = None) -> list[Any]:
        """The filters as conditions on a rollup table (the hour rows unless told)."""
        t = MetricRollup if table is None else table
        p: list[Any] = []
        if self.marketplace:
            p.append(t.marketplace == self.marketplace)
        if self.channel_id:
            p.append(t.channel_id == self.channel_id)
        if self.agent_id:
            p.append(t.agent_id == self.agent_id)
        if self.team_id:
            p.append(t.team_id == self.team_id)
        if self.category:
            p.append(t.category == self.category)
        return p


async def time_zone(session: AsyncSession, organization_id: uuid.UUID) -> str:
    return str(
        (await session.execute(select(Organization.time_zone).where(Organization.id == organization_id))).scalar_one()
    )


MEASURES = (
    "replies",
    "first_responses",
    "frt_wall_sum",
    "frt_business_sum",
    "resolutions",
    "reopened",
    "resolution_wall_sum",
    "resolution_business_sum",
    "sla_met",
    "sla_breached",
    "backlog_delta",
)
HIST_KEYS = {
    "fw": "frt_wall_hist",
    "fb": "frt_business_hist",
    "rw": "resolution_wall_hist",
    "rb": "resolution_business_hist",
}


def _period(table: Any, granularity: str, zone: str) -> Any:
    if granularity == "hour":
        return table.bucket
    # Days are derived from the hour rows in the organization's zone.
    return func.timezone(zone, func.date_trunc("day", func.timezone(zone, table.bucket)))


def _day_table(group_by: tuple[str, ...], filters: MetricFilters) -> tuple[Any, list[str]]:
    """The day rollup a question can be answered from, and the dimension columns it reads: the
    marketplace day rows when only the marketplace matters (the dashboard's usual question), the
    detailed day rows otherwise."""
    by_marketplace_only = set(group_by) <= {"marketplace"} and not (
        filters.channel_id or filters.agent_id or filters.team_id or filters.category
    )
    if by_marketplace_only:
        return MetricRollupMarketplaceDay, ["marketplace"]
    return MetricRollupDay, list(DIMENSIONS)


def _rows(
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    granularity: str | None,
    zone: str,
    group_by: tuple[str, ...],
    filters: MetricFilters,
) -> Any:
    """The rollup rows covering [start, end): the day rows of the whole local days inside it (unless the
    series is by hour) and the hour rows of the rest, with a `period` column, as one subquery."""
    hour_where = [
        tenant_condition(MetricRollup, organization_id),
        MetricRollup.bucket >= start,
        MetricRollup.bucket < end,
        *filters.predicates(MetricRollup),
    ]
    days = buckets.whole_days(start, end, zone) if granularity != "hour" else None
    D, dimensions = _day_table(group_by, filters)
    columns = [*dimensions, "automated", *MEASURES, *HIST_KEYS.values()]
    hour_period = [_period(MetricRollup, granularity, zone).label("period")] if granularity else []
    hour_rows = select(*hour_period, *(getattr(MetricRollup, c) for c in columns))
    if days is None:
        return hour_rows.where(*hour_where).subquery("r")
    first, after = days
    day_period = [D.day.label("period")] if granularity else []
    # The edges as two ranges of the (organization, bucket) index, not one range filtered: a filter
    # would read every hour row of the whole days too.
    return union_all(
        hour_rows.where(*hour_where, MetricRollup.bucket < buckets.first_hour(first)),
        hour_rows.where(*hour_where, MetricRollup.bucket >= buckets.first_hour(after)),
        select(*day_period, *(getattr(D, c) for c in columns)).where(
            tenant_condition(D, organization_id), D.zone == zone, D.day >= first, D.day < after, *filters.predicates(D)
        ),
    ).subquery("r")


async def series(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    granularity: str | None,
    zone: str,
    group_by: tuple[str, ...],
    filters: MetricFilters,
) -> list[dict[str, Any]]:
    """Summed measures and histograms per (period, groups); `granularity=None` sums the whole range.
    One scan: the histograms are summed element by element (`hist[i]`), which keeps one row per rollup
    row (unnesting them would multiply the rows by the number of histogram buckets)."""
    r = _rows(organization_id, start, end, granularity, zone, group_by, filters)
    people = literal(filters.include_automation) | r.c.automated.is_(False)
    keys: list[Any] = [r.c.period.label("period")] if granularity else []
    keys += [r.c[g].label(g) for g in group_by]
    sums = [
        func.sum(r.c.replies).filter(r.c.automated.is_(False)).label("replies_human"),
        func.sum(r.c.replies).filter(r.c.automated.is_(True)).label("replies_automated"),
        func.sum(r.c.first_responses).filter(people).label("first_responses"),
        func.sum(r.c.frt_wall_sum).filter(people).label("frt_wall_sum"),
        func.sum(r.c.frt_business_sum).filter(people).label("frt_business_sum"),
        func.sum(r.c.resolutions).label("resolutions"),
        func.sum(r.c.reopened).label("reopened"),
        func.sum(r.c.resolution_wall_sum).label("resolution_wall_sum"),
        func.sum(r.c.resolution_business_sum).label("resolution_business_sum"),
        func.sum(r.c.sla_met).label("sla_met"),
        func.sum(r.c.sla_met).filter(r.c.automated.is_(True)).label("sla_met_by_automation"),
        func.sum(r.c.sla_breached).label("sla_breached"),
        func.sum(r.c.backlog_delta).label("backlog_delta"),
    ]
    for short, column in HIST_KEYS.items():
        # First-response histograms count people only unless automation is included, as their sums do.
        only = " FILTER (WHERE NOT r.automated)" if short in ("fw", "fb") and not filters.include_automation else ""
        # Written out rather than built from expressions: 20 subscripts per histogram cost more to
        # build as SQLAlchemy expressions than the query takes to run.
        elements = ", ".join(f"coalesce(sum(r.{column}[{i}]){only}, 0)" for i in range(1, buckets.SIZE + 1))
        sums.append(literal_column(f"ARRAY[{elements}]").label(short))
    out = []
    for row in await session.execute(select(*keys, *sums).select_from(r).group_by(*keys)):
        m = dict(row._mapping)
        for short in HIST_KEYS:
            m[short] = [int(v) for v in m[short]]
        out.append(m)
    return out


async def backlog_before(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    group_by: tuple[str, ...],
    filters: MetricFilters,
    zone: str,
) -> dict[tuple[Any, ...], int]:
    """The backlog at `start` per group: the running sum of the deltas before it (whole local days from
    the day rows, the hours of the day `start` falls in from the hour rows)."""
    D, _ = _day_table(group_by, filters)
    day = buckets.day_of(buckets.hour_floor(start), zone)
    hour_keys = [getattr(MetricRollup, g).label(g) for g in group_by]
    day_keys = [getattr(D, g).label(g) for g in group_by]
    parts = union_all(
        select(*hour_keys, MetricRollup.backlog_delta).where(
            tenant_condition(MetricRollup, organization_id),
            MetricRollup.bucket >= buckets.first_hour(day),
            MetricRollup.bucket < start,
            *filters.predicates(MetricRollup),
        ),
        select(*day_keys, D.backlog_delta).where(
            tenant_condition(D, organization_id), D.zone == zone, D.day < day, *filters.predicates(D)
        ),
    ).subquery("b")
    keys = [parts.c[g] for g in group_by]
    rows = await session.execute(select(*keys, func.sum(parts.c.backlog_delta)).group_by(*keys))
    return {tuple(r[:-1]): int(r[-1] or 0) for r in rows}


async def agent_names(session: AsyncSession, organization_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str]]:
    rows = await session.execute(readable_columns(User, organization_id, User.id, User.name, User.role))
    return {r[0]: (r[1], r[2]) for r in rows}


# --- drill-down: the conversations behind a number -------------------------------------------------


def _conversation_filters(filters: MetricFilters) -> list[Any]:
    p: list[Any] = []
    if filters.marketplace:
        p.append(Conversation.marketplace == filters.marketplace)
    if filters.channel_id:
        p.append(Conversation.channel_id == filters.channel_id)
    if filters.team_id:
        p.append(Conversation.team_id == filters.team_id)
    if filters.category:
        p.append(Conversation.category == filters.category)
    return p


async def conversations_behind(
    session: AsyncSession,
    organization_id: uuid.UUID,
    measure: str,
    start: datetime,
    end: datetime,
    filters: MetricFilters,
    limit: int,
) -> list[Conversation]:
    """The conversations a measure counted over [start, end), attributed by the same rules as the
    fold (api/reports/facts.py): most recent event first."""
    cond: list[Any] = [tenant_condition(Conversation, organization_id), *_conversation_filters(filters)]
    if measure == "replies":
        at: Any = func.coalesce(Message.delivered_at, Message.sent_at)
        cond += [
            tenant_condition(Message, organization_id),
            Message.direction == "outbound",
            Message.delivery_status == "sent",
            at >= start,
            at < end,
        ]
        if not filters.include_automation:
            cond.append(Message.author_kind.not_in(AUTOMATED_AUTHORS))
        if filters.agent_id:
            cond.append(Message.author_user_id == filters.agent_id)
        inner = select(Conversation.id.label("cid"), at.label("at")).join(
            Message, Message.conversation_id == Conversation.id
        )
    elif measure in ("resolutions", "reopened"):
        at = ConversationResolution.resolved_at
        cond += [tenant_condition(ConversationResolution, organization_id), at >= start, at < end]
        if measure == "reopened":
            cond.append(ConversationResolution.reopened_at.is_not(None))
        if filters.agent_id:
            cond.append(Conversation.assignee_id == filters.agent_id)
        inner = select(Conversation.id.label("cid"), at.label("at")).join(
            ConversationResolution, ConversationResolution.conversation_id == Conversation.id
        )
    else:
        stop = aliased(Message)
        kinds = ("marketplace_first_response",) if measure == "first_responses" else MARKETPLACE_KINDS
        at = SlaClock.breached_at if measure == "sla_breached" else SlaClock.stopped_at
        cond += [tenant_condition(SlaClock, organization_id), SlaClock.kind.in_(kinds), at >= start, at < end]
        human_responder = case((stop.author_kind == "human", stop.author_user_id), else_=None)
        if measure == "first_responses":
            cond.append(SlaClock.stop_reason == "reply")
            if not filters.include_automation:
                cond.append(stop.author_kind == "human")
        if measure == "sla_met":
            cond.append(SlaClock.state == "met")
        if filters.agent_id:
            agent = (
                Conversation.assignee_id
                if measure == "sla_breached"
                else func.coalesce(human_responder, Conversation.assignee_id)
            )
            cond.append(agent == filters.agent_id)
        inner = (
            select(Conversation.id.label("cid"), at.label("at"))
            .join(SlaClock, SlaClock.conversation_id == Conversation.id)
            .outerjoin(stop, stop.id == SlaClock.stop_message_id)
        )
    sub = inner.where(*cond).subquery()
    latest = select(sub.c.cid, func.max(sub.c.at).label("at")).group_by(sub.c.cid).subquery()
    stmt = (
        select(Conversation)
        .join(latest, latest.c.cid == Conversation.id)
        .where(tenant_condition(Conversation, organization_id))
        .order_by(latest.c.at.desc(), Conversation.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def raw_reply_counts(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime
) -> dict[str, int]:
    """Replies straight from messages, for the benchmark's comparison with the rollups."""
    rows = await session.execute(
        text(
            "SELECT m.author_kind <> 'human' AS automated, count(*) FROM messages m "
            "WHERE m.organization_id = :org AND m.direction = 'outbound' AND m.delivery_status = 'sent' "
            "AND coalesce(m.delivered_at, m.sent_at) >= :lo AND coalesce(m.delivered_at, m.sent_at) < :hi GROUP BY 1"
        ),
        {"org": organization_id, "lo": start, "hi": end},
    )
    return {"automated" if r[0] else "human": int(r[1]) for r in rows}
