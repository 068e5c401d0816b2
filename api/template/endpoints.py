from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from api import audit
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance import service as compliance
from api.compliance.rules import has_blocking
from api.compliance.schemas import ViolationRead
from api.conversation import repository as conversation_repository
from api.db import SessionDep
from api.kit.errors import Conflict, field_error, problem_responses
from api.kit.usage import Usage, UsedBy, refuse_if_used, usage
from api.models import AutoReplyRule, CaseSettings, Template, User
from api.template import service
from api.template.render import VARIABLES
from api.template.schemas import Preview, PreviewRequest, TemplateCreate, TemplateRead, TemplateUpdate, VariableInfo

router = APIRouter(prefix="/v1/templates", tags=["templates"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("settings:write"))]


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
    stmt = select(Template).where(Template.organization_id == principal.organization_id)
    if category:
        stmt = stmt.where(Template.category == category)
    if language:
        stmt = stmt.where(Template.language == language)
    if not include_inactive:
        stmt = stmt.where(Template.is_active.is_(True))
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Template.name.ilike(like, escape="\\"), Template.body.ilike(like, escape="\\")))
    rows = await session.execute(stmt.order_by(Template.usage_count.desc(), Template.name))
    return [TemplateRead.model_validate(t) for t in rows.scalars()]


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
    template = Template(id=uuid.uuid4(), organization_id=principal.organization_id, **body.model_dump())
    session.add(template)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "A template with this name and language exists.",
            errors=field_error("body.name", "already used for this language"),
        ) from exc
    await session.refresh(template)
    audit.record(session, principal, principal.organization_id, "template.created", "template", template.id)
    return TemplateRead.model_validate(template)


@router.get("/{template_id}", response_model=TemplateRead, responses=problem_responses(404))
async def get_template(template_id: uuid.UUID, session: SessionDep, principal: Reader) -> TemplateRead:
    """One template with its usage count."""
    return TemplateRead.model_validate(await service.get(session, principal.organization_id, template_id))


@router.patch("/{template_id}", response_model=TemplateRead, responses=problem_responses(404))
async def update_template(
    template_id: uuid.UUID, body: TemplateUpdate, session: SessionDep, principal: Writer
) -> TemplateRead:
    """Edit a template (or deactivate it)."""
    template = await service.get(session, principal.organization_id, template_id)
    if body.body is not None:
        await service.ensure_usable(body.body)
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(template, field, value)
    await session.flush()
    await session.refresh(template)
    audit.record(session, principal, principal.organization_id, "template.updated", "template", template.id)
    return TemplateRead.model_validate(template)


async def _usage(session: SessionDep, template: Template) -> Usage:
    org = template.organization_id
    rows = await session.execute(
        select(AutoReplyRule.id, AutoReplyRule.name)
        .where(
            AutoReplyRule.organization_id == org,
            AutoReplyRule.actions.contains([{"template_id": str(template.id)}]),
        )
        .order_by(AutoReplyRule.name)
    )
    found = [UsedBy(kind="automation_rule", id=str(i), name=n) for i, n in rows]
    followup = await session.scalar(
        select(CaseSettings.organization_id).where(
            CaseSettings.organization_id == org, CaseSettings.followup_template_id == template.id
        )
    )
    if followup is not None:
        found.append(UsedBy(kind="case_settings", name="After-sales follow-up"))
    return usage(found, "Change these rules and settings to another template first, or deactivate this one.")


@router.get("/{template_id}/usage", response_model=Usage, responses=problem_responses(404))
async def template_usage(template_id: uuid.UUID, session: SessionDep, principal: Reader) -> Usage:
    """What uses the template: automation rules that send it, the after-sales follow-up setting."""
    return await _usage(session, await service.get(session, principal.organization_id, template_id))


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409))
async def delete_template(template_id: uuid.UUID, session: SessionDep, principal: Writer) -> None:
    """Delete a template nothing uses (audited); otherwise 409 problem+json with `used_by`.
    Messages already sent with it keep their text."""
    template = await service.get(session, principal.organization_id, template_id)
    refuse_if_used("The template", await _usage(session, template))
    details = {"name": template.name, "language": template.language}
    await session.delete(template)
    await session.flush()
    audit.record(session, principal, principal.organization_id, "template.deleted", "template", template_id, details)


@router.post("/{template_id}/preview", response_model=Preview, responses=problem_responses(404))
async def preview_template(
    template_id: uuid.UUID, body: PreviewRequest, session: SessionDep, principal: Reader
) -> Preview:
    """Render a template with a real conversation's data, with warnings for empty variables and the
    marketplace's compliance verdict on the result. Rendering runs in a separate process with a
    memory limit and a hard timeout; a template that exceeds either is a 422."""
    template = await service.get(session, principal.organization_id, template_id)
    conversation = await conversation_repository.get(session, principal.organization_id, body.conversation_id)
    agent = await session.get(User, principal.user_id) if principal.user_id else None
    rendered = await service.render(template.body, await service.values_for(session, conversation, agent))
    violations = await compliance.lint_for_conversation(session, conversation, rendered.text)
    return Preview(
        text=rendered.text,
        warnings=rendered.warnings,
        blocking=has_blocking(violations),
        violations=[ViolationRead.model_validate(v, from_attributes=True) for v in violations],
    )
