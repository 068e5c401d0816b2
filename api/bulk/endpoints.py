from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.bulk import service
from api.bulk.schemas import BulkCreate, BulkJobRead, CaseBulkCreate, CaseBulkJobRead
from api.db import SessionDep
from api.kit.errors import problem_responses

router = APIRouter(
    prefix="/v1/conversations/bulk", tags=["conversations"], responses=problem_responses(401, 403, 422, 429)
)

Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BulkJobRead, responses=problem_responses(409))
async def create_bulk_job(body: BulkCreate, session: SessionDep, principal: Writer) -> BulkJobRead:
    """Apply one action to many conversations, as a background job: assign (or unassign), set
    status or priority, add or remove labels, flag as spam, send one template to each, or open an
    after-sales case on each (needs `cases:write` too).

    Select either `conversation_ids` or everything a `filter` (the filters of
    `GET /v1/conversations`) matches now; at most 10,000 conversations (more is a 422 naming the
    limit). Each conversation goes through the same checks as its single-item endpoint, as you: a
    template is rendered for each conversation and linted for its marketplace, and each reply is a
    message of its own. A conversation that is refused (a compliance violation, a spam flag on an
    order thread) fails with its reason; the others go on.

    Follow progress at `GET /v1/conversations/bulk/{id}` or live on the WebSocket
    (`bulk_job.updated` events)."""
    job = await service.create(session, principal, body)
    return await service.read(session, principal.organization_id, job.id)


@router.get("/{job_id}", response_model=BulkJobRead, responses=problem_responses(404))
async def get_bulk_job(job_id: uuid.UUID, session: SessionDep, principal: Reader) -> BulkJobRead:
    """A bulk job's progress (items done and failed of the total) and its first 200 failures with
    their reasons."""
    return await service.read(session, principal.organization_id, job_id)


case_router = APIRouter(prefix="/v1/cases/bulk", tags=["cases"], responses=problem_responses(401, 403, 422, 429))

CaseReader = Annotated[Principal, Depends(require("cases:read"))]
CaseWriter = Annotated[Principal, Depends(require("cases:write"))]


@case_router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=CaseBulkJobRead)
async def create_case_bulk_job(body: CaseBulkCreate, session: SessionDep, principal: CaseWriter) -> CaseBulkJobRead:
    """Apply one action to many cases, as a background job: move each to a state (approve or
    reject many returns, close many refunded cases) or assign them.

    Select either `case_ids` or everything a `filter` (state, kind, marketplace) matches now; at
    most 10,000 cases (more is a 422 naming the limit). Each case goes through its state machine as
    `POST /v1/cases/{id}/transitions` does, audited as you: a case whose machine does not allow the
    transition fails with a reason naming its current and the requested state; the others go on.

    Follow progress at `GET /v1/cases/bulk/{id}` or live on the WebSocket (`bulk_job.updated`)."""
    job = await service.create_for_cases(session, principal, body)
    return await service.read_for_cases(session, principal.organization_id, job.id)


@case_router.get("/{job_id}", response_model=CaseBulkJobRead, responses=problem_responses(404))
async def get_case_bulk_job(job_id: uuid.UUID, session: SessionDep, principal: CaseReader) -> CaseBulkJobRead:
    """A bulk job's progress over cases and its first 200 failures with their reasons."""
    return await service.read_for_cases(session, principal.organization_id, job_id)
