from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.automation import repository
from api.automation.schemas import (
    AssignmentRuleCreate,
    AssignmentRuleRead,
    AssignmentRuleUpdate,
    AutomationRunRead,
    AutoReplyRuleCreate,
    AutoReplyRuleRead,
    AutoReplyRuleUpdate,
)
from api.db import SessionDep
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.kit.tenancy import require_own
from api.kit.usage import Usage, usage
from api.models import AssignmentRule, AutoReplyRule, Channel
from api.rules.ordered import Kind, OrderedRules

router = APIRouter(tags=["automation"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("settings:read"))]
Writer = Annotated[Principal, Depends(require("settings:write"))]

AUTO_REPLY_RULES = Kind(AutoReplyRule, "auto-reply rule", "automation_rule", "auto_reply_rule")
ASSIGNMENT_RULES = Kind(AssignmentRule, "assignment rule", "assignment_rule", "assignment_rule")


async def _check_refs(session: SessionDep, org: uuid.UUID, actions: list[dict[str, Any]], base: str) -> None:
    """Templates, users and teams named in a rule must belong to the organization."""
    for i, action in enumerate(actions):
        for key, model in repository.REFERENCES:
            ref = action.get(key)
            if ref is None:
                continue
            if not await repository.owns(session, org, model, uuid.UUID(str(ref))):
                raise InvalidInput(f"No such {key[:-3]}.", errors=field_error(f"{base}.{i}.{key}", "not found"))


async def _check_channels(session: SessionDep, org: uuid.UUID, conditions: dict[str, Any]) -> None:
    await require_own(
        session, Channel, org, conditions.get("channel_ids") or [], "body.conditions.channel_ids", "channel"
    )


@router.get("/v1/automation/rules", response_model=list[AutoReplyRuleRead])
async def list_auto_reply_rules(session: SessionDep, principal: Reader) -> list[AutoReplyRuleRead]:
    """Auto-reply rules in the order they run on each inbound buyer message."""
    rules = OrderedRules(AUTO_REPLY_RULES, session, principal)
    return [AutoReplyRuleRead.model_validate(r) for r in await rules.all()]


@router.post("/v1/automation/rules", status_code=status.HTTP_201_CREATED, response_model=AutoReplyRuleRead)
async def create_auto_reply_rule(
    body: AutoReplyRuleCreate, session: SessionDep, principal: Writer
) -> AutoReplyRuleRead:
    """Add a rule: conditions (business hours, holidays, keywords in English and Chinese, marketplace,
    category, first message, customer tier) and actions (send a template, label, priority, assign,
    remind a person). Automatic texts always pass the compliance linter first."""
    data = body.model_dump(mode="json")
    await _check_refs(session, principal.organization_id, data["actions"], "body.actions")
    await _check_channels(session, principal.organization_id, data["conditions"])
    rule = await OrderedRules(AUTO_REPLY_RULES, session, principal).create(data)
    return AutoReplyRuleRead.model_validate(rule)


@router.patch("/v1/automation/rules/{rule_id}", response_model=AutoReplyRuleRead, responses=problem_responses(404))
async def update_auto_reply_rule(
    rule_id: uuid.UUID, body: AutoReplyRuleUpdate, session: SessionDep, principal: Writer
) -> AutoReplyRuleRead:
    """Change a rule; only the fields sent change."""
    rules = OrderedRules(AUTO_REPLY_RULES, session, principal)
    rule = await rules.get(rule_id)
    data = body.model_dump(mode="json", exclude_unset=True)
    if data.get("actions"):
        await _check_refs(session, principal.organization_id, data["actions"], "body.actions")
    if data.get("conditions"):
        await _check_channels(session, principal.organization_id, data["conditions"])
    rule = await rules.update(rule, {field: value for field, value in data.items() if value is not None})
    return AutoReplyRuleRead.model_validate(rule)


@router.get("/v1/automation/rules/{rule_id}/usage", response_model=Usage, responses=problem_responses(404))
async def auto_reply_rule_usage(rule_id: uuid.UUID, session: SessionDep, principal: Reader) -> Usage:
    """What uses the rule: nothing refers to a rule (its past runs are its log, deleted with it)."""
    await OrderedRules(AUTO_REPLY_RULES, session, principal).get(rule_id)
    return usage([])


@router.delete(
    "/v1/automation/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409)
)
async def delete_auto_reply_rule(rule_id: uuid.UUID, session: SessionDep, principal: Writer) -> None:
    """Delete a rule (audited, with how many runs its log held). To keep its log, deactivate it."""
    rules = OrderedRules(AUTO_REPLY_RULES, session, principal)
    rule = await rules.get(rule_id)
    runs = await repository.run_count(session, principal.organization_id, rule.id)
    await rules.delete(rule, "The rule", usage([]), {"name": rule.name, "runs": runs})


@router.get("/v1/automation/runs", response_model=list[AutomationRunRead])
async def list_automation_runs(
    session: SessionDep,
    principal: Reader,
    conversation_id: uuid.UUID | None = None,
    rule_id: uuid.UUID | None = None,
    limit: int = Query(default=100, ge=1, le=200),
) -> list[AutomationRunRead]:
    """Every firing and every suppression, with its reason, newest first."""
    rows = await repository.runs(session, principal.organization_id, conversation_id, rule_id, limit)
    return [AutomationRunRead.model_validate(r) for r in rows]


async def _assignment_target(session: SessionDep, principal: Principal, data: dict[str, Any]) -> None:
    if (data.get("team_id") is None) == (data.get("user_id") is None):
        raise InvalidInput(
            "Route to exactly one of a team or a user.", errors=field_error("body.team_id", "give team_id or user_id")
        )
    await _check_refs(session, principal.organization_id, [data], "body")


@router.get("/v1/assignment/rules", response_model=list[AssignmentRuleRead])
async def list_assignment_rules(session: SessionDep, principal: Reader) -> list[AssignmentRuleRead]:
    """Routing rules in order; the first match sends a new conversation to its team or agent, else
    the channel's default team."""
    rules = OrderedRules(ASSIGNMENT_RULES, session, principal)
    return [AssignmentRuleRead.model_validate(r) for r in await rules.all()]


@router.post("/v1/assignment/rules", status_code=status.HTTP_201_CREATED, response_model=AssignmentRuleRead)
async def create_assignment_rule(
    body: AssignmentRuleCreate, session: SessionDep, principal: Writer
) -> AssignmentRuleRead:
    """Route by category, keyword, marketplace, language or customer tier to a team or an agent."""
    data = body.model_dump(mode="json")
    await _assignment_target(session, principal, data)
    rule = await OrderedRules(ASSIGNMENT_RULES, session, principal).create(
        body.model_dump() | {"conditions": data["conditions"]}
    )
    return AssignmentRuleRead.model_validate(rule)


@router.patch("/v1/assignment/rules/{rule_id}", response_model=AssignmentRuleRead, responses=problem_responses(404))
async def update_assignment_rule(
    rule_id: uuid.UUID, body: AssignmentRuleUpdate, session: SessionDep, principal: Writer
) -> AssignmentRuleRead:
    """Change a routing rule."""
    rules = OrderedRules(ASSIGNMENT_RULES, session, principal)
    rule = await rules.get(rule_id)
    data = body.model_dump(mode="json", exclude_unset=True)
    if "team_id" in data or "user_id" in data:
        merged = {"team_id": data.get("team_id", rule.team_id), "user_id": data.get("user_id", rule.user_id)}
        await _assignment_target(session, principal, merged)
    values = {f: data[f] if f == "conditions" else v for f, v in body.model_dump(exclude_unset=True).items()}
    return AssignmentRuleRead.model_validate(await rules.update(rule, values))
