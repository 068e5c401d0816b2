from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from api.kit.schema import ResponseModel

Granularity = Literal["hour", "day"]
GroupBy = Literal["agent_id", "team_id", "marketplace", "channel_id", "category"]
Measure = Literal["replies", "first_responses", "resolutions", "reopened", "sla_met", "sla_breached"]
AutomationCount = Literal["no", "yes", "marketplace_rule"]


class Durations(ResponseModel):
    median_seconds: float | None = Field(description="Read from fixed histogram buckets, interpolated")
    p90_seconds: float | None
    mean_seconds: float | None


class MetricFigures(ResponseModel):
    replies_human: int = Field(description="Replies people sent (never automation)")
    replies_automated: int = Field(description="Auto-acknowledgements, auto-replies, away messages")
    first_responses: int = Field(description="Buyer threads first answered (by people unless include_automation)")
    first_response_wall: Durations
    first_response_business: Durations = Field(description="Working time by the default calendar")
    resolutions: int = Field(description="Conversations handled: resolutions in the period")
    reopened: int = Field(description="Of those resolutions, how many the buyer reopened later")
    reopen_rate: float | None
    resolution_wall: Durations
    resolution_business: Durations
    sla_met: int = Field(description="Marketplace deadlines met, by each marketplace's own rule")
    sla_met_by_automation: int = Field(description="Of sla_met, met by an automatic message (where the rule allows)")
    sla_breached: int
    sla_rate: float | None
    backlog: int = Field(description="Buyer messages waiting for an answer at the end of the period")


class MetricPoint(MetricFigures):
    period: datetime | None = Field(description="Start of the hour or local day; null for a total")
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    marketplace: str | None = None
    channel_id: uuid.UUID | None = None
    category: str | None = None


class FigureAutomation(ResponseModel):
    figure: str
    counts_automation: AutomationCount


class MetricsReport(ResponseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    granularity: Granularity
    group_by: list[GroupBy]
    include_automation: bool
    time_zone: str
    automation: list[FigureAutomation] = Field(description="Whether each figure counts automatic messages")
    marketplace_automation_counts: dict[str, bool] = Field(
        description="Per marketplace, whether its rule lets an automatic message answer the buyer"
    )
    totals: list[MetricPoint] = Field(description="The whole range, per group")
    previous_totals: list[MetricPoint] = Field(description="The period of the same length just before, per group")
    series: list[MetricPoint]


class AgentRow(MetricFigures):
    agent_id: uuid.UUID
    name: str
    role: str


class Leaderboard(ResponseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    include_automation: bool
    agents: list[AgentRow]


class AgentReport(ResponseModel):
    agent_id: uuid.UUID
    name: str
    role: str
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    granularity: Granularity
    totals: MetricFigures
    previous_totals: MetricFigures
    series: list[MetricPoint] = Field(description="Workload over time")


Period = Literal["week", "month"]
ReportFormat = Literal["pdf", "csv", "xlsx"]


class PeriodicReport(ResponseModel):
    period: Period
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    time_zone: str
    include_automation: bool
    totals: MetricFigures
    previous_totals: MetricFigures
    marketplaces: list[MetricPoint]
    agents: list[AgentRow]
