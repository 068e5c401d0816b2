from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from api.auth.principal import SCOPES
from api.kit.schema import PatchModel, RequestModel, ResponseModel

Role = Literal["agent", "supervisor", "admin"]
Presence = Literal["online", "away", "offline"]


class LoginRequest(RequestModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    organization: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Organization slug; needed only when the email and password open accounts in several",
    )


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(
        min_length=10, max_length=1024, description="Judged by a strength estimator (zxcvbn); weak ones get 422"
    )


class UserRead(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    name: str
    role: Role
    status: Presence
    capacity: int
    locale: str
    is_active: bool
    created_at: datetime
    assign_on_reply: bool = Field(description="A reply by this person to an unassigned conversation assigns it to them")


class LoginResponse(ResponseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; also used for the WebSocket")
    expires_at: datetime
    user: UserRead


class Me(ResponseModel):
    organization_id: uuid.UUID
    user: UserRead | None
    api_key_id: uuid.UUID | None
    scopes: list[str]


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES))
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=100_000)

    @field_validator("scopes")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in SCOPES]
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
        return sorted(set(v))


class ApiKeyRead(ResponseModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret key. Shown once: store it now.")


class UserCreate(RequestModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Role = "agent"
    password: str = Field(
        min_length=10, max_length=1024, description="Judged by a strength estimator (zxcvbn); weak ones get 422"
    )
    capacity: int = Field(default=20, ge=0, le=1000)
    locale: Literal["en", "zh-CN"] = "en"


class UserUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    capacity: int | None = Field(default=None, ge=0, le=1000)
    locale: Literal["en", "zh-CN"] | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1024)


class PresenceUpdate(RequestModel):
    status: Presence


class PreferencesUpdate(PatchModel):
    assign_on_reply: bool | None = Field(
        default=None, description="Replying to an unassigned conversation assigns it to me"
    )


class TeamCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class TeamUpdate(PatchModel):
    clearable = frozenset({"calendar_id"})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    assignment_strategy: Literal["load_balanced", "round_robin"] | None = None
    calendar_id: uuid.UUID | None = None
    member_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)


class TeamRead(ResponseModel):
    id: uuid.UUID
    name: str
    assignment_strategy: str = "load_balanced"
    calendar_id: uuid.UUID | None = None
    member_ids: list[uuid.UUID]
    created_at: datetime
