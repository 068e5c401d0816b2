from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.channel import repository, service
from api.channel.schemas import ChannelCreate, ChannelList, ChannelRead, ChannelUpdate
from api.db import SessionDep
from api.kit.errors import problem_responses

router = APIRouter(prefix="/v1/channels", tags=["channels"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("channels:read"))]
Writer = Annotated[Principal, Depends(require("channels:write"))]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ChannelRead)
async def create_channel(body: ChannelCreate, request: Request, session: SessionDep, principal: Writer) -> ChannelRead:
    """Connect a store account on a marketplace (or an `api` channel whose messages an ERP pushes).

    Credentials are encrypted at rest and never returned; `has_credentials` tells whether some are set.
    """
    channel = await service.create(session, principal, body, request.app.state.cipher)
    return service.to_read(channel)


@router.get("", response_model=ChannelList)
async def list_channels(session: SessionDep, principal: Reader) -> ChannelList:
    """All channels of the organization, oldest first, with their sync status."""
    channels = await repository.list_all(session, principal.organization_id)
    return ChannelList(items=[service.to_read(c) for c in channels])


@router.get("/{channel_id}", response_model=ChannelRead, responses=problem_responses(404))
async def get_channel(channel_id: uuid.UUID, session: SessionDep, principal: Reader) -> ChannelRead:
    """One channel with its sync status (last success, last error)."""
    return service.to_read(await repository.get(session, principal.organization_id, channel_id))


@router.patch("/{channel_id}", response_model=ChannelRead, responses=problem_responses(404))
async def update_channel(
    channel_id: uuid.UUID, body: ChannelUpdate, request: Request, session: SessionDep, principal: Writer
) -> ChannelRead:
    """Rename, re-configure, replace credentials, or re-enable a channel. Only the fields sent change."""
    channel = await service.update(session, principal, channel_id, body, request.app.state.cipher)
    return service.to_read(channel)


@router.post("/{channel_id}/disable", response_model=ChannelRead, responses=problem_responses(404))
async def disable_channel(channel_id: uuid.UUID, session: SessionDep, principal: Writer) -> ChannelRead:
    """Stop syncing a channel. Its conversations stay; pushes to it are refused until it is re-enabled."""
    return service.to_read(await service.disable(session, principal, channel_id))
