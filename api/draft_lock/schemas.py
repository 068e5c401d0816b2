from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.kit.schema import RequestModel, ResponseModel

TTL_MIN, TTL_MAX = 30, 900


class DraftLockSettingsRead(ResponseModel):
    enabled: bool = Field(description="Whether agents take a soft lock on a conversation while drafting a reply")
    ttl_seconds: int = Field(description="How long a lock outlives its holder's last keystroke")


class DraftLockSettingsUpdate(RequestModel):
    enabled: bool
    ttl_seconds: int = Field(default=120, ge=TTL_MIN, le=TTL_MAX)


class LockHolder(ResponseModel):
    user_id: uuid.UUID
    name: str
    expires_at: datetime


class DraftLockRead(ResponseModel):
    conversation_id: uuid.UUID
    enabled: bool = Field(description="Draft locks are on in this organization")
    ttl_seconds: int
    holder: LockHolder | None = Field(description="Who is drafting a reply now; null when nobody holds the lock")
    mine: bool = Field(description="The caller holds the lock")
