"""Request and response models of `/v1/reports/schedules`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field

from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.reports.schemas import Period

Format = Literal["pdf", "csv", "xlsx"]
Language = Literal["en", "zh-CN"]
MAX_RECIPIENTS = 50


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("is not an IANA time zone (e.g. Asia/Shanghai, UTC)") from None
    return value


def _address(value: str) -> str:
    value = value.strip()
    local, at, domain = value.rpartition("@")
    # The shape SMTP needs (one @, a dotted domain, no spaces or angle brackets); whether the mailbox
    # exists is the receiving server's business.
    if not at or not local or "." not in domain or any(c in value for c in ' <>,;"\t\r\n'):
        raise ValueError("is not an email address")
    return value


def _pdf_only() -> list[Format]:
    return ["pdf"]


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


TimeZone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_time_zone)]
Address = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_address)]
Formats = Annotated[list[Format], Field(max_length=3), AfterValidator(_distinct)]
UserIds = Annotated[list[uuid.UUID], Field(max_length=MAX_RECIPIENTS)]
Addresses = Annotated[list[Address], Field(max_length=MAX_RECIPIENTS)]
Hour = Annotated[int, Field(ge=0, le=23, description="The hour (0-23) on the schedule's wall clock")]


class ReportScheduleCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    period: Period = Field(description="`week` (Monday to Sunday) or `month`, in the organization's time zone")
    hour: Hour = 8
    time_zone: TimeZone = Field(description="The IANA time zone `hour` is read in")
    language: Language = "en"
    formats: Formats = Field(default_factory=_pdf_only, description="Attachments besides the HTML body")
    recipient_user_ids: UserIds = Field(default_factory=list, description="Active users of your organization")
    recipient_addresses: Addresses = Field(default_factory=list, description="Other addresses")
    enabled: bool = True


class ReportScheduleUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    period: Period | None = None
    hour: Hour | None = None
    time_zone: TimeZone | None = None
    language: Language | None = None
    formats: Formats | None = None
    recipient_user_ids: UserIds | None = None
    recipient_addresses: Addresses | None = None
    enabled: bool | None = None


class ReportDeliveryRead(ResponseModel):
    period_start: date = Field(description="The period's first day in the organization's time zone")
    recipients: int
    created_at: datetime = Field(description="When the mail was queued")


class ReportScheduleRead(ResponseModel):
    id: uuid.UUID
    name: str
    period: Period
    hour: int
    time_zone: str
    language: Language
    formats: list[Format]
    recipient_user_ids: list[uuid.UUID]
    recipient_addresses: list[str]
    enabled: bool
    created_at: datetime
    next_send_at: datetime | None = Field(description="When the next report goes out; null while disabled")
    last_delivery: ReportDeliveryRead | None = None
