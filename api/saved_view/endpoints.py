"""Saved views: an inbox list (view, filters, sort) under a name, personal or shared with a team."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.models import SavedView
from api.saved_view import repository, service
from api.saved_view.schemas import SavedViewCreate, SavedViewRead

router = APIRouter(prefix="/v1/saved-views", tags=["saved views"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]


def _read(row: SavedView, user_id: uuid.UUID) -> SavedViewRead:
    return SavedViewRead.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "query": row.query,
            "owner_user_id": row.owner_user_id,
            "team_id": row.team_id,
            "mine": row.owner_user_id == user_id,
            "created_at": row.created_at,
        }
    )


@router.get("", response_model=list[SavedViewRead])
async def list_saved_views(session: SessionDep, principal: Reader) -> list[SavedViewRead]:
    """Your saved views and the ones shared with your teams, by name."""
    user_id = service.person(principal)
    return [_read(v, user_id) for v in await repository.visible_to(session, principal.organization_id, user_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SavedViewRead)
async def create_saved_view(body: SavedViewCreate, session: SessionDep, principal: Reader) -> SavedViewRead:
    """Save an inbox list under a name. With `team_id` every member of that team sees it (share
    with a team you belong to; supervisors and admins with any team); without, only you do."""
    return _read(await service.create(session, principal, body), service.person(principal))


@router.delete("/{view_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
async def delete_saved_view(view_id: uuid.UUID, session: SessionDep, principal: Reader) -> Response:
    """Delete one of your saved views (a view shared with you can only be deleted by its owner)."""
    await service.delete(session, principal, view_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
