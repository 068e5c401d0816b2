from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance import service as compliance
from api.compliance.rules import has_blocking
from api.compliance.schemas import ViolationRead
from api.conversation import repository as conversation_repository
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.kit.usage import Usage, UsedBy, usage
from api.models import Template, User
from api.rules.ordered import Duplicate, Kind, OrderedRules
from api.rules.repository import Scoped
from api.template import repository, service
from api.template.render import VARIABLES
from api.template.schemas import Preview, PreviewRequest, TemplateCreate, TemplateRead, TemplateUpdate, VariableInfo

router = APIRouter(prefix="/v1/templates", tags=["templates"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("settings:write"))]

TEMPLATES = Kind(
    Template,
    "template",
    "template",
    "template",
    order_by=("name",),
    duplicate=Duplicate(
        "A template with this name and language exists.", "body.name", "already used for this language"
    ),
)


@router.get("", response_model=list[TemplateRead])
async def list_templates(
    session: SessionDep,
    principal: Reader,
    category: str | None = Query(default=None, max_length=40),
    language: str | None = Query(default=None, max_length=10),
    q: str | None = Query(default=None, max_length=100, description="Words in the name or text"),
    include_inactive: bool = False,
) -> list[TemplateRead]:
    """The template library by category and language, most used first. A new organization starts
    with an English starter library."""
    await service.ensure_starters(session, principal.organization_id)
    rows = await repository.library(
        session,
        principal.organization_id,
        category=category,
        language=language,
        q=q,
        include_inactive=include_inactive,
    )
    return [TemplateRead.model_validate(t) for t in rows]


@router.get("/variables", response_model=list[VariableInfo])
async def list_variables(principal: Reader) -> list[VariableInfo]:
    """The variables templates may use."""
    return [VariableInfo(name=k, description=v) for k, v in VARIABLES.items()]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TemplateRead, responses=problem_responses(409))
async def create_template(body: TemplateCreate, session: SessionDep, principal: Writer) -> TemplateRead:
    """Add a template. Its syntax, its variables and what the sandbox would refuse (internal names,
    filters and methods that are not available, sizes above the limits) are checked now, not when an
    agent uses it."""
    await service.ensure_usable(body.body)
    template = await OrderedRules(TEMPLATES, session, principal).create(body.model_dump())
    return TemplateRead.model_validate(template)


@router.get("/{template_id}", response_model=TemplateRead, responses=problem_responses(404))
async def get_template(template_id: uuid.UUID, session: SessionDep, principal: Reader) -> TemplateRead:
    """One template with its usage count."""
    return TemplateRead.model_validate(await OrderedRules(TEMPLATES, session, principal).get(template_id))


@router.patch("/{template_id}", response_model=TemplateRead, responses=problem_responses(404))
async def update_template(
    template_id: uuid.UUID, body: TemplateUpdate, session: SessionDep, principal: Writer
) -> TemplateRead:
    """Edit a template (or deactivate it)."""
    templates = OrderedRules(TEMPLATES, session, principal)
    template = await templates.get(template_id)
    if body.body is not None:
        await service.ensure_usable(body.body)
    values = {field: value for field, value in body.model_dump(exclude_unset=True).items() if value is not None}
    return TemplateRead.model_validate(await templates.update(template, values))


async def _usage(session: SessionDep, template: Template) -> Usage:
    found = [
        UsedBy(kind="automation_rule", id=str(i), name=n) for i, n in await repository.rules_sending(session, template)
    ]
    if await repository.is_followup(session, template):
        found.append(UsedBy(kind="case_settings", name="After-sales follow-up"))
    return usage(found, "Change these rules and settings to another template first, or deactivate this one.")


@router.get("/{template_id}/usage", response_model=Usage, responses=problem_responses(404))
async def template_usage(template_id: uuid.UUID, session: SessionDep, principal: Reader) -> Usage:
    """What uses the template: automation rules that send it, the after-sales follow-up setting."""
    return await _usage(session, await OrderedRules(TEMPLATES, session, principal).get(template_id))


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409))
async def delete_template(template_id: uuid.UUID, session: SessionDep, principal: Writer) -> None:
    """Delete a template nothing uses (audited); otherwise 409 problem+json with `used_by`.
    Messages already sent with it keep their text."""
    templates = OrderedRules(TEMPLATES, session, principal)
    template = await templates.get(template_id)
    found = await _usage(session, template)
    await templates.delete(template, "The template", found, {"name": template.name, "language": template.language})


@router.post("/{template_id}/preview", response_model=Preview, responses=problem_responses(404))
async def preview_template(
    template_id: uuid.UUID, body: PreviewRequest, session: SessionDep, principal: Reader
) -> Preview:
    """Render a template with a real conversation's data, with warnings for empty variables and the
    marketplace's compliance verdict on the result. Rendering runs in a separate process with a
    memory limit and a hard timeout; a template that exceeds either is a 422."""
    template = await service.get(session, principal.organization_id, template_id)
    conversation = await conversation_repository.get(session, principal.organization_id, body.conversation_id)
    agent = await Scoped(session, User, principal.organization_id).get(principal.user_id) if principal.user_id else None
    rendered = await service.render(template.body, await service.values_for(session, conversation, agent))
    violations = await compliance.lint_for_conversation(session, conversation, rendered.text)
    return Preview(
        text=rendered.text,
        warnings=rendered.warnings,
        blocking=has_blocking(violations),
        violations=[ViolationRead.model_validate(v, from_attributes=True) for v in violations],
    )
