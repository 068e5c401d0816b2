"""What to export, and an export's progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from api.bulk.schemas import BulkFilter, CaseBulkFilter
from api.kit.schema import RequestModel, ResponseModel

ExportKind = Literal["conversations", "messages", "cases", "customers", "audit", "reports"]
ExportFormat = Literal["csv", "jsonl"]
ExportStatus = Literal["queued", "running", "done", "failed", "expired"]
ActorType = Literal["user", "api_key", "system", "automation"]


class AuditFilter(RequestModel):
    """The filters of `GET /v1/audit`, as an object."""

    actor_type: ActorType | None = None
    actor_id: str | None = Field(default=None, min_length=1, max_length=64)
    action: str | None = Field(default=None, min_length=1, max_length=80, description="An action or its prefix")
    target: str | None = Field(
        default=None, min_length=1, max_length=106, description="`<entity type>` or `<entity type>:<id>`"
    )


class ReportFilter(RequestModel):
    """Which rollup rows: one marketplace, one agent (agents export their own only), humans or automation."""

    marketplace: str | None = Field(default=None, min_length=1, max_length=20)
    agent_id: uuid.UUID | None = None
    automated: bool | None = None


class ExportCreate(RequestModel):
    """One export. `filter` takes the filters of `GET /v1/conversations` (kinds `conversations` and
    `messages`: the messages of the conversations it matches), `case_filter` those of `GET /v1/cases`,
    `audit_filter` those of `GET /v1/audit`, `report_filter` the rollup dimensions. `from`/`to` bound
    the rows' time (created, sent, or the hour of a rollup row), `to` excluded."""

    model_config = ConfigDict(populate_by_name=True)

    kind: ExportKind
    format: ExportFormat = "csv"
    date_from: AwareDatetime | None = Field(default=None, alias="from")
    date_to: AwareDatetime | None = Field(default=None, alias="to")
    filter: BulkFilter | None = None
    case_filter: CaseBulkFilter | None = None
    audit_filter: AuditFilter | None = None
    report_filter: ReportFilter | None = None

    @model_validator(mode="after")
    def _filter_fits_kind(self) -> ExportCreate:
        allowed = {
            "filter": ("conversations", "messages"),
            "case_filter": ("cases",),
            "audit_filter": ("audit",),
            "report_filter": ("reports",),
        }
        for name, kinds in allowed.items():
            if getattr(self, name) is not None and self.kind not in kinds:
                raise ValueError(f"{name} applies to kind {' or '.join(kinds)}, not {self.kind}")
        if self.date_from and self.date_to and self.date_to <= self.date_from:
            raise ValueError("`to` must be after `from`")
        return self


class ExportJobRead(ResponseModel):
    id: uuid.UUID
    kind: ExportKind
    format: ExportFormat
    status: ExportStatus
    filters: dict[str, object] = Field(description="The filters the export was made with, as sent")
    date_from: datetime | None = Field(serialization_alias="from")
    date_to: datetime | None = Field(serialization_alias="to")
    rows_total: int | None = Field(description="Rows the export will hold, known once it is running")
    rows_written: int
    progress: float | None = Field(description="0 to 1; null while queued")
    size_bytes: int | None
    error: str | None
    masked: bool | None = Field(description="Buyer contact data masked for the requester's role")
    file_name: str
    created_by_user_id: uuid.UUID | None
    created_by_api_key_id: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="The file is deleted after this (7 days after it was written)")


class ExportJobPage(ResponseModel):
    items: list[ExportJobRead]
    next_cursor: str | None
