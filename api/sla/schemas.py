from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, computed_field, model_validator

from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.rules.conditions import SLA_POLICY
from api.sla.calendar import BusinessCalendar as Calendar
from api.sla.catalog import TIER_ACTIONS, is_builtin_name, is_builtin_source
from api.sla.policy import validate_tiers


class Tier(RequestModel):
    action: Literal["email_assignee", "notify_assignee_and_team", "escalate_supervisor"]
    at_fraction: float | None = Field(default=None, gt=0, lt=1, description="Share of the clock's span")
    # Bounded like the targets (60 days): they are added to datetimes, where an unbounded int overflows.
    after_seconds: int | None = Field(default=None, gt=0, le=60 * 60 * 24 * 60)
    before_deadline_seconds: int | None = Field(default=None, gt=0, le=60 * 60 * 24 * 60)

    @model_validator(mode="after")
    def _one_position(self) -> Tier:
        problems = validate_tiers([self.model_dump(exclude_none=True)], TIER_ACTIONS)
        if problems:
            raise ValueError(problems[0].split(": ", 1)[1])
        return self


class Conditions(RequestModel):
    marketplaces: list[Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]] = []
    channel_ids: list[uuid.UUID] = []
    categories: list[str] = Field(default=[], max_length=20)
    priorities: list[Literal["low", "normal", "high", "urgent"]] = []
    customer_tiers: list[Literal["standard", "high_value", "potential", "low_activity", "new", "at_risk"]] = []
    labels_any: list[str] = Field(default=[], max_length=20)


def seconds(default: int | None = None) -> Any:
    """A target in seconds: at least a minute, at most 60 days."""
    return Field(default=default, ge=60, le=60 * 60 * 24 * 60)


class PolicyFields(PatchModel):
    clearable = frozenset(
        {
            "next_response_seconds",
            "internal_first_response_seconds",
            "internal_next_response_seconds",
            "internal_resolution_seconds",
            "calendar_id",
        }
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = None
    conditions: Conditions | None = None
    first_response_seconds: int | None = seconds()
    next_response_seconds: int | None = seconds()
    internal_first_response_seconds: int | None = seconds()
    internal_next_response_seconds: int | None = seconds()
    internal_resolution_seconds: int | None = seconds()
    calendar_id: uuid.UUID | None = None
    pause_while_pending: bool | None = None
    automation_counts: bool | None = Field(
        default=None,
        description="Whether a delivered automatic reply answers the buyer (stops this policy's response"
        " clocks). Clocks already running keep the value they started with.",
    )
    tiers: list[Tier] | None = Field(default=None, max_length=10)


class PolicyCreate(PolicyFields):
    name: str = Field(min_length=1, max_length=200)
    position: int = Field(ge=0, le=100_000)
    first_response_seconds: int = Field(ge=60, le=60 * 60 * 24 * 60)


class PolicyRead(ResponseModel):
    id: uuid.UUID
    name: str
    builtin_key: str | None
    source: str
    position: int
    is_active: bool
    conditions: dict[str, list[str]]
    first_response_seconds: int
    next_response_seconds: int | None
    automation_counts: bool
    internal_first_response_seconds: int | None
    internal_next_response_seconds: int | None
    internal_resolution_seconds: int | None
    calendar_id: uuid.UUID | None
    pause_while_pending: bool
    tiers: list[dict[str, Any]]
    version: int
    updated_at: datetime

    # While a built-in policy keeps Hourglass's own wording, the SPA shows that wording in the reader's
    # language (by `builtin_key`); once someone renames it or rewrites its source, their text is shown.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_is_builtin(self) -> bool:
        return is_builtin_name(self.builtin_key, self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_is_builtin(self) -> bool:
        return is_builtin_source(self.builtin_key, self.source)


class CalendarFields(PatchModel):
    clearable = frozenset({"country_holidays", "subdivision"})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = Field(default=None, max_length=64)
    intervals: dict[str, list[str | list[str]]] | None = Field(
        default=None, description='Per weekday: {"mon": ["09:00-12:00", "13:00-18:00"], "fri": [["22:00", "06:00"]]}'
    )
    holidays: list[str] | None = Field(default=None, max_length=1000, description="YYYY-MM-DD")
    recurring_holidays: list[str] | None = Field(default=None, max_length=366, description="MM-DD")
    country_holidays: str | None = Field(default=None, max_length=8, description="e.g. US, CN (holidays package)")
    subdivision: str | None = Field(default=None, max_length=16)
    is_default: bool | None = None


class CalendarCreate(CalendarFields):
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = Field(max_length=64)
    intervals: dict[str, list[str | list[str]]]

    @model_validator(mode="after")
    def _valid(self) -> CalendarCreate:
        validate_calendar(self.model_dump())
        return self


def validate_calendar(spec: dict[str, Any]) -> Calendar:
    """Parse with the pure calendar; its ValueError messages name the defect."""
    return Calendar.from_spec(
        spec["time_zone"],
        spec["intervals"],
        holidays=spec.get("holidays") or (),
        recurring_holidays=spec.get("recurring_holidays") or (),
        country_holidays=spec.get("country_holidays"),
        subdivision=spec.get("subdivision"),
    )


class CalendarRead(ResponseModel):
    id: uuid.UUID
    name: str
    time_zone: str
    intervals: dict[str, Any]
    holidays: list[str]
    recurring_holidays: list[str]
    country_holidays: str | None
    subdivision: str | None
    is_default: bool
    updated_at: datetime


class RateRow(ResponseModel):
    marketplace: str
    channel_id: uuid.UUID | None
    answered_in_time: int
    missed: int
    rate: float | None
    threshold: float | None
    threshold_source: str | None
    misses_absorbable: int | None = Field(description="How many more misses the window can take and stay at threshold")
    previous_rate: float | None
    trend: Literal["up", "down", "flat", "unknown"]


class ResponseRateReport(ResponseModel):
    window_days: int
    window_start: datetime
    window_end: datetime
    marketplaces: list[RateRow]
    channels: list[RateRow]


class Overview(ResponseModel):
    pending: int = Field(description="Conversations waiting on a reply (Response Needed)")
    average_first_response_seconds: float | None = Field(
        description="Marketplace first responses given by people, last 7 days (automatic messages never count)"
    )
    about_to_breach: int
    overdue: int
    handled_today: int = Field(
        description="Replies people delivered since midnight in the organization's time zone (automatic "
        "messages never count; they are in automated_today)"
    )
    automated_today: int = Field(
        description="Automatic messages (auto-acknowledgements, auto-replies, away messages) delivered since midnight"
    )
    generated_at: datetime


assert set(Conditions.model_fields) == SLA_POLICY.names
