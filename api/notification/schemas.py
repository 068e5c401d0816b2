from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from api.kit.schema import RequestModel, ResponseModel

THRESHOLD_MAX = 100_000
COOLDOWN_MAX = 7 * 24 * 60


class NotificationRead(ResponseModel):
    id: uuid.UUID
    kind: str = Field(
        description="sla.escalated, sla.due_soon, sla.overdue, delivery.failed, reminder, case.*, "
        "webhook.disabled, assigned (data.by: person, rule or routing; data.by_name), mention (data.note_id, "
        "data.author) or overflow (data.backlog, data.threshold, data.available_agents)"
    )
    conversation_id: uuid.UUID | None
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class ReadAllResult(ResponseModel):
    marked_read: int = Field(description="How many unread notifications were marked read")


class OverflowSettingsRead(ResponseModel):
    enabled: bool = Field(description="Whether supervisors and admins are alerted to an overflow")
    threshold: int = Field(description="Alert when more unassigned conversations than this wait in Response Needed")
    cooldown_minutes: int = Field(description="At most one alert per this many minutes")


class OverflowSettingsUpdate(RequestModel):
    enabled: bool
    threshold: int = Field(ge=1, le=THRESHOLD_MAX)
    cooldown_minutes: int = Field(ge=1, le=COOLDOWN_MAX)


class OverflowStatus(ResponseModel):
    active: bool = Field(description="An overflow alert is raised and not yet cleared")
    raised_at: datetime | None
    backlog: int | None = Field(description="Unassigned conversations in Response Needed when it was raised")
    threshold: int | None
    available_agents: int | None = Field(description="Agents online and on shift when it was raised (all at capacity)")
