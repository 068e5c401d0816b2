from __future__ import annotations

import uuid
from datetime import date, datetime, time

from pydantic import Field

from api.kit.schema import RequestModel, ResponseModel


class ShiftCreate(RequestModel):
    team_id: uuid.UUID
    user_id: uuid.UUID
    time_zone: str = Field(max_length=64, description="The agent's IANA time zone, e.g. Asia/Shanghai")
    weekday: int | None = Field(default=None, description="A weekly pattern: 0 = Monday … 6 = Sunday")
    on_date: date | None = Field(default=None, description="A dated exception: replaces that day's pattern")
    start_time: time = Field(description="Local wall-clock start")
    duration_minutes: int = Field(
        description="Wall-clock length; at most 1440 (24 h). Past midnight is an overnight shift."
    )
    handover_minutes: int = Field(default=30, description="Closing window: no new conversations routed")
    is_off: bool = Field(default=False, description="With on_date: a day off (no shift that day)")


class ShiftRead(ResponseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    user_id: uuid.UUID
    time_zone: str
    weekday: int | None
    on_date: date | None
    start_time: time
    duration_minutes: int
    handover_minutes: int
    is_off: bool


class ShiftSpan(ResponseModel):
    start: datetime
    end: datetime
    handover_start: datetime
    team_id: uuid.UUID


class OnShiftRead(ResponseModel):
    user_id: uuid.UUID
    name: str
    role: str
    status: str
    on_shift: bool
    routable: bool = Field(description="On shift, outside the closing handover window")
    current: ShiftSpan | None
    next: ShiftSpan | None


class CoverageHour(ResponseModel):
    start: datetime
    weekday: int = Field(description="ISO weekday in the organization's zone, 1 = Monday")
    hour: int
    agents_on_shift: int
    traffic: float = Field(description="Inbound messages in this hour of the week, weekly average")
    gap: bool = Field(description="Traffic expected and nobody on shift")


class CoverageRead(ResponseModel):
    time_zone: str
    weeks: int
    hours: list[CoverageHour]
