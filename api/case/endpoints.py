from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.case import repository, service, states
from api.case.clock_rules import DEFAULT_HANDLING_SECONDS
from api.case.repository import CaseFilters
from api.case.schemas import (
    CaseCreate,
    CaseDetail,
    CaseKind,
    CaseMachine,
    CasePage,
    CaseSettingsRead,
    CaseSettingsUpdate,
    CaseState,
    CaseTransitionCreate,
    CaseUpdate,
)
from api.case.service import Actor
from api.db import SessionDep
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.kit.pagination import CursorScope
from api.kit.time import utc_now
from api.models import CaseSettings
from api.template import service as templates

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("cases:read"))]
Writer = Annotated[Principal, Depends(require("cases:write"))]
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
SettingsWriter = Annotated[Principal, Depends(require("settings:write"))]
Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


def _source(principal: Principal) -> str:
    return "agent" if principal.user_id else "erp"


@router.get("", response_model=CasePage)
async def list_cases(
    session: SessionDep,
    principal: Reader,
    state: list[CaseState] = Query(default=[], description="One or more states (repeat the parameter)"),
    open_only: bool = Query(default=False, description="Only cases that are not closed"),
    kind: CaseKind | None = None,
    marketplace: Marketplace | None = None,
    conversation_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    order_id: str | None = Query(default=None, min_length=1, max_length=100, description="The marketplace order id"),
    min_age_hours: int | None = Query(default=None, ge=0, le=24 * 365, description="Opened at least this long ago"),
    max_age_hours: int | None = Query(default=None, ge=0, le=24 * 365, description="Opened at most this long ago"),
    due_before: AwareDatetime | None = Query(default=None, description="Deadline (handling or marketplace) before"),
    sort: Literal["created", "deadline"] = Query(
        default="created", description="`deadline`: cases with a running clock, soonest deadline first"
    ),
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> CasePage:
    """After-sales cases, newest first (or by deadline), filtered by state, kind, marketplace, age.

    Pass `next_cursor` back as `cursor` for the next page with the same query otherwise. Ages are
    measured from now when the first page is read; a cursor keeps the filters it was issued for."""
    now = utc_now()
    chosen = tuple(state) if state else (states.OPEN_STATES if open_only else ())
    filters = CaseFilters(
        states=chosen,
        kind=kind,
        marketplace=marketplace,
        conversation_id=conversation_id,
        customer_id=customer_id,
        order_id=order_id,
        opened_before=now - timedelta(hours=min_age_hours) if min_age_hours is not None else None,
        opened_after=now - timedelta(hours=max_age_hours) if max_age_hours is not None else None,
        due_before=due_before,
    )
    scope_filters = {
        **asdict(filters),
        "org": principal.organization_id,
        # Ages are relative: the cursor binds the hours asked for, not the instant computed from them.
        "opened_before": min_age_hours,
        "opened_after": max_age_hours,
    }
    scope = CursorScope(f"cases:{sort}", scope_filters)
    after = scope.read(cursor)
    found = await repository.page(session, principal.organization_id, filters, sort, after, limit + 1)
    has_more = len(found) > limit
    found = found[:limit]
    next_cursor = None
    if has_more:
        last = found[-1]
        next_cursor = scope.issue(last.due_at if sort == "deadline" else last.created_at, last.id)
    return CasePage(items=await service.read_many(session, principal.organization_id, found), next_cursor=next_cursor)


@router.post("", response_model=CaseDetail, status_code=status.HTTP_201_CREATED, responses=problem_responses(404))
async def open_case(body: CaseCreate, response: Response, session: SessionDep, principal: Writer) -> CaseDetail:
    """Open a case from a conversation, linked to its order, customer and the given order lines.

    The currency must be the order's (taken from the order when left out); amounts are never
    negative. With a `marketplace_case_id` already known, the existing case is returned (200):
    opening is idempotent per marketplace return / dispute id. The case's clocks start now.

    Files: `attachment_ids` names stored attachments of this organization (the buyer's photos, from
    a message's `attachments[].id`, or uploads from POST /v1/attachments);
    `attach_conversation_images` adds every stored image of the buyer's messages on the
    conversation. An unknown id, or another organization's, is a 422 naming `body.attachment_ids`
    and the id."""
    case, created = await service.open_case(
        session, Actor(principal), principal.organization_id, body, source=_source(principal)
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return await service.detail(session, case)


@router.get("/states", response_model=list[CaseMachine])
async def case_states(principal: Reader) -> list[CaseMachine]:
    """Each kind's state machine: from each state, the states it may move to."""
    return [
        CaseMachine(kind=kind, transitions={s: list(t) for s, t in table.items()})  # type: ignore[arg-type]
        for kind, table in states.TRANSITIONS.items()
    ]


@router.get("/settings", response_model=CaseSettingsRead)
async def get_case_settings(session: SessionDep, principal: SettingsReader) -> CaseSettingsRead:
    """Handling targets per kind (seconds a case may stay requested) and the follow-up contact."""
    row = await repository.settings(session, principal.organization_id)
    return CaseSettingsRead(
        handling_seconds={**DEFAULT_HANDLING_SECONDS, **(row.handling_seconds if row else {})},
        followup_enabled=row.followup_enabled if row else False,
        followup_days=row.followup_days if row else 3,
        followup_template_id=row.followup_template_id if row else None,
    )


@router.patch("/settings", response_model=CaseSettingsRead, responses=problem_responses(404))
async def update_case_settings(
    body: CaseSettingsUpdate, session: SessionDep, principal: SettingsWriter
) -> CaseSettingsRead:
    """Change handling targets (applies to cases opened from now on) or the follow-up contact."""
    org = principal.organization_id
    row = await repository.settings(session, org)
    if row is None:
        row = CaseSettings(organization_id=org, handling_seconds={}, followup_enabled=False, followup_days=3)
        session.add(row)
    if body.handling_seconds is not None:
        row.handling_seconds = {**(row.handling_seconds or {}), **{str(k): v for k, v in body.handling_seconds.items()}}
    if body.followup_enabled is not None:
        row.followup_enabled = body.followup_enabled
    if body.followup_days is not None:
        row.followup_days = body.followup_days
    if "followup_template_id" in body.model_fields_set:
        if body.followup_template_id is not None:
            await templates.get(session, org, body.followup_template_id)
        row.followup_template_id = body.followup_template_id
    if row.followup_enabled and row.followup_template_id is None:
        raise InvalidInput(
            "A follow-up needs a template.", errors=field_error("body.followup_template_id", "required when enabled")
        )
    await session.flush()
    return await get_case_settings(session, principal)


@router.get("/{case_id}", response_model=CaseDetail, responses=problem_responses(404))
async def get_case(case_id: uuid.UUID, session: SessionDep, principal: Reader) -> CaseDetail:
    """One case with its history (every transition, who made it and why) and the allowed next states."""
    case = await repository.get(session, principal.organization_id, case_id)
    return await service.detail(session, case)


@router.patch("/{case_id}", response_model=CaseDetail, responses=problem_responses(404, 409))
async def update_case(case_id: uuid.UUID, body: CaseUpdate, session: SessionDep, principal: Writer) -> CaseDetail:
    """Update a case's details and, with `state`, move it (as the ERP does after a refund:
    `{"state": "refunded", "close": true, "reason": "refunded in ERP"}` records the refund and closes
    the case). A transition the state machine does not allow is a 409 naming both states.

    `attachment_ids` replaces the case's files (ids left out are unlinked; the files stay on their
    messages); `attach_conversation_images` adds the buyer's images on the conversation. Each
    change of files is audited and raises `case.updated` with `changed: ["attachments"]` and the
    ids added and removed."""
    case = await service.update_case(session, Actor(principal), principal.organization_id, case_id, body)
    return await service.detail(session, case)


@router.post("/{case_id}/transitions", response_model=CaseDetail, responses=problem_responses(404, 409))
async def transition_case(
    case_id: uuid.UUID, body: CaseTransitionCreate, session: SessionDep, principal: Writer
) -> CaseDetail:
    """Move a case one step of its state machine (`allowed_transitions` lists the steps), with a reason.

    409 (`case-transition-refused`) when the step is not allowed from the current state; the problem
    carries `current_state`, `requested_state` and `allowed`."""
    case = await service.transition_case(
        session,
        Actor(principal),
        principal.organization_id,
        case_id,
        body.to,
        body.reason,
        refunded_amount=body.refunded_amount,
    )
    return await service.detail(session, case)
