"""Creating, listing and reading exports, as the requester may: each kind needs the read scope of
what it exports; the audit log is for supervisors, admins and API keys; an agent's report export holds
their own figures; an agent lists and downloads their own exports, supervisors and admins everyone's."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from api import audit
from api.auth.principal import Principal
from api.config import Settings
from api.db import Session
from api.export import files, repository
from api.export.schemas import ExportCreate, ExportJobPage, ExportJobRead
from api.export.writer import SUPERVISING_ROLES
from api.kit.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound, field_error
from api.kit.pagination import CursorScope
from api.models import Channel, Customer, ExportJob, Team, User
from api.outbox import events
from api.webhook.payloads import ExportData

KIND_SCOPES: dict[str, str] = {
    "conversations": "conversations:read",
    "messages": "conversations:read",
    "cases": "cases:read",
    "customers": "customers:read",
    "audit": "settings:read",
    "reports": "metrics:read",
}


def sees_everything(principal: Principal) -> bool:
    """Supervisors, admins and API keys (integrations act for the organization)."""
    return principal.user_id is None or principal.role in SUPERVISING_ROLES


def check_kind_allowed(principal: Principal, data: ExportCreate) -> None:
    scope = KIND_SCOPES[data.kind]
    if not principal.has(scope):
        raise Forbidden(f"Exporting {data.kind} needs the {scope} scope.")
    if data.kind == "audit" and not sees_everything(principal):
        raise Forbidden("Only supervisors and admins may read or export the audit log.")
    if data.kind == "reports" and not sees_everything(principal):
        wanted = data.report_filter.agent_id if data.report_filter else None
        if wanted is not None and wanted != principal.user_id:
            raise Forbidden("Agents export their own performance only.")


def _check_assignee(principal: Principal, data: ExportCreate) -> None:
    assignee = data.filter.assignee if data.filter else None
    if assignee in (None, "none"):
        return
    if assignee == "me":
        if principal.user_id is None:
            raise InvalidInput("`me` needs a user session.", errors=field_error("body.filter.assignee", "no user"))
        return
    try:
        uuid.UUID(assignee)
    except ValueError as exc:
        raise InvalidInput(
            "assignee must be a user id, `me` or `none`.",
            errors=field_error("body.filter.assignee", "not a user id, me or none"),
        ) from exc


async def _check_own_ids(session: Session, principal: Principal, data: ExportCreate) -> None:
    """Ids in the filters must be the organization's: another organization's are a 422, as ids that
    do not exist (never an export that silently matches nothing)."""
    wanted: list[tuple[str, Any, uuid.UUID | None]] = []
    if data.filter:
        wanted += [
            ("body.filter.channel_id", Channel, data.filter.channel_id),
            ("body.filter.team_id", Team, data.filter.team_id),
            ("body.filter.customer_id", Customer, data.filter.customer_id),
        ]
        if data.filter.assignee not in (None, "me", "none"):
            wanted.append(("body.filter.assignee", User, uuid.UUID(data.filter.assignee)))
    if data.report_filter:
        wanted.append(("body.report_filter.agent_id", User, data.report_filter.agent_id))
    for field, model, ident in wanted:
        if ident is None:
            continue
        if not await repository.owns(session, principal, model, ident):
            raise InvalidInput("No such id in this organization.", errors=field_error(field, "not found"))


def stored_filters(data: ExportCreate) -> dict[str, Any]:
    chosen = data.filter or data.case_filter or data.audit_filter or data.report_filter
    return chosen.model_dump(mode="json", exclude_none=True) if chosen else {}


def file_name(job: ExportJob) -> str:
    return f"hourglass-{job.kind}-{job.created_at:%Y%m%d-%H%M%S}.{job.format}"


def to_read(job: ExportJob) -> ExportJobRead:
    progress: float | None = None
    if job.status == "done" or job.status == "expired":
        progress = 1.0
    elif job.status in ("running", "failed") and job.rows_total is not None:
        progress = min(1.0, job.rows_written / job.rows_total) if job.rows_total else 1.0
    return ExportJobRead.model_validate(
        {
            **{
                k: getattr(job, k)
                for k in (
                    "id",
                    "kind",
                    "format",
                    "status",
                    "filters",
                    "date_from",
                    "date_to",
                    "rows_total",
                    "rows_written",
                    "size_bytes",
                    "error",
                    "masked",
                    "created_by_user_id",
                    "created_by_api_key_id",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "expires_at",
                )
            },
            "progress": progress,
            "file_name": file_name(job),
        }
    )


async def create(session: Session, principal: Principal, data: ExportCreate) -> ExportJob:
    check_kind_allowed(principal, data)
    _check_assignee(principal, data)
    await _check_own_ids(session, principal, data)
    org = principal.organization_id
    job = ExportJob(
        id=uuid.uuid4(),
        organization_id=org,
        kind=data.kind,
        format=data.format,
        filters=stored_filters(data),
        date_from=data.date_from,
        date_to=data.date_to,
        status="queued",
        rows_written=0,
        attempts=0,
        created_by_user_id=principal.user_id,
        created_by_api_key_id=principal.api_key_id,
        actor_role=principal.role,
        actor_scopes=sorted(principal.scopes),
    )
    await repository.add(session, job)
    audit.record(
        session,
        principal,
        org,
        "export.created",
        "export",
        job.id,
        {
            "kind": job.kind,
            "format": job.format,
            "filters": job.filters,
            "from": data.date_from.isoformat() if data.date_from else None,
            "to": data.date_to.isoformat() if data.date_to else None,
        },
    )
    # The relay turns this event into the worker job once this transaction has committed.
    events.emit(session, org, "export.created", ExportData.of(job))
    return job


def _only_created_by(principal: Principal) -> uuid.UUID | None:
    """Whose exports the caller sees: an agent their own, the others (None) the organization's."""
    return None if sees_everything(principal) else principal.user_id


async def get(session: Session, principal: Principal, export_id: uuid.UUID) -> ExportJob:
    job = await repository.visible(session, principal, export_id, created_by=_only_created_by(principal))
    if job is None:
        raise NotFound("No such export.")
    return job


async def page(
    session: Session,
    principal: Principal,
    kind: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> ExportJobPage:
    scope = CursorScope(
        "exports:created_desc",
        {"org": principal.organization_id, "user": principal.user_id, "kind": kind, "status": status},
    )
    rows = await repository.page(
        session,
        principal,
        created_by=_only_created_by(principal),
        kind=kind,
        status=status,
        after=scope.read(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ExportJobPage(
        items=[to_read(r) for r in rows],
        next_cursor=scope.issue(rows[-1].created_at, rows[-1].id) if more else None,
    )


def downloadable(settings: Settings, job: ExportJob, now: datetime) -> Path:
    """The finished file, or why there is none (409 not finished, 410 expired)."""
    if job.status == "expired" or (job.status == "done" and job.expires_at is not None and job.expires_at <= now):
        raise Gone("This export has expired and its file was deleted; create it again.")
    if job.status != "done":
        raise Conflict(
            f"This export is {job.status}; its file can be downloaded once it is done.",
            extra={"export_status": job.status},
        )
    path = files.final_path(settings, job.organization_id, job.id, job.format)
    if not path.is_file():
        raise Gone("This export's file is no longer there; create it again.")
    return path
