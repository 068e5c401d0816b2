"""All SQL of the reports: reads of the rollup rows (never of raw messages) and the drill-down."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.models import Conversation, Message, Organization, SlaClock, User
from api.models.metrics import ConversationResolution, MetricRollup
from api.reports.facts import AUTOMATED_AUTHORS, MARKETPLACE_KINDS

R = MetricRollup
DIMENSIONS = ("agent_id", "team_id", "marketplace", "channel_id", "category")
HISTOGRAMS = ("frt_wall_hist", "frt_business_hist", "resolution_wall_hist", "resolution_business_hist")


@dataclass(frozen=True)
class MetricFilters:
    """The same filters on every report endpoint."""

    marketplace: str | None = None
    channel_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    category: str | None = None
    include_automation: bool = False

    def predicates(self) -> list[Any]:
        p: list[Any] = []
        if self.marketplace:
            p.append(R.marketplace == self.marketplace)
        if self.channel_id:
            p.append(R.channel_id == self.channel_id)
        if self.agent_id:
            p.append(R.agent_id == self.agent_id)
        if self.team_id:
            p.append(R.team_id == self.team_id)
        if self.category:
            p.append(R.category == self.category)
        return p


async def time_zone(session: AsyncSession, organization_id: uuid.UUID) -> str:
    return str(
        (await session.execute(select(Organization.time_zone).where(Organization.id == organization_id))).scalar_one()
    )


def _period(granularity: str, zone: str) -> Any:
    if granularity == "hour":
        return R.bucket
    # Days are derived from the hour rows in the organization's zone.
    return func.timezone(zone, func.date_trunc("day", func.timezone(zone, R.bucket)))


async def series(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    granularity: str | None,
    zone: str,
    group_by: tuple[str, ...],
    filters: MetricFilters,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Summed measures per (period, groups) and summed histograms per (period, groups, bucket index).
    `granularity=None` sums the whole range."""
    people = literal(filters.include_automation) | R.automated.is_(False)
    keys: list[Any] = [_period(granularity, zone).label("period")] if granularity else []
    keys += [getattr(R, g).label(g) for g in group_by]
    where = [R.organization_id == organization_id, R.bucket >= start, R.bucket < end, *filters.predicates()]
    sums = [
        func.sum(R.replies).filter(R.automated.is_(False)).label("replies_human"),
        func.sum(R.replies).filter(R.automated.is_(True)).label("replies_automated"),
        func.sum(R.first_responses).filter(people).label("first_responses"),
        func.sum(R.frt_wall_sum).filter(people).label("frt_wall_sum"),
        func.sum(R.frt_business_sum).filter(people).label("frt_business_sum"),
        func.sum(R.resolutions).label("resolutions"),
        func.sum(R.reopened).label("reopened"),
        func.sum(R.resolution_wall_sum).label("resolution_wall_sum"),
        func.sum(R.resolution_business_sum).label("resolution_business_sum"),
        func.sum(R.sla_met).label("sla_met"),
        func.sum(R.sla_met).filter(R.automated.is_(True)).label("sla_met_by_automation"),
        func.sum(R.sla_breached).label("sla_breached"),
        func.sum(R.backlog_delta).label("backlog_delta"),
    ]
    measures = [dict(r._mapping) for r in await session.execute(select(*keys, *sums).where(*where).group_by(*keys))]
    # Histograms: the four arrays zipped and summed element-wise, only for rows that count.
    u = func.unnest(R.frt_wall_hist, R.frt_business_hist, R.resolution_wall_hist, R.resolution_business_hist)
    unnested = u.table_valued("fw", "fb", "rw", "rb", with_ordinality="i").render_derived("u")
    hist_rows = await session.execute(
        select(
            *keys,
            unnested.c.i.label("i"),
            func.sum(unnested.c.fw).filter(people).label("fw"),
            func.sum(unnested.c.fb).filter(people).label("fb"),
            func.sum(unnested.c.rw).label("rw"),
            func.sum(unnested.c.rb).label("rb"),
        )
        .select_from(R)
        .join(unnested, literal(True))
        .where(*where)
        .group_by(*keys, unnested.c.i)
    )
    return measures, [dict(r._mapping) for r in hist_rows]


async def backlog_before(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    group_by: tuple[str, ...],
    filters: MetricFilters,
) -> dict[tuple[Any, ...], int]:
    """The backlog at `start` per group: the running sum of the deltas before it."""
    keys = [getattr(R, g) for g in group_by]
    rows = await session.execute(
        select(*keys, func.sum(R.backlog_delta))
        .where(R.organization_id == organization_id, R.bucket < start, *filters.predicates())
        .group_by(*keys)
    )
    return {tuple(r[:-1]): int(r[-1] or 0) for r in rows}


async def agent_names(session: AsyncSession, organization_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str]]:
    rows = await session.execute(select(User.id, User.name, User.role).where(User.organization_id == organization_id))
    return {r[0]: (r[1], r[2]) for r in rows}


# --- drill-down: the conversations behind a number -------------------------------------------------

C = Conversation


def _conversation_filters(filters: MetricFilters) -> list[Any]:
    p: list[Any] = []
    if filters.marketplace:
        p.append(C.marketplace == filters.marketplace)
    if filters.channel_id:
        p.append(C.channel_id == filters.channel_id)
    if filters.team_id:
        p.append(C.team_id == filters.team_id)
    if filters.category:
        p.append(C.category == filters.category)
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
    cond: list[Any] = [C.organization_id == organization_id, *_conversation_filters(filters)]
    if measure == "replies":
        at: Any = func.coalesce(Message.delivered_at, Message.sent_at)
        cond += [
            Message.organization_id == organization_id,
            Message.direction == "outbound",
            Message.delivery_status == "sent",
            at >= start,
            at < end,
        ]
        if not filters.include_automation:
            cond.append(Message.author_kind.not_in(AUTOMATED_AUTHORS))
        if filters.agent_id:
            cond.append(Message.author_user_id == filters.agent_id)
        inner = select(C.id.label("cid"), at.label("at")).join(Message, Message.conversation_id == C.id)
    elif measure in ("resolutions", "reopened"):
        K = ConversationResolution
        at = K.resolved_at
        cond += [K.organization_id == organization_id, at >= start, at < end]
        if measure == "reopened":
            cond.append(K.reopened_at.is_not(None))
        if filters.agent_id:
            cond.append(C.assignee_id == filters.agent_id)
        inner = select(C.id.label("cid"), at.label("at")).join(K, K.conversation_id == C.id)
    else:
        stop = aliased(Message)
        kinds = ("marketplace_first_response",) if measure == "first_responses" else MARKETPLACE_KINDS
        at = SlaClock.breached_at if measure == "sla_breached" else SlaClock.stopped_at
        cond += [SlaClock.organization_id == organization_id, SlaClock.kind.in_(kinds), at >= start, at < end]
        human_responder = case((stop.author_kind == "human", stop.author_user_id), else_=None)
        if measure == "first_responses":
            cond.append(SlaClock.stop_reason == "reply")
            if not filters.include_automation:
                cond.append(stop.author_kind == "human")
        if measure == "sla_met":
            cond.append(SlaClock.state == "met")
        if filters.agent_id:
            agent = C.assignee_id if measure == "sla_breached" else func.coalesce(human_responder, C.assignee_id)
            cond.append(agent == filters.agent_id)
        inner = (
            select(C.id.label("cid"), at.label("at"))
            .join(SlaClock, SlaClock.conversation_id == C.id)
            .outerjoin(stop, stop.id == SlaClock.stop_message_id)
        )
    sub = inner.where(*cond).subquery()
    latest = select(sub.c.cid, func.max(sub.c.at).label("at")).group_by(sub.c.cid).subquery()
    stmt = (
        select(C)
        .join(latest, latest.c.cid == C.id)
        .where(C.organization_id == organization_id)
        .order_by(latest.c.at.desc(), C.id)
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
