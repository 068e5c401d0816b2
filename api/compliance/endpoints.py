from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance import rules, service
from api.compliance.schemas import ComplianceCheck, ComplianceResult, Marketplace, RuleRead, ViolationRead
from api.conversation import repository as conversation_repository
from api.db import SessionDep
from api.kit.errors import problem_responses

router = APIRouter(prefix="/v1/compliance", tags=["compliance"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]


@router.post("/check", response_model=ComplianceResult, responses=problem_responses(404))
async def check(body: ComplianceCheck, session: SessionDep, principal: Reader) -> ComplianceResult:
    """Lint a draft against the marketplace's messaging rules while the agent types.

    Returns every violation with its offsets; `blocking` tells whether a reply would be refused.
    Nothing is stored.
    """
    if body.conversation_id is not None:
        conversation = await conversation_repository.get(session, principal.organization_id, body.conversation_id)
        violations = await service.lint_for_conversation(session, conversation, body.text)
    else:
        violations = rules.check_message(
            body.text, body.marketplace or "api", order_locale=body.order_locale, order_country=body.order_country
        )
    return ComplianceResult(
        blocking=rules.has_blocking(violations),
        violations=[ViolationRead.model_validate(v, from_attributes=True) for v in violations],
    )


@router.get("/rules/{marketplace}", response_model=list[RuleRead])
async def list_rules(marketplace: Marketplace, principal: Reader) -> list[RuleRead]:
    """The rules applied to outbound messages on a marketplace, with their severity and source."""
    return [RuleRead.model_validate(r, from_attributes=True) for r in rules.rules_for(marketplace)]
