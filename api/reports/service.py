"""Reports over the metric rollups: series, totals, comparisons, agent performance."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api.auth.principal import Principal
from api.db import Session
from api.kit.errors import Forbidden, InvalidInput, NotFound, field_error
from api.kit.time import utc_now
from api.models import Conversation
from api.reports import buckets, repository
from api.reports import periodic as periodic_render
from api.reports.repository import HIST_KEYS, MetricFilters
from api.reports.schemas import (
    AgentReport,
    AgentRow,
    Durations,
    FigureAutomation,
    Leaderboard,
    MetricFigures,
    MetricPoint,
    MetricsReport,
    PeriodicReport,
)
from api.sla.catalog import AUTOMATION_COUNTS

# The longest range each granularity may ask for: an hour series of a month is 744 points per group.
MAX_DAYS = {"hour": 31, "day": 366}
SUPERVISING_ROLES = ("supervisor", "admin")


def default_end() -> datetime:
    """The end of the current hour: the default `to`, so the hour in progress is included."""
    return buckets.hour_floor(utc_now()) + timedelta(hours=1)


def check_range(start: datetime, end: datetime, granularity: str) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        field = "query.from" if start.tzinfo is None else "query.to"
        raise InvalidInput("Give times with a UTC offset.", errors=field_error(field, "needs a time zone offset"))
    if end <= start:
        raise InvalidInput("`to` must be after `from`.", errors=field_error("query.to", "must be after from"))
    limit = MAX_DAYS[granularity]
    if end - start > timedelta(days=limit):
        raise InvalidInput(
            f"A {granularity} report covers at most {limit} days.",
            errors=field_error("query.to", f"longer than the maximum of {limit} days for granularity={granularity}"),
        )


def supervises(principal: Principal) -> bool:
    """Supervisors, admins and API keys (integrations act for the organization) see every agent."""
    return principal.user_id is None or principal.role in SUPERVISING_ROLES


def check_agent_visibility(principal: Principal, agent_id: uuid.UUID | None, group_by: tuple[str, ...]) -> None:
    if supervises(principal):
        return
    if "agent_id" in group_by or (agent_id is not None and agent_id != principal.user_id):
        raise Forbidden("Agents see their own performance only.")


def automation_notes(include_automation: bool) -> list[FigureAutomation]:
    chosen = "yes" if include_automation else "no"
    return [
        FigureAutomation(figure="replies_human", counts_automation="no"),
        FigureAutomation(figure="replies_automated", counts_automation="yes"),
        FigureAutomation(figure="first_responses", counts_automation=chosen),
        FigureAutomation(figure="first_response_wall", counts_automation=chosen),
        FigureAutomation(figure="first_response_business", counts_automation=chosen),
        FigureAutomation(figure="resolutions", counts_automation="no"),
        FigureAutomation(figure="sla_met", counts_automation="marketplace_rule"),
        FigureAutomation(figure="sla_breached", counts_automation="marketplace_rule"),
        FigureAutomation(figure="backlog", counts_automation="no"),
    ]


def _durations(hist: list[int], total: int, count: int) -> Durations:
    if not any(hist):  # most cells of a long series by agent or store are empty
        return Durations(median_seconds=None, p90_seconds=None, mean_seconds=total / count if count else None)
    return Durations(
        median_seconds=buckets.percentile(hist, 0.5),
        p90_seconds=buckets.percentile(hist, 0.9),
        mean_seconds=total / count if count else None,
    )


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def figures(m: dict[str, Any], hists: dict[str, list[int]], backlog: int) -> dict[str, Any]:
    def n(key: str) -> int:
        return int(m.get(key) or 0)

    met, breached = n("sla_met"), n("sla_breached")
    return {
        "replies_human": n("replies_human"),
        "replies_automated": n("replies_automated"),
        "first_responses": n("first_responses"),
        "first_response_wall": _durations(hists["fw"], n("frt_wall_sum"), n("first_responses")),
        "first_response_business": _durations(hists["fb"], n("frt_business_sum"), n("first_responses")),
        "resolutions": n("resolutions"),
        "reopened": n("reopened"),
        "reopen_rate": _ratio(n("reopened"), n("resolutions")),
        "resolution_wall": _durations(hists["rw"], n("resolution_wall_sum"), n("resolutions")),
        "resolution_business": _durations(hists["rb"], n("resolution_business_sum"), n("resolutions")),
        "sla_met": met,
        "sla_met_by_automation": n("sla_met_by_automation"),
        "sla_breached": breached,
        "sla_rate": _ratio(met, met + breached),
        "backlog": backlog,
    }


def _periods(start: datetime, end: datetime, granularity: str, zone: str) -> list[datetime]:
    if granularity == "hour":
        return buckets.hours(start, end)
    return buckets.days(start, end, zone)


async def _collect(
    session: Session,
    org: uuid.UUID,
    start: datetime,
    end: datetime,
    granularity: str | None,
    zone: str,
    group_by: tuple[str, ...],
    filters: MetricFilters,
) -> list[MetricPoint]:
    rows = await repository.series(session, org, start, end, granularity, zone, group_by, filters)
    opening = await repository.backlog_before(session, org, start, group_by, filters, zone)
    return _points(rows, opening, start, end, granularity, zone, group_by)


def _points(
    rows: list[dict[str, Any]],
    opening: dict[tuple[Any, ...], int],
    start: datetime,
    end: datetime,
    granularity: str | None,
    zone: str,
    group_by: tuple[str, ...],
) -> list[MetricPoint]:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return ((row["period"],) if granularity else (None,)) + tuple(row[g] for g in group_by)

    by_key = {key(r): r for r in rows}
    groups = sorted({k[1:] for k in by_key} | set(opening), key=lambda g: tuple(str(x) for x in g))
    if not group_by:
        groups = [()]  # the one total, zeros included: charts are dense
    periods: list[datetime | None] = list(_periods(start, end, granularity, zone)) if granularity else [None]
    points: list[MetricPoint] = []
    for g in groups:
        backlog = opening.get(g, 0)
        for p in periods:
            row = by_key.get((p, *g), {})
            backlog += int(row.get("backlog_delta") or 0)
            points.append(
                MetricPoint(
                    period=p,
                    **dict(zip(group_by, g, strict=True)),
                    **figures(row, {k: row.get(k) or buckets.empty() for k in HIST_KEYS}, backlog),
                )
            )
    return points


def _over_periods(rows: list[dict[str, Any]], group_by: tuple[str, ...]) -> list[dict[str, Any]]:
    """A series' rows summed over its periods, per group: the totals of the same range without a
    second scan (every measure and histogram bucket is a sum). Summed column by column (a year by day
    is 366 rows of four 20-bucket histograms: adding them row by row cost 5 ms)."""
    by_group: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_group.setdefault(tuple(row[k] for k in group_by), []).append(row)
    merged = []
    for g, members in by_group.items():
        total: dict[str, Any] = dict(zip(group_by, g, strict=True))
        for k in members[0]:
            if k == "period" or k in group_by:
                continue
            if k in HIST_KEYS:
                total[k] = [sum(bucket) for bucket in zip(*(m[k] for m in members), strict=True)]
            else:
                total[k] = sum(m[k] or 0 for m in members)
        merged.append(total)
    return merged


async def metrics(
    session: Session,
    principal: Principal,
    start: datetime,
    end: datetime,
    granularity: str,
    group_by: tuple[str, ...],
    filters: MetricFilters,
) -> MetricsReport:
    check_range(start, end, granularity)
    check_agent_visibility(principal, filters.agent_id, group_by)
    if not supervises(principal) and filters.agent_id is None:
        # An agent's report is their own: everything else is other people's work.
        filters = MetricFilters(**{**filters.__dict__, "agent_id": principal.user_id})
    org = principal.organization_id
    zone = await repository.time_zone(session, org)
    prev_start, prev_end = buckets.previous_period(start, end)
    # One scan for the series and its totals (the totals are the series summed), one for the period before.
    rows = await repository.series(session, org, start, end, granularity, zone, group_by, filters)
    opening = await repository.backlog_before(session, org, start, group_by, filters, zone)
    return MetricsReport(
        start=start,
        end=end,
        granularity=granularity,  # type: ignore[arg-type]
        group_by=list(group_by),  # type: ignore[arg-type]
        include_automation=filters.include_automation,
        time_zone=zone,
        automation=automation_notes(filters.include_automation),
        marketplace_automation_counts=dict(AUTOMATION_COUNTS),
        totals=_points(_over_periods(rows, group_by), opening, start, end, None, zone, group_by),
        previous_totals=await _collect(session, org, prev_start, prev_end, None, zone, group_by, filters),
        series=_points(rows, opening, start, end, granularity, zone, group_by),
    )


async def leaderboard(
    session: Session, principal: Principal, start: datetime, end: datetime, filters: MetricFilters
) -> Leaderboard:
    check_range(start, end, "day")
    if not supervises(principal):
        raise Forbidden("The leaderboard is for supervisors and admins; open your own performance page.")
    org = principal.organization_id
    zone = await repository.time_zone(session, org)
    names = await repository.agent_names(session, org)
    rows = await _collect(session, org, start, end, None, zone, ("agent_id",), filters)
    agents = [
        AgentRow(
            agent_id=r.agent_id,
            name=names[r.agent_id][0],
            role=names[r.agent_id][1],
            **r.model_dump(include=set(MetricFigures.model_fields)),
        )
        for r in rows
        if r.agent_id is not None and r.agent_id in names
    ]
    agents.sort(key=lambda a: (-a.replies_human, -a.resolutions, a.name))
    return Leaderboard(start=start, end=end, include_automation=filters.include_automation, agents=agents)


async def agent_report(
    session: Session,
    principal: Principal,
    agent_id: uuid.UUID,
    start: datetime,
    end: datetime,
    granularity: str,
    filters: MetricFilters,
) -> AgentReport:
    check_range(start, end, granularity)
    check_agent_visibility(principal, agent_id, ())
    org = principal.organization_id
    names = await repository.agent_names(session, org)
    if agent_id not in names:
        raise NotFound(f"No user {agent_id}.")
    zone = await repository.time_zone(session, org)
    mine = MetricFilters(**{**filters.__dict__, "agent_id": agent_id})
    prev_start, prev_end = buckets.previous_period(start, end)
    empty = MetricFigures(**figures({}, {k: buckets.empty() for k in ("fw", "fb", "rw", "rb")}, 0))

    def total(points: list[MetricPoint]) -> MetricFigures:
        return MetricFigures(**points[0].model_dump(include=set(MetricFigures.model_fields))) if points else empty

    return AgentReport(
        agent_id=agent_id,
        name=names[agent_id][0],
        role=names[agent_id][1],
        start=start,
        end=end,
        granularity=granularity,  # type: ignore[arg-type]
        totals=total(await _collect(session, org, start, end, None, zone, (), mine)),
        previous_totals=total(await _collect(session, org, prev_start, prev_end, None, zone, (), mine)),
        series=await _collect(session, org, start, end, granularity, zone, (), mine),
    )


async def drill_down(
    session: Session,
    principal: Principal,
    measure: str,
    start: datetime,
    end: datetime,
    filters: MetricFilters,
    limit: int,
) -> list[Conversation]:
    check_range(start, end, "day")
    check_agent_visibility(principal, filters.agent_id, ())
    if not supervises(principal) and filters.agent_id is None:
        filters = MetricFilters(**{**filters.__dict__, "agent_id": principal.user_id})
    return await repository.conversations_behind(
        session, principal.organization_id, measure, start, end, filters, limit
    )


async def periodic(
    session: Session, principal: Principal, period: str, day: date | None, filters: MetricFilters
) -> PeriodicReport:
    """The weekly or monthly report: the period containing `day` (default: the last complete one)."""
    if not supervises(principal):
        raise Forbidden("The team report is for supervisors and admins.")
    org = principal.organization_id
    zone = await repository.time_zone(session, org)
    if day is None:
        day = periodic_render.previous_period_day(period, utc_now().astimezone(ZoneInfo(zone)).date())
    start, end = periodic_render.period_bounds(period, day, zone)
    prev_start, prev_end = buckets.previous_period(start, end)
    empty = {k: buckets.empty() for k in ("fw", "fb", "rw", "rb")}

    def first(points: list[MetricPoint]) -> MetricFigures:
        if not points:
            return MetricFigures(**figures({}, empty, 0))
        return MetricFigures(**points[0].model_dump(include=set(MetricFigures.model_fields)))

    board = await leaderboard(session, principal, start, end, filters)
    return PeriodicReport(
        period=period,  # type: ignore[arg-type]
        start=start,
        end=end,
        time_zone=zone,
        include_automation=filters.include_automation,
        totals=first(await _collect(session, org, start, end, None, zone, (), filters)),
        previous_totals=first(await _collect(session, org, prev_start, prev_end, None, zone, (), filters)),
        marketplaces=await _collect(session, org, start, end, None, zone, ("marketplace",), filters),
        agents=board.agents,
    )


HEADINGS = {
    "en": {
        "week": "Weekly service report",
        "month": "Monthly service report",
        "summary": "Summary",
        "figure": "Figure",
        "this": "This period",
        "previous": "Previous period",
        "marketplaces": "Marketplaces",
        "marketplace": "Marketplace",
        "agents": "Agents",
        "agent": "Agent",
        "people": "Response figures count people only; SLA follows each marketplace's rule.",
        "with_auto": "Response figures include automatic messages; SLA follows each marketplace's rule.",
    },
    "zh-CN": {
        "week": "客服周报",
        "month": "客服月报",
        "summary": "概览",
        "figure": "指标",
        "this": "本期",
        "previous": "上期",
        "marketplaces": "平台",
        "marketplace": "平台",
        "agents": "客服",
        "agent": "客服",
        "people": "响应指标只统计人工回复；SLA 按各平台自己的规则计算。",
        "with_auto": "响应指标包含自动消息；SLA 按各平台自己的规则计算。",
    },
}
FIGURES = {
    "en": [
        "Replies by people",
        "Automatic messages",
        "First responses",
        "First response median (min)",
        "First response p90 (min)",
        "First response median, business hours (min)",
        "Resolved",
        "Reopen rate (%)",
        "Resolution median (h)",
        "SLA met",
        "SLA breached",
        "SLA rate (%)",
        "Backlog at end",
    ],
    "zh-CN": [
        "人工回复",
        "自动消息",
        "首次响应",
        "首次响应中位数（分钟）",
        "首次响应 P90（分钟）",
        "首次响应中位数·工作时间（分钟）",
        "已解决",
        "重开率（%）",
        "解决时长中位数（小时）",
        "SLA 达标",
        "SLA 超时",
        "SLA 达标率（%）",
        "期末积压",
    ],
}


def _fmt(value: float | None, scale: float = 1.0, digits: int = 1) -> str:
    return "" if value is None else f"{value / scale:.{digits}f}"


def _values(f: MetricFigures) -> list[str]:
    return [
        str(f.replies_human),
        str(f.replies_automated),
        str(f.first_responses),
        _fmt(f.first_response_wall.median_seconds, 60),
        _fmt(f.first_response_wall.p90_seconds, 60),
        _fmt(f.first_response_business.median_seconds, 60),
        str(f.resolutions),
        _fmt(f.reopen_rate, 0.01),
        _fmt(f.resolution_wall.median_seconds, 3600),
        str(f.sla_met),
        str(f.sla_breached),
        _fmt(f.sla_rate, 0.01),
        str(f.backlog),
    ]


def report_table(report: PeriodicReport, language: str) -> periodic_render.ReportTable:
    h = HEADINGS.get(language, HEADINGS["en"])
    names = FIGURES.get(language, FIGURES["en"])
    local = ZoneInfo(report.time_zone)
    last_day = (report.end.astimezone(local) - timedelta(days=1)).date()
    subtitle = f"{report.start.astimezone(local).date()} – {last_day} ({report.time_zone}). " + (
        h["with_auto"] if report.include_automation else h["people"]
    )
    summary = [
        [name, now, before]
        for name, now, before in zip(names, _values(report.totals), _values(report.previous_totals), strict=True)
    ]
    short = [0, 1, 2, 3, 6, 7, 11]  # the columns that fit a page row per marketplace / agent
    columns = [names[i] for i in short]
    return periodic_render.ReportTable(
        title=h[report.period],
        subtitle=subtitle,
        sections=[
            (h["summary"], [h["figure"], h["this"], h["previous"]], summary),
            (
                h["marketplaces"],
                [h["marketplace"], *columns],
                [[m.marketplace or "", *[_values(m)[i] for i in short]] for m in report.marketplaces],
            ),
            (h["agents"], [h["agent"], *columns], [[a.name, *[_values(a)[i] for i in short]] for a in report.agents]),
        ],
    )


def render(report: PeriodicReport, fmt: str, language: str) -> bytes:
    table = report_table(report, language)
    if fmt == "pdf":
        return periodic_render.to_pdf(table)
    if fmt == "xlsx":
        return periodic_render.to_xlsx(table)
    return periodic_render.to_csv(table)
