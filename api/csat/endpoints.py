from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance.csat import CSAT_RULES
from api.compliance.schemas import Marketplace
from api.csat import service
from api.csat.schemas import (
    CsatResults,
    CsatRuleRead,
    CsatSettingsRead,
    CsatSettingsUpdate,
    CsatSurveyRead,
    GroupBy,
)
from api.db import SessionDep
from api.kit.errors import problem_responses

router = APIRouter(prefix="/v1/csat", tags=["csat"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
MetricsReader = Annotated[Principal, Depends(require("metrics:read"))]
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
SettingsWriter = Annotated[Principal, Depends(require("settings:write"))]

FromQuery = Query(
    default=None, alias="from", description="Start of the period (questions sent from); default 30 days ago"
)
ToQuery = Query(default=None, alias="to", description="End of the period (exclusive); default now; at most 366 days")


@router.get("/settings", response_model=CsatSettingsRead)
async def get_csat_settings(session: SessionDep, principal: SettingsReader) -> CsatSettingsRead:
    """The organization's CSAT settings, with the default form per marketplace and the default
    questions filled in. CSAT is off until enabled."""
    return await service.read_settings(session, principal.organization_id)


@router.patch("/settings", response_model=CsatSettingsRead)
async def update_csat_settings(
    body: CsatSettingsUpdate, session: SessionDep, principal: SettingsWriter
) -> CsatSettingsRead:
    """Change the CSAT settings. A form a marketplace does not allow (a link on eBay, any survey on
    Amazon or Walmart) and a question that breaks a marketplace's rules (a link, marketing, asking
    for a good review) are refused with 422 naming the field and the reason. Audited."""
    return await service.update_settings(session, principal, body)


@router.get("/rules", response_model=list[CsatRuleRead])
async def list_csat_rules(principal: Reader) -> list[CsatRuleRead]:
    """Which CSAT forms each marketplace allows, why, and the source of the rule."""
    return [
        CsatRuleRead(marketplace=m, forms=list(r.forms), reason=r.reason, source=r.source)
        for m, r in CSAT_RULES.items()
    ]


@router.get("/conversations/{conversation_id}", response_model=list[CsatSurveyRead], responses=problem_responses(404))
async def conversation_csat(conversation_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[CsatSurveyRead]:
    """The CSAT decisions taken when the conversation was resolved, newest first: allowed (scheduled,
    sent, answered with the score) or refused, each with the reason and the rule's source."""
    return await service.for_conversation(session, principal.organization_id, conversation_id)


@router.get("/results", response_model=CsatResults)
async def csat_results(
    session: SessionDep,
    principal: MetricsReader,
    group_by: GroupBy = Query(default="agent"),
    start: AwareDatetime | None = FromQuery,
    end: AwareDatetime | None = ToQuery,
    marketplace: Marketplace | None = Query(default=None),
) -> CsatResults:
    """Questions sent, answers, response rate, average and distribution per agent, marketplace or
    category, for questions sent in the period. An agent sees only their own ratings."""
    return await service.results(session, principal, group_by, start, end, marketplace)


@router.get("/responses", response_model=list[CsatSurveyRead])
async def csat_responses(
    session: SessionDep,
    principal: MetricsReader,
    start: AwareDatetime | None = FromQuery,
    end: AwareDatetime | None = ToQuery,
    limit: int = Query(default=50, ge=1, le=200),
) -> list[CsatSurveyRead]:
    """The latest ratings of the period (the answers behind the figures), newest first."""
    return await service.responses(session, principal, start, end, limit)
