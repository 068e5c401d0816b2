"""`/v1/reports/schedules`: the weekly or monthly report mailed to chosen people."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.reports import schedule_repository as repository
from api.reports import schedule_service as service
from api.reports.schedule_schemas import ReportScheduleCreate, ReportScheduleRead, ReportScheduleUpdate

router = APIRouter(prefix="/v1/reports/schedules", tags=["reports"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("metrics:read"))]
Writer = Annotated[Principal, Depends(require("metrics:read", "settings:write"))]


@router.get("", response_model=list[ReportScheduleRead])
async def list_report_schedules(session: SessionDep, principal: Reader) -> list[ReportScheduleRead]:
    """The organization's report schedules by name, each with its next sending time and the last
    period it sent. Supervisors and admins."""
    service.check_supervises(principal)
    org = principal.organization_id
    return await service.read(session, org, await repository.list_for(session, org))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportScheduleRead)
async def create_report_schedule(
    body: ReportScheduleCreate, session: SessionDep, principal: Writer
) -> ReportScheduleRead:
    """Mail the weekly (Monday to Sunday) or monthly report, once each period is over, at `hour`
    o'clock in `time_zone`: an HTML body with the figures and the chosen files attached. Recipients
    are active users of your organization and/or addresses; at least one is needed. The first report
    is the one of the first period whose sending time comes after the schedule was created."""
    row = await service.create(session, principal, body)
    return (await service.read(session, principal.organization_id, [row]))[0]


@router.get("/{schedule_id}", response_model=ReportScheduleRead, responses=problem_responses(404))
async def get_report_schedule(schedule_id: uuid.UUID, session: SessionDep, principal: Reader) -> ReportScheduleRead:
    """One report schedule."""
    service.check_supervises(principal)
    org = principal.organization_id
    return (await service.read(session, org, [await repository.get(session, org, schedule_id)]))[0]


@router.patch("/{schedule_id}", response_model=ReportScheduleRead, responses=problem_responses(404))
async def update_report_schedule(
    schedule_id: uuid.UUID, body: ReportScheduleUpdate, session: SessionDep, principal: Writer
) -> ReportScheduleRead:
    """Change a schedule; a period already sent is not sent again."""
    row = await service.update(session, principal, schedule_id, body)
    return (await service.read(session, principal.organization_id, [row]))[0]


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
async def delete_report_schedule(schedule_id: uuid.UUID, session: SessionDep, principal: Writer) -> Response:
    """Stop and remove a schedule (mail already queued still goes out)."""
    await service.delete(session, principal, schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
