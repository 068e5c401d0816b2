from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.conversation import service as conversation_service
from api.conversation.schemas import ConversationRead
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.reports import service
from api.reports.repository import MetricFilters
from api.reports.schemas import (
    AgentReport,
    Granularity,
    GroupBy,
    Leaderboard,
    Measure,
    MetricsReport,
    Period,
    PeriodicReport,
    ReportFormat,
)

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=problem_responses(401, 403, 422, 429))
MetricsReader = Annotated[Principal, Depends(require("metrics:read"))]
From = Annotated[datetime, Query(alias="from", description="Start (inclusive), with a UTC offset")]
To = Annotated[datetime, Query(alias="to", description="End (exclusive), with a UTC offset")]
OptionalFrom = Annotated[datetime | None, Query(alias="from", description="Start (inclusive); default: `to` - 7 days")]
OptionalTo = Annotated[datetime | None, Query(alias="to", description="End (exclusive); default: the next hour")]


def metric_filters(
    marketplace: str | None = Query(default=None, max_length=20),
    channel_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    category: str | None = Query(default=None, max_length=40),
    include_automation: bool = Query(
        default=False,
        description="Count automatic messages (auto-acknowledgements, auto-replies, away messages) in the "
        "response figures. By default they measure people; SLA figures always follow each marketplace's rule.",
    ),
) -> MetricFilters:
    return MetricFilters(marketplace, channel_id, agent_id, team_id, category, include_automation)


Filters = Annotated[MetricFilters, Depends(metric_filters)]


@router.get("/metrics", response_model=MetricsReport, response_model_by_alias=True)
async def get_metrics(
    session: SessionDep,
    principal: MetricsReader,
    filters: Filters,
    start: From,
    end: To,
    granularity: Granularity = "day",
    group_by: list[GroupBy] = Query(default=[]),
) -> MetricsReport:
    """Service figures as a time series from the hourly rollups (days are derived in the
    organization's time zone): replies by people and by automation apart, first response and
    resolution times (median, p90, mean; wall clock and business hours), resolutions and reopen rate,
    SLA met / breached, backlog; with totals and the previous period of the same length for
    comparison. At most 31 days by the hour, 366 by the day. A channel of another organization
    contributes nothing. Agents see their own figures only."""
    return await service.metrics(session, principal, start, end, granularity, tuple(dict.fromkeys(group_by)), filters)


@router.get("/metrics/conversations", response_model=list[ConversationRead], responses=problem_responses(403))
async def metric_conversations(
    session: SessionDep,
    principal: MetricsReader,
    filters: Filters,
    measure: Measure,
    start: From,
    end: To,
    limit: int = Query(default=50, ge=1, le=200),
) -> list[ConversationRead]:
    """Drill-down: the conversations behind a number of `GET /v1/reports/metrics` (same filters, same
    attribution), most recent event first."""
    found = await service.drill_down(session, principal, measure, start, end, filters, limit)
    return await conversation_service.read_many(session, principal.organization_id, found)


@router.get("/agents", response_model=Leaderboard, response_model_by_alias=True, responses=problem_responses(403))
async def agent_leaderboard(
    session: SessionDep, principal: MetricsReader, filters: Filters, start: From, end: To
) -> Leaderboard:
    """Agent performance over a range (at most 366 days): volume, response times, resolutions, SLA;
    supervisors and admins only (an agent opens their own page)."""
    return await service.leaderboard(session, principal, start, end, filters)


@router.get(
    "/agents/{user_id}",
    response_model=AgentReport,
    response_model_by_alias=True,
    responses=problem_responses(403, 404),
)
async def agent_performance(
    user_id: uuid.UUID,
    session: SessionDep,
    principal: MetricsReader,
    filters: Filters,
    start: OptionalFrom = None,
    end: OptionalTo = None,
    granularity: Granularity = "day",
) -> AgentReport:
    """One agent's performance with the previous period beside it and the workload over time
    (default: the last 7 days). Supervisors and admins see anyone; an agent sees only themself
    (403 otherwise)."""
    end = end or service.default_end()
    start = start or end - timedelta(days=7)
    return await service.agent_report(session, principal, user_id, start, end, granularity, filters)


def _file_name(report: PeriodicReport, fmt: str) -> str:
    return f"hourglass-{report.period}ly-report-{report.start.date().isoformat()}.{fmt}"


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/periodic", response_model=PeriodicReport, response_model_by_alias=True, responses=problem_responses(403))
async def periodic_report(
    session: SessionDep,
    principal: MetricsReader,
    filters: Filters,
    period: Period = "week",
    day: date | None = Query(
        default=None, alias="date", description="A day inside the period; default: the last complete period"
    ),
) -> PeriodicReport:
    """The weekly (Monday to Sunday) or monthly report in the organization's time zone: the figures
    with the previous period beside them, per marketplace and per agent. Supervisors and admins."""
    return await service.periodic(session, principal, period, day, filters)


@router.get(
    "/periodic/download",
    responses={
        **problem_responses(403),
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "The report file"},
    },
    response_class=Response,
)
async def download_periodic_report(
    session: SessionDep,
    principal: MetricsReader,
    filters: Filters,
    format: ReportFormat,
    period: Period = "week",
    day: date | None = Query(default=None, alias="date"),
    language: Literal["en", "zh-CN"] = "en",
) -> Response:
    """The same report as a PDF (A4, with a CJK font when the system has one), CSV (UTF-8 with BOM)
    or XLSX (one sheet per section)."""
    report = await service.periodic(session, principal, period, day, filters)
    body = service.render(report, format, language)
    return Response(
        content=body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, format)}"'},
    )
