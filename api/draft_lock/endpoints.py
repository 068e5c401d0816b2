from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from redis.asyncio import Redis

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.draft_lock import service
from api.draft_lock.schemas import DraftLockRead, DraftLockSettingsRead, DraftLockSettingsUpdate
from api.kit.errors import problem_responses

router = APIRouter(tags=["draft locks"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]
Admin = Annotated[Principal, Depends(require("settings:write"))]


def _redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


RedisDep = Annotated[Redis, Depends(_redis)]
LOCK = "/v1/conversations/{conversation_id}/draft-lock"


@router.get("/v1/draft-lock/settings", response_model=DraftLockSettingsRead)
async def get_draft_lock_settings(session: SessionDep, principal: Reader) -> DraftLockSettingsRead:
    """Whether agents take a soft lock on a conversation while drafting, and how long a lock outlives
    its holder's last keystroke. Every agent may read it: the composer takes locks only when on."""
    return await service.read_settings(session, principal.organization_id)


@router.put("/v1/draft-lock/settings", response_model=DraftLockSettingsRead)
async def put_draft_lock_settings(
    body: DraftLockSettingsUpdate, session: SessionDep, principal: Admin
) -> DraftLockSettingsRead:
    """Turn soft draft locks on or off and set their time-out (30–900 s). Audited."""
    return await service.update_settings(session, principal, body)


@router.get(LOCK, response_model=DraftLockRead, responses=problem_responses(404, 503))
async def get_draft_lock(
    conversation_id: uuid.UUID, session: SessionDep, principal: Reader, redis: RedisDep
) -> DraftLockRead:
    """Who is drafting a reply in the conversation now (null when nobody, or when locks are off)."""
    return await service.get(session, redis, principal, conversation_id)


@router.post(LOCK, response_model=DraftLockRead, responses=problem_responses(404, 409, 503))
async def take_draft_lock(
    conversation_id: uuid.UUID, session: SessionDep, principal: Writer, redis: RedisDep
) -> DraftLockRead:
    """Take the soft lock while drafting a reply (renews it when you already hold it). 409 naming the
    holder when a colleague has it, or when locks are off. It is released when you send, when you
    `DELETE` it (leaving the conversation) or by itself after the organization's time-out."""
    return await service.take(session, redis, principal, conversation_id)


@router.put(LOCK, response_model=DraftLockRead, responses=problem_responses(404, 409, 503))
async def renew_draft_lock(
    conversation_id: uuid.UUID, session: SessionDep, principal: Writer, redis: RedisDep
) -> DraftLockRead:
    """Extend your own lock by the time-out. 409 when you no longer hold it (it expired, or a
    supervisor took it over): never re-taken silently."""
    return await service.renew(session, redis, principal, conversation_id)


@router.delete(LOCK, status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 503))
async def release_draft_lock(
    conversation_id: uuid.UUID, session: SessionDep, principal: Writer, redis: RedisDep
) -> Response:
    """Release your own lock (a lock held by someone else is left alone)."""
    await service.release(session, redis, principal, conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(f"{LOCK}/take-over", response_model=DraftLockRead, responses=problem_responses(404, 409, 503))
async def take_over_draft_lock(
    conversation_id: uuid.UUID, session: SessionDep, principal: Writer, redis: RedisDep
) -> DraftLockRead:
    """Supervisors and admins: take the lock from whoever holds it (audited, with whom it was taken
    from); the previous holder's workspace shows the change live."""
    return await service.take_over(session, redis, principal, conversation_id)
