"""Running a bulk job: chunks of items, each item's effect through the ordinary single-item service.

Idempotency. A chunk is one transaction holding the job row's lock: the effects of its items (a
reply queued, a conversation updated), the items' outcomes and the job's counters commit together or
not at all. A worker killed mid-chunk leaves those items pending and the effects undone, so whoever
runs the job next (arq's re-run, or the resume sweep) does them exactly once. Each item runs in a
savepoint, so a refusal (compliance, a spam flag on an order thread, a deleted conversation) fails
that item with its reason and the chunk goes on.

Extending. `EFFECTS` maps (target, action kind) to the function that applies it to one target; a
new action (e.g. approving cases, once cases exist) is one more entry and one more schema in the
`BulkAction` union, with no change to the runner.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from api.auth.principal import Principal
from api.bulk import repository
from api.case import repository as case_repository
from api.case import service as case_service
from api.case.schemas import CaseCreate, CaseUpdate
from api.conversation import repository as conversation_repository
from api.conversation import service as conversation_service
from api.conversation.schemas import ConversationUpdate
from api.db import Session
from api.kit.errors import Conflict, HourglassError
from api.kit.time import utc_now
from api.macro import service as macros
from api.message import outbound
from api.message import repository as message_repository
from api.models import BulkJob
from api.outbox import events
from api.template import service as templates
from api.user import repository as user_repository
from api.webhook.payloads import BulkJobData

ItemEffect = Callable[[Session, Principal, dict[str, Any], uuid.UUID], Awaitable[uuid.UUID | None]]


async def _update(session: Session, principal: Principal, conversation_id: uuid.UUID, fields: dict[str, Any]) -> None:
    await conversation_service.update(session, principal, conversation_id, ConversationUpdate.model_validate(fields))


async def _assign(session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID) -> None:
    fields = {"assignee_id": action.get("assignee_id")}
    if action.get("team_id"):
        fields["team_id"] = action["team_id"]
    await _update(session, principal, conversation_id, fields)


async def _set_status(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> None:
    await _update(session, principal, conversation_id, {"status": action["status"]})


async def _set_priority(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> None:
    await _update(session, principal, conversation_id, {"priority": action["priority"]})


async def _add_labels(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> None:
    conversation = await conversation_repository.get(session, principal.organization_id, conversation_id)
    labels = list(dict.fromkeys([*(conversation.labels or []), *action["labels"]]))
    if len(labels) > 50:
        raise Conflict("A conversation holds at most 50 labels.")
    if labels != list(conversation.labels or []):
        await _update(session, principal, conversation_id, {"labels": labels})


async def _remove_labels(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> None:
    conversation = await conversation_repository.get(session, principal.organization_id, conversation_id)
    labels = [label for label in (conversation.labels or []) if label not in set(action["labels"])]
    if labels != list(conversation.labels or []):
        await _update(session, principal, conversation_id, {"labels": labels})


async def _flag_spam(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> None:
    await conversation_service.flag_spam(session, principal, conversation_id, action["reason"])


async def _send_template(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> uuid.UUID:
    template_id = uuid.UUID(str(action["template_id"]))
    template = await templates.get(session, principal.organization_id, template_id)
    if not template.is_active:
        raise Conflict("The template was deactivated after the job started.")
    conversation = await conversation_repository.get(session, principal.organization_id, conversation_id)
    agent = (
        await user_repository.get(session, principal.organization_id, principal.user_id) if principal.user_id else None
    )
    rendered = await templates.render(template.body, await templates.values_for(session, conversation, agent))
    # The ordinary reply path: marketplace notices refused, the text linted for this conversation's
    # marketplace (a blocking violation fails the item with the linter's reasons), usage counted.
    message = await conversation_service.reply(
        session, principal, conversation_id, rendered.text, author_kind="human", template_id=template_id
    )
    return message.id


async def _retry_failed(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> uuid.UUID:
    """Every failed reply of the conversation back to `queued`, oldest first (the order they were
    written in); the item's result is the newest one retried."""
    conversation = await conversation_repository.get(session, principal.organization_id, conversation_id, lock=True)
    failed = await message_repository.failed_replies(session, principal.organization_id, conversation_id)
    if not failed:
        raise Conflict("The conversation has no failed reply to retry.")
    for message in failed:
        await outbound.retry(session, principal, message, conversation)
    return failed[-1].id


async def _open_case(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> uuid.UUID:
    existing = await case_repository.open_of_kind(
        session, principal.organization_id, conversation_id, action["case_kind"]
    )
    if existing is not None:
        raise Conflict(f"The conversation already has an open {action['case_kind']} case ({existing.id}).")
    case, _ = await case_service.open_case(
        session,
        case_service.Actor(principal=principal),
        principal.organization_id,
        CaseCreate(conversation_id=conversation_id, kind=action["case_kind"], reason=action.get("reason") or ""),
        source="agent" if principal.user_id else "erp",
    )
    return case.id


async def _transition_case(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> uuid.UUID:
    case = await case_service.transition_case(
        session,
        case_service.Actor(principal=principal),
        principal.organization_id,
        conversation_id,
        action["to"],
        action.get("reason") or "",
    )
    return case.id


async def _assign_case(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> uuid.UUID:
    case = await case_service.update_case(
        session,
        case_service.Actor(principal=principal),
        principal.organization_id,
        conversation_id,
        CaseUpdate(assignee_id=action.get("assignee_id")),
    )
    return case.id


async def _apply_macro(
    session: Session, principal: Principal, action: dict[str, Any], conversation_id: uuid.UUID
) -> uuid.UUID | None:
    """All or nothing per conversation: the item's savepoint discards what a refused macro had done."""
    applied = await macros.apply(session, principal, conversation_id, uuid.UUID(str(action["macro_id"])))
    return applied.reply_message_id


EFFECTS: dict[tuple[str, str], ItemEffect] = {
    ("conversations", "assign"): _assign,
    ("conversations", "set_status"): _set_status,
    ("conversations", "set_priority"): _set_priority,
    ("conversations", "add_labels"): _add_labels,
    ("conversations", "remove_labels"): _remove_labels,
    ("conversations", "flag_spam"): _flag_spam,
    ("conversations", "send_template"): _send_template,
    ("conversations", "open_case"): _open_case,
    ("conversations", "retry_failed"): _retry_failed,
    ("conversations", "apply_macro"): _apply_macro,
    ("cases", "transition"): _transition_case,
    ("cases", "assign"): _assign_case,
}


def chunk_size(total: int) -> int:
    """Items per transaction: about twenty progress steps a job, between 5 and 50 items each (small
    jobs still move visibly; large ones do not hold a lock on the job row for long)."""
    return max(5, min(50, total // 20))


def principal_of(job: BulkJob) -> Principal:
    """The worker acts as whoever created the job, with the scopes they had then."""
    return Principal(
        organization_id=job.organization_id,
        scopes=frozenset(job.actor_scopes),
        user_id=job.created_by_user_id,
        api_key_id=job.created_by_api_key_id,
    )


def _reason(exc: HourglassError) -> str:
    return (exc.detail or exc.title)[:1000]


async def run_chunk(session: Session, job_id: uuid.UUID, now: datetime | None = None) -> bool:
    """Advance the job by one chunk inside the caller's transaction; True while items remain."""
    job = await repository.lock_for_run(session, job_id)
    if job is None or job.status == "completed":
        return False
    now = now or utc_now()
    if job.status == "queued":
        job.status = "running"
        job.started_at = now
    effect = EFFECTS[(job.target, job.action_kind)]
    principal = principal_of(job)
    items = await repository.claim_pending(session, job, chunk_size(job.total))
    for item in items:
        try:
            async with session.begin_nested():
                item.result_id = await effect(session, principal, job.action, item.target_id)
            item.status = "done"
            job.done += 1
        except HourglassError as exc:
            item.status = "failed"
            item.error = _reason(exc)
            job.failed += 1
        item.processed_at = now
    job.heartbeat_at = now
    remaining = job.total - job.done - job.failed
    if remaining <= 0:
        job.status = "completed"
        job.finished_at = now
    await session.flush()
    events.emit(session, job.organization_id, "bulk_job.updated", BulkJobData.of(job))
    return remaining > 0


async def run(sessionmaker: Any, job_id: uuid.UUID) -> None:
    """Run the job to its end, one transaction per chunk."""
    more = True
    while more:
        async with sessionmaker.begin() as session:
            more = await run_chunk(session, job_id)
