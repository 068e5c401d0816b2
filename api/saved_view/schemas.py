from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from api.conversation.schemas import Category, Priority, Status, View
from api.kit.schema import RequestModel, ResponseModel

Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


class SavedQuery(RequestModel):
    """The inbox list a saved view replays: the parameters of `GET /v1/conversations`."""

    view: View = "all"
    sort: Literal["last_message", "deadline"] | None = Field(default=None, description="None: the view's default")
    marketplace: Marketplace | None = None
    channel_id: uuid.UUID | None = None
    assignee: str | None = Field(default=None, max_length=40, description="A user id, `me` or `none`")
    team_id: uuid.UUID | None = None
    status: Status | None = None
    category: Category | None = None
    priority: Priority | None = None
    sla_state: Literal["none", "ok", "due_soon", "overdue"] | None = None
    label: str | None = Field(default=None, max_length=64)
    q: str | None = Field(default=None, min_length=1, max_length=200)


class SavedViewCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    query: SavedQuery
    team_id: uuid.UUID | None = Field(
        default=None, description="Share with this team (you must be a member); omit to keep the view to yourself"
    )


class SavedViewRead(ResponseModel):
    id: uuid.UUID
    name: str
    query: SavedQuery
    owner_user_id: uuid.UUID
    team_id: uuid.UUID | None = Field(description="The team the view is shared with; null when personal")
    mine: bool = Field(description="The caller owns the view (and may delete it)")
    created_at: datetime
