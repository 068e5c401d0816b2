"""Macros: named sets of actions (fields, snooze, note, reply) applied to a conversation in one step."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.draft_lock import service as draft_locks
from api.kit.errors import problem_responses
from api.macro import repository, service
from api.macro.schemas import MacroApplied, MacroCreate, MacroPreview, MacroRead, MacroUpdate

router = APIRouter(prefix="/v1/macros", tags=["macros"], responses=problem_responses(401, 403, 422, 429))
conversation_router = APIRouter(
    prefix="/v1/conversations/{conversation_id}/macros",
    tags=["macros"],
    responses=problem_responses(401, 403, 404, 422, 429),
)

Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]


@router.get("", response_model=list[MacroRead])
async def list_macros(session: SessionDep, principal: Reader) -> list[MacroRead]:
    """The macros you can use: your own, your teams' and the organization's, by name."""
    user_id = service.person(principal)
    return [
        service.read(principal, m) for m in await repository.visible_to(session, principal.organization_id, user_id)
    ]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MacroRead)
async def create_macro(body: MacroCreate, session: SessionDep, principal: Writer) -> MacroRead:
    """Save a macro. `visibility`: `personal` (only you), `team` (the members of `team_id`; a team you
    belong to, or any team with settings:write) or `org` (everyone; needs settings:write).

    Refused with 422 naming the field: no action at all, another organization's (or a deactivated)
    user, an unknown or inactive template, a reply text that is not a usable template, a label both
    added and removed, an unknown status, priority or category."""
    return service.read(principal, await service.create(session, principal, body))


@router.get("/{macro_id}", response_model=MacroRead, responses=problem_responses(404))
async def get_macro(macro_id: uuid.UUID, session: SessionDep, principal: Reader) -> MacroRead:
    """One macro you can see (someone else's personal macro is not found)."""
    macro = await repository.get_visible(session, principal.organization_id, service.person(principal), macro_id)
    return service.read(principal, macro)


@router.patch("/{macro_id}", response_model=MacroRead, responses=problem_responses(404))
async def update_macro(macro_id: uuid.UUID, body: MacroUpdate, session: SessionDep, principal: Writer) -> MacroRead:
    """Change a macro: its owner, or for a shared macro anyone with settings:write. `actions` is
    replaced as a whole; the same checks as on creation apply."""
    return service.read(principal, await service.update(session, principal, macro_id, body))


@router.delete("/{macro_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
async def delete_macro(macro_id: uuid.UUID, session: SessionDep, principal: Writer) -> Response:
    """Delete a macro (who may: as for changing it). Conversations it was applied to keep their values."""
    await service.delete(session, principal, macro_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@conversation_router.post("/{macro_id}/preview", response_model=MacroPreview)
async def preview_macro(
    conversation_id: uuid.UUID, macro_id: uuid.UUID, session: SessionDep, principal: Reader
) -> MacroPreview:
    """What applying the macro to this conversation would do, changing nothing: each field that would
    change (old -> new, in words), the reply as it would be sent with the compliance linter's
    findings for this conversation's marketplace, and whether it can be applied (`problems` say why
    not)."""
    return await service.preview(session, principal, conversation_id, macro_id)


@conversation_router.post("/{macro_id}/apply", response_model=MacroApplied, responses=problem_responses(423))
async def apply_macro(
    conversation_id: uuid.UUID, macro_id: uuid.UUID, session: SessionDep, principal: Writer, request: Request
) -> MacroApplied:
    """Apply the macro: all of it or nothing. The reply is linted and queued as your reply, the fields
    are set as if you had set them (rules leave them alone afterwards), the snooze and note are
    added, and the activity log says which macro you applied. A compliance error or a state that
    refuses any part (a disabled store, a deactivated assignee) is a 422 `macro-not-applied` listing
    why, and nothing changes. For many conversations, `POST /v1/conversations/bulk` with an
    `apply_macro` action applies it to each, each all or nothing.

    A macro that replies respects draft locks as a reply does (423 while a colleague holds the
    conversation's)."""
    macro = await repository.get_visible(session, principal.organization_id, service.person(principal), macro_id)
    redis = request.app.state.redis
    replies = bool(macro.actions.get("reply"))
    locks_on = replies and await draft_locks.refuse_if_held_by_other(session, redis, principal, conversation_id)
    applied = await service.apply(session, principal, conversation_id, macro_id)
    if locks_on:
        await draft_locks.release_after_send(redis, principal, conversation_id)
    return applied
