"""Macros: who may see, share, change and apply them; previewing and applying one to a conversation.

Applying is all or nothing. Every effect goes through the ordinary single-item service (the reply
through `conversation.service.reply`, so it is linted for the marketplace; the fields through
`conversation.service.update`, so they count as set by the person and stay sticky against rules), in
the caller's transaction: a refusal anywhere raises, and the request (or the bulk item's savepoint)
rolls back whatever the macro had already done.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from api import audit
from api.auth.principal import Principal
from api.channel import repository as channel_repository
from api.compliance import service as compliance
from api.compliance.rules import Violation
from api.compliance.schemas import ViolationRead
from api.conversation import repository as conversation_repository
from api.conversation import service as conversation_service
from api.conversation import snooze as snoozes
from api.conversation.schemas import ConversationUpdate, NoteCreate
from api.db import Session
from api.kit.errors import FieldError, Forbidden, HourglassError, InvalidInput, NotFound, field_error
from api.kit.time import utc_now
from api.macro import plan as plans
from api.macro import repository
from api.macro.schemas import (
    FieldChange,
    MacroActions,
    MacroApplied,
    MacroCreate,
    MacroPreview,
    MacroRead,
    MacroUpdate,
    ReplyPreview,
)
from api.models import Conversation, Macro, Template
from api.team import repository as team_repository
from api.template import service as templates
from api.user import repository as user_repository


class MacroNotApplied(HourglassError):
    """Nothing of the macro was applied; `errors` say why (a compliance error, a state that refuses)."""

    status_code = 422
    problem_type = "macro-not-applied"
    title = "The macro was not applied"


def person(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Forbidden("Macros belong to people; sign in as a user.")
    return principal.user_id


def can_edit(principal: Principal, macro: Macro) -> bool:
    """The owner, and for shared macros anyone who may change settings (a supervisor, an admin)."""
    return macro.owner_user_id == principal.user_id or (
        macro.visibility != "personal" and principal.has("settings:write")
    )


def read(principal: Principal, macro: Macro) -> MacroRead:
    return MacroRead.model_validate(
        {
            "id": macro.id,
            "name": macro.name,
            "description": macro.description,
            "visibility": macro.visibility,
            "team_id": macro.team_id,
            "owner_user_id": macro.owner_user_id,
            "mine": macro.owner_user_id == principal.user_id,
            "can_edit": can_edit(principal, macro),
            "actions": macro.actions,
            "created_at": macro.created_at,
            "updated_at": macro.updated_at,
        }
    )


async def _check_actions(session: Session, organization_id: uuid.UUID, actions: MacroActions) -> None:
    """Refuse, when a macro is saved, what could never apply: naming the field of each mistake."""
    at = "body.actions"
    if actions.model_dump(exclude_defaults=True) == {}:
        raise InvalidInput("A macro needs at least one action.", errors=field_error(at, "no action"))
    if actions.assign_to == "user":
        if actions.assignee_id is None:
            raise InvalidInput(
                "Say which user to assign to.", errors=field_error(f"{at}.assignee_id", "required with assign_to: user")
            )
        user = await user_repository.get(session, organization_id, actions.assignee_id, field=f"{at}.assignee_id")
        if not user.is_active:
            raise InvalidInput("That user is deactivated.", errors=field_error(f"{at}.assignee_id", "user is inactive"))
    elif actions.assignee_id is not None:
        raise InvalidInput(
            "assignee_id goes with assign_to: user.",
            errors=field_error(f"{at}.assignee_id", "only with assign_to: user"),
        )
    both = set(actions.add_labels) & set(actions.remove_labels)
    if both:
        raise InvalidInput(
            "A label cannot be both added and removed.",
            errors=field_error(f"{at}.remove_labels", f"also added: {', '.join(sorted(both))}"),
        )
    reply = actions.reply
    if reply is not None:
        if (reply.template_id is None) == (reply.text is None):
            raise InvalidInput(
                "A reply is either a template or a text.",
                errors=field_error(f"{at}.reply", "give exactly one of template_id and text"),
            )
        if reply.template_id is not None:
            try:
                template = await templates.get(session, organization_id, reply.template_id)
            except NotFound as exc:
                raise InvalidInput(
                    "No such template.", errors=field_error(f"{at}.reply.template_id", "no such template")
                ) from exc
            if not template.is_active:
                raise InvalidInput(
                    "The template is inactive.", errors=field_error(f"{at}.reply.template_id", "template is inactive")
                )
        if reply.text is not None:
            await templates.ensure_usable(reply.text, field=f"{at}.reply.text")


async def _check_sharing(session: Session, principal: Principal, visibility: str, team_id: uuid.UUID | None) -> None:
    org = principal.organization_id
    if visibility == "team":
        if team_id is None:
            raise InvalidInput(
                "Say which team to share the macro with.", errors=field_error("body.team_id", "required with team")
            )
        await team_repository.get(session, org, team_id, field="body.team_id")
        if not principal.has("settings:write") and not await repository.is_member(
            session, org, team_id, person(principal)
        ):
            raise InvalidInput(
                "You can share a macro only with a team you belong to.",
                errors=field_error("body.team_id", "not a member of this team"),
            )
    elif team_id is not None:
        raise InvalidInput(
            "team_id goes with visibility: team.", errors=field_error("body.team_id", "only with visibility team")
        )
    if visibility == "org" and not principal.has("settings:write"):
        raise Forbidden(
            "Sharing a macro with the whole organization needs settings:write (a supervisor or an admin).",
            errors=field_error("body.visibility", "org needs settings:write"),
        )


async def create(session: Session, principal: Principal, data: MacroCreate) -> Macro:
    user_id = person(principal)
    org = principal.organization_id
    await _check_sharing(session, principal, data.visibility, data.team_id)
    await _check_actions(session, org, data.actions)
    macro = Macro(
        id=uuid.uuid4(),
        organization_id=org,
        owner_user_id=user_id,
        team_id=data.team_id,
        name=data.name.strip() or data.name,
        description=data.description,
        visibility=data.visibility,
        actions=data.actions.model_dump(mode="json", exclude_defaults=True),
    )
    await repository.add(session, macro)
    audit.record(
        session,
        principal,
        org,
        "macro.created",
        "macro",
        macro.id,
        {"name": macro.name, "visibility": macro.visibility, "actions": macro.actions},
    )
    return macro


async def _editable(session: Session, principal: Principal, macro_id: uuid.UUID) -> Macro:
    macro = await repository.get_visible(session, principal.organization_id, person(principal), macro_id, lock=True)
    if not can_edit(principal, macro):
        raise Forbidden("Only the person who created this macro (or a supervisor, for shared ones) can change it.")
    return macro


async def update(session: Session, principal: Principal, macro_id: uuid.UUID, data: MacroUpdate) -> Macro:
    macro = await _editable(session, principal, macro_id)
    changes = data.model_dump(exclude_unset=True)
    visibility = changes.get("visibility", macro.visibility)
    team_id = changes.get("team_id", macro.team_id)
    if visibility != "team" and "team_id" not in changes:
        team_id = None  # leaving a team share drops the team
    if "visibility" in changes or "team_id" in changes:
        await _check_sharing(session, principal, visibility, team_id)
    if data.actions is not None:
        await _check_actions(session, principal.organization_id, data.actions)
    before = {
        "name": macro.name,
        "description": macro.description,
        "visibility": macro.visibility,
        "team_id": str(macro.team_id) if macro.team_id else None,
        "actions": macro.actions,
    }
    if data.name is not None:
        macro.name = data.name.strip() or data.name
    if data.description is not None:
        macro.description = data.description
    macro.visibility = visibility
    macro.team_id = team_id
    if data.actions is not None:
        macro.actions = data.actions.model_dump(mode="json", exclude_defaults=True)
    await repository.save(session, macro)
    after = {
        "name": macro.name,
        "description": macro.description,
        "visibility": macro.visibility,
        "team_id": str(macro.team_id) if macro.team_id else None,
        "actions": macro.actions,
    }
    changed = {k: {"from": before[k], "to": after[k]} for k in after if after[k] != before[k]}
    if changed:
        audit.record(session, principal, principal.organization_id, "macro.updated", "macro", macro.id, changed)
    return macro


async def delete(session: Session, principal: Principal, macro_id: uuid.UUID) -> None:
    macro = await _editable(session, principal, macro_id)
    await repository.remove(session, macro)
    audit.record(
        session, principal, principal.organization_id, "macro.deleted", "macro", macro.id, {"name": macro.name}
    )


@dataclass
class _Prepared:
    plan: plans.Plan
    reply_text: str | None = None
    template: Template | None = None
    violations: list[Violation] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)


async def _prepare(
    session: Session, principal: Principal, conversation: Conversation, macro: Macro, now: datetime
) -> _Prepared:
    """The plan for this conversation and everything that would refuse it, without changing anything."""
    org = principal.organization_id
    actions = MacroActions.model_validate(macro.actions)
    current = plans.Current(
        status=conversation.status,
        priority=conversation.priority,
        category=conversation.category,
        labels=list(conversation.labels or []),
        assignee_id=conversation.assignee_id,
        snoozed=conversation.snoozed_at is not None,
        snoozed_until=conversation.snoozed_until,
    )
    prepared = _Prepared(plan=plans.plan(actions, current, principal.user_id, now))
    problems = prepared.problems
    problems.extend(FieldError(field=f, reason=r) for f, r in prepared.plan.problems)
    assignee = prepared.plan.updates.get("assignee_id")
    if assignee is not None:
        try:
            user = await user_repository.get(session, org, assignee)
            if not user.is_active:
                problems.append(FieldError(field="actions.assignee_id", reason="the user is deactivated"))
        except NotFound:
            problems.append(FieldError(field="actions.assignee_id", reason="the user no longer exists"))
    reply = actions.reply
    if reply is None:
        return prepared
    channel = await channel_repository.get(session, org, conversation.channel_id)
    if channel.status != "active":
        problems.append(
            FieldError(field="conversation.channel", reason="the store is disabled; replies cannot be sent")
        )
    source = reply.text
    if reply.template_id is not None:
        try:
            prepared.template = await templates.get(session, org, reply.template_id)
        except NotFound:
            problems.append(FieldError(field="actions.reply.template_id", reason="the template was deleted"))
            return prepared
        if not prepared.template.is_active:
            problems.append(FieldError(field="actions.reply.template_id", reason="the template is inactive"))
        source = prepared.template.body
    agent = await user_repository.get(session, org, principal.user_id) if principal.user_id else None
    try:
        rendered = await templates.render(
            source or "", await templates.values_for(session, conversation, agent), field="actions.reply"
        )
    except InvalidInput as exc:
        problems.extend(exc.errors or [FieldError(field="actions.reply", reason=str(exc))])
        return prepared
    if not rendered.text.strip():
        problems.append(FieldError(field="actions.reply", reason="the reply would be empty for this conversation"))
        return prepared
    prepared.reply_text = rendered.text
    prepared.violations = await compliance.lint_for_conversation(session, conversation, rendered.text)
    problems.extend(
        FieldError(field="actions.reply", reason=v.message) for v in prepared.violations if v.severity == "error"
    )
    return prepared


async def _describe(session: Session, organization_id: uuid.UUID, changes: list[plans.Change]) -> list[FieldChange]:
    names = {u.id: u.name for u in await user_repository.list_all(session, organization_id)}

    def text(change: plans.Change, value: str | None) -> str | None:
        if value is None:
            return None
        if change.field == "assignee":
            return names.get(uuid.UUID(value), "a former user")
        if change.field == "snooze" and value == "until_reply":
            return "until the buyer writes"
        return value.replace("_", " ") if change.field in ("status", "priority", "category") else value

    out = []
    for change in changes:
        before, after = text(change, change.before), text(change, change.after)
        if change.field in ("status", "priority", "category"):
            before, after = (before or "").capitalize() or None, (after or "").capitalize() or None
        out.append(
            FieldChange(
                field=change.field,  # type: ignore[arg-type]
                before=change.before,
                after=change.after,
                before_text=before,
                after_text=after,
                words=plans.words(change, before, after),
            )
        )
    return out


async def preview(
    session: Session, principal: Principal, conversation_id: uuid.UUID, macro_id: uuid.UUID
) -> MacroPreview:
    org = principal.organization_id
    user_id = person(principal)
    conversation = await conversation_repository.get(session, org, conversation_id)
    macro = await repository.get_visible(session, org, user_id, macro_id)
    prepared = await _prepare(session, principal, conversation, macro, utc_now())
    reply = None
    if prepared.reply_text is not None:
        reply = ReplyPreview(
            text=prepared.reply_text,
            template_id=prepared.template.id if prepared.template else None,
            template_name=prepared.template.name if prepared.template else None,
            violations=[ViolationRead.model_validate(v) for v in compliance.violation_dicts(prepared.violations)],
            blocked=any(v.severity == "error" for v in prepared.violations),
        )
    return MacroPreview(
        macro_id=macro.id,
        macro_name=macro.name,
        conversation_id=conversation.id,
        changes=await _describe(session, org, prepared.plan.changes),
        reply=reply,
        can_apply=not prepared.problems,
        problems=prepared.problems,
    )


async def apply(
    session: Session, principal: Principal, conversation_id: uuid.UUID, macro_id: uuid.UUID
) -> MacroApplied:
    """Everything or nothing: a refusal raises `MacroNotApplied` (422) and the caller's transaction
    (or savepoint) discards what was already done."""
    org = principal.organization_id
    user_id = person(principal)
    # Locked first, so a concurrent change to the conversation waits, and the plan stays true.
    conversation = await conversation_repository.get(session, org, conversation_id, lock=True)
    macro = await repository.get_visible(session, org, user_id, macro_id)
    prepared = await _prepare(session, principal, conversation, macro, utc_now())
    if prepared.problems:
        raise MacroNotApplied(
            f"Nothing was changed: {'; '.join(p.reason for p in prepared.problems)}.",
            errors=prepared.problems,
            extra={"violations": compliance.violation_dicts(prepared.violations)},
        )
    p = prepared.plan
    reply_id = note_id = None
    try:
        if prepared.reply_text is not None:
            message = await conversation_service.reply(
                session,
                principal,
                conversation.id,
                prepared.reply_text,
                author_kind="human",
                template_id=prepared.template.id if prepared.template else None,
            )
            reply_id = message.id
        if p.updates:
            # The ordinary update: audited, sticky (manual_fields) as if the person had set each field.
            await conversation_service.update(
                session,
                principal,
                conversation.id,
                ConversationUpdate(**p.updates),
                audit_extra={"by_macro": macro.name},
            )
        if p.snooze:
            await snoozes.snooze(session, principal, conversation.id, p.snooze_until)
        if p.note:
            note = await conversation_service.add_note(session, principal, conversation.id, NoteCreate(body=p.note))
            note_id = note.id
    except NotFound:
        raise
    except HourglassError as exc:
        raise MacroNotApplied(
            f"Nothing was changed: {exc.detail or exc.title}",
            errors=exc.errors or [FieldError(field="conversation", reason=exc.detail or exc.title)],
            extra=exc.extra,
        ) from exc
    changes = await _describe(session, org, p.changes)
    audit.record(
        session,
        principal,
        org,
        "macro.applied",
        "conversation",
        conversation.id,
        {
            "macro_id": str(macro.id),
            "macro": macro.name,
            "changed": [ch.field for ch in changes],
            "replied": reply_id is not None,
        },
    )
    return MacroApplied(
        macro_id=macro.id, conversation_id=conversation.id, changes=changes, reply_message_id=reply_id, note_id=note_id
    )
