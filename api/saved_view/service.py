"""Saved views: who may see, share and delete them; the ids they name belong to the caller's organization."""

from __future__ import annotations

import uuid

from api import audit
from api.auth.principal import Principal
from api.channel import repository as channel_repository
from api.db import Session
from api.kit.errors import Forbidden, InvalidInput, NotFound, field_error
from api.models import SavedView
from api.saved_view import repository
from api.saved_view.schemas import SavedViewCreate
from api.team import repository as team_repository


def person(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Forbidden("Saved views belong to people; sign in as a user.")
    return principal.user_id


async def create(session: Session, principal: Principal, data: SavedViewCreate) -> SavedView:
    """Members share with their own teams; supervisors and admins (settings:write) with any team."""
    user_id = person(principal)
    org = principal.organization_id
    if data.query.channel_id is not None:
        try:
            await channel_repository.get(session, org, data.query.channel_id)
        except NotFound as exc:
            raise InvalidInput(
                f"No channel {data.query.channel_id}.", errors=field_error("body.query.channel_id", "no such channel")
            ) from exc
    if data.query.team_id is not None:
        await team_repository.get(session, org, data.query.team_id, field="body.query.team_id")
    if data.team_id is not None:
        await team_repository.get(session, org, data.team_id, field="body.team_id")
        if not principal.has("settings:write") and not await repository.is_member(session, org, data.team_id, user_id):
            raise InvalidInput(
                "You can share a view only with a team you belong to.",
                errors=field_error("body.team_id", "not a member of this team"),
            )
    row = SavedView(
        id=uuid.uuid4(),
        organization_id=org,
        owner_user_id=user_id,
        team_id=data.team_id,
        name=data.name.strip() or data.name,
        query=data.query.model_dump(mode="json", exclude_none=True),
    )
    await repository.add(session, row)
    audit.record(session, principal, org, "saved_view.created", "saved_view", row.id, {"name": row.name})
    return row


async def delete(session: Session, principal: Principal, view_id: uuid.UUID) -> None:
    """Only the owner deletes; a view the caller cannot see is not found."""
    user_id = person(principal)
    row = await repository.get(session, principal.organization_id, view_id)
    if row.owner_user_id != user_id:
        visible = {v.id for v in await repository.visible_to(session, principal.organization_id, user_id)}
        if row.id not in visible:
            raise NotFound(f"No saved view {view_id}.")
        raise Forbidden("Only the person who saved this view can delete it.")
    await repository.remove(session, row)
    audit.record(
        session, principal, principal.organization_id, "saved_view.deleted", "saved_view", row.id, {"name": row.name}
    )
