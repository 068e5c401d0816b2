"""Creating bulk jobs: resolve the selection, check the action once, snapshot the targets."""

from __future__ import annotations

import uuid
from typing import Any

from api import audit
from api.auth.principal import Principal
from api.bulk import repository
from api.bulk.schemas import (
    BULK_LIMIT,
    ApplyMacroAction,
    AssignAction,
    BulkAction,
    BulkCreate,
    BulkFilter,
    BulkJobRead,
    CaseAssignAction,
    CaseBulkCreate,
    CaseBulkJobRead,
    OpenCaseAction,
    SendTemplateAction,
)
from api.conversation.views import ConversationFilters
from api.db import Session
from api.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, field_error
from api.macro import repository as macro_repository
from api.models import BulkJob
from api.outbox import events
from api.team import repository as team_repository
from api.template import service as templates
from api.user import repository as user_repository
from api.webhook.payloads import BulkJobData

FAILURES_SHOWN = 200


def _filters(principal: Principal, f: BulkFilter) -> ConversationFilters:
    """The same meaning as GET /v1/conversations' query parameters."""
    assignee_id = None
    unassigned = False
    if f.assignee == "me":
        if principal.user_id is None:
            raise InvalidInput("`me` needs a user session.", errors=field_error("body.filter.assignee", "no user"))
        assignee_id = principal.user_id
    elif f.assignee == "none":
        unassigned = True
    elif f.assignee:
        try:
            assignee_id = uuid.UUID(f.assignee)
        except ValueError as exc:
            raise InvalidInput(
                "assignee must be a user id, `me` or `none`.",
                errors=field_error("body.filter.assignee", "not a user id, me or none"),
            ) from exc
    return ConversationFilters(
        channel_id=f.channel_id,
        marketplace=f.marketplace,
        assignee_id=assignee_id,
        unassigned=unassigned,
        team_id=f.team_id,
        status=f.status,
        category=f.category,
        priority=f.priority,
        label=f.label,
        customer_id=f.customer_id,
        sla_state=f.sla_state,
        q=f.q,
    )


async def _check_action(session: Session, principal: Principal, action: BulkAction) -> None:
    if isinstance(action, OpenCaseAction) and not principal.has("cases:write"):
        raise Forbidden("Opening cases needs the cases:write scope.")
    """Refuse up front what would fail every item: another organization's (or an inactive) user,
    team or template."""
    org = principal.organization_id
    if isinstance(action, AssignAction):
        if action.assignee_id:
            user = await user_repository.get(session, org, action.assignee_id, field="body.action.assignee_id")
            if not user.is_active:
                raise InvalidInput(
                    "That user is deactivated.", errors=field_error("body.action.assignee_id", "user is inactive")
                )
        if action.team_id:
            await team_repository.get(session, org, action.team_id, field="body.action.team_id")
    elif isinstance(action, ApplyMacroAction):
        if principal.user_id is None:
            raise Forbidden("Macros belong to people; sign in as a user.")
        try:
            await macro_repository.get_visible(session, org, principal.user_id, action.macro_id)
        except NotFound as exc:
            raise InvalidInput("No such macro.", errors=field_error("body.action.macro_id", "no such macro")) from exc
    elif isinstance(action, SendTemplateAction):
        try:
            template = await templates.get(session, org, action.template_id)
        except NotFound as exc:
            raise InvalidInput(
                "No such template.", errors=field_error("body.action.template_id", "no such template")
            ) from exc
        if not template.is_active:
            raise Conflict(
                "The template is inactive.", errors=field_error("body.action.template_id", "template is inactive")
            )


async def _new_job(
    session: Session, principal: Principal, target: str, action: dict[str, Any], targets: list[uuid.UUID]
) -> BulkJob:
    org = principal.organization_id
    job = BulkJob(
        id=uuid.uuid4(),
        organization_id=org,
        target=target,
        action_kind=action["kind"],
        action=action,
        status="queued",
        total=len(targets),
        done=0,
        failed=0,
        created_by_user_id=principal.user_id,
        created_by_api_key_id=principal.api_key_id,
        actor_scopes=sorted(principal.scopes),
    )
    await repository.add_with_items(session, job, targets)
    audit.record(
        session,
        principal,
        org,
        "bulk_job.created",
        "bulk_job",
        job.id,
        {"target": target, "action": action, "total": job.total},
    )
    # The relay turns this event into the worker job (api/outbox/relay.py FOLLOW_UP_JOBS) once
    # this transaction has committed: no job can start on rows that do not exist yet.
    events.emit(session, org, "bulk_job.created", BulkJobData.of(job))
    return job


async def create_for_cases(session: Session, principal: Principal, data: CaseBulkCreate) -> BulkJob:
    """A job over cases: the same runner, limit and progress as conversations'."""
    org = principal.organization_id
    action = data.action
    if isinstance(action, CaseAssignAction) and action.assignee_id:
        user = await user_repository.get(session, org, action.assignee_id, field="body.action.assignee_id")
        if not user.is_active:
            raise InvalidInput(
                "That user is deactivated.", errors=field_error("body.action.assignee_id", "user is inactive")
            )
    if data.filter is not None:
        f = data.filter
        targets = await repository.case_ids_matching(
            session, org, list(f.state or []), f.kind, f.marketplace, BULK_LIMIT + 1
        )
        if len(targets) > BULK_LIMIT:
            raise InvalidInput(
                f"The filter matches more than {BULK_LIMIT:,} cases; a bulk job takes at most {BULK_LIMIT:,}. "
                "Narrow the filter.",
                errors=field_error("body.filter", f"matches more than {BULK_LIMIT:,} cases"),
                extra={"limit": BULK_LIMIT},
            )
        field = "body.filter"
    else:
        requested = data.case_ids or []
        own = await repository.own_case_ids(session, org, requested)
        missing = [str(i) for i in requested if i not in own]
        if missing:
            # Another organization's ids are indistinguishable from ids that do not exist.
            raise InvalidInput(
                f"{len(missing)} of the cases do not exist.",
                errors=field_error("body.case_ids", f"no such cases: {', '.join(missing[:20])}"),
            )
        targets = requested
        field = "body.case_ids"
    if not targets:
        raise InvalidInput("The selection is empty.", errors=field_error(field, "matches no case"))
    return await _new_job(session, principal, "cases", action.model_dump(mode="json"), targets)


async def read_for_cases(session: Session, organization_id: uuid.UUID, job_id: uuid.UUID) -> CaseBulkJobRead:
    job = await repository.get(session, organization_id, job_id)
    if job.target != "cases":
        raise NotFound("No such bulk job of cases.")
    failures = await repository.failures(session, organization_id, job_id, FAILURES_SHOWN)
    return CaseBulkJobRead.model_validate(
        {
            **{
                k: getattr(job, k)
                for k in ("id", "target", "action", "status", "total", "done", "failed", "created_at")
            },
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "failures": [{"case_id": f.target_id, "reason": f.error or ""} for f in failures],
            "failures_truncated": job.failed > len(failures),
        }
    )


async def create(session: Session, principal: Principal, data: BulkCreate) -> BulkJob:
    org = principal.organization_id
    await _check_action(session, principal, data.action)
    action = data.action.model_dump(mode="json")
    if data.filter is not None:
        targets = await repository.conversation_ids_matching(
            session, org, data.filter.view, _filters(principal, data.filter), BULK_LIMIT + 1
        )
        if len(targets) > BULK_LIMIT:
            raise InvalidInput(
                f"The filter matches more than {BULK_LIMIT:,} conversations; a bulk job takes at most "
                f"{BULK_LIMIT:,}. Narrow the filter.",
                errors=field_error("body.filter", f"matches more than {BULK_LIMIT:,} conversations"),
                extra={"limit": BULK_LIMIT},
            )
        field = "body.filter"
    else:
        requested = data.conversation_ids or []
        own = await repository.own_conversation_ids(session, org, requested)
        missing = [str(i) for i in requested if i not in own]
        if missing:
            # Another organization's ids are indistinguishable from ids that do not exist.
            raise InvalidInput(
                f"{len(missing)} of the conversations do not exist.",
                errors=field_error("body.conversation_ids", f"no such conversations: {', '.join(missing[:20])}"),
            )
        targets = requested
        field = "body.conversation_ids"
    if not targets:
        raise InvalidInput("The selection is empty.", errors=field_error(field, "matches no conversation"))
    return await _new_job(session, principal, "conversations", action, targets)


async def read(session: Session, organization_id: uuid.UUID, job_id: uuid.UUID) -> BulkJobRead:
    job = await repository.get(session, organization_id, job_id)
    if job.target != "conversations":
        raise NotFound("No such bulk job of conversations.")
    failures = await repository.failures(session, organization_id, job_id, FAILURES_SHOWN)
    return BulkJobRead.model_validate(
        {
            **{
                k: getattr(job, k)
                for k in ("id", "target", "action", "status", "total", "done", "failed", "created_at")
            },
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "failures": [{"conversation_id": f.target_id, "reason": f.error or ""} for f in failures],
            "failures_truncated": job.failed > len(failures),
        }
    )
