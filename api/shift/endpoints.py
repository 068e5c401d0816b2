"""Shifts: rosters per team in each agent's time zone, who is on now and next, coverage against
traffic; and the activity ping that brings an agent back from away."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.shift import availability_service, repository, service
from api.shift.schemas import CoverageRead, OnShiftRead, ShiftCreate, ShiftRead

router = APIRouter(tags=["shifts"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Editor = Annotated[Principal, Depends(require("settings:write"))]


@router.get("/v1/shifts", response_model=list[ShiftRead])
async def list_shifts(session: SessionDep, principal: Reader, team_id: uuid.UUID | None = None) -> list[ShiftRead]:
    """The roster lines (weekly patterns and dated exceptions), of one team or all; everyone may read them."""
    return [ShiftRead.model_validate(r) for r in await repository.list_all(session, principal.organization_id, team_id)]


@router.post("/v1/shifts", status_code=status.HTTP_201_CREATED, response_model=ShiftRead)
async def create_shift(body: ShiftCreate, session: SessionDep, principal: Editor) -> ShiftRead:
    """Add a roster line for a team member, in the agent's time zone. Refused (422, naming the field
    and the reason) when it would overlap another shift of the same agent, or last over 24 hours."""
    return ShiftRead.model_validate(await service.create(session, principal, body))


@router.delete("/v1/shifts/{shift_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
async def delete_shift(shift_id: uuid.UUID, session: SessionDep, principal: Editor) -> Response:
    """Remove a roster line."""
    await service.delete(session, principal, shift_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/shifts/now", response_model=list[OnShiftRead])
async def who_is_on(session: SessionDep, principal: Reader) -> list[OnShiftRead]:
    """Everyone with a roster: on shift now or not, their current shift and their next one."""
    return await service.board(session, principal.organization_id)


@router.get("/v1/shifts/coverage", response_model=CoverageRead)
async def shift_coverage(
    session: SessionDep,
    principal: Reader,
    team_id: uuid.UUID | None = None,
    weeks: Annotated[int, Query(ge=1, le=12)] = 4,
) -> CoverageRead:
    """The coming 168 hours: agents on shift per hour against the average inbound traffic of that
    hour of the week over the last `weeks` weeks; `gap` marks traffic with nobody on shift."""
    return await service.coverage(session, principal.organization_id, team_id, weeks)


@router.post("/v1/users/me/activity", status_code=status.HTTP_204_NO_CONTENT)
async def report_activity(session: SessionDep, principal: Reader) -> Response:
    """The SPA reports that its user is active (at most once a minute). An agent the shift rule had
    set away comes back online at once if on shift."""
    if principal.user_id is None:
        raise InvalidInput("Only a user session has a presence.", errors=field_error("authorization", "API key"))
    await availability_service.touch(session, principal.organization_id, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
