from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from api.kit.schema import RequestModel, ResponseModel

Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


def _cap_json(value: dict[str, Any], limit: int, what: str) -> dict[str, Any]:
    if len(json.dumps(value)) > limit:
        raise ValueError(f"{what} must serialise to at most {limit} bytes")
    return value


class ChannelCreate(RequestModel):
    marketplace: Marketplace
    name: str = Field(min_length=1, max_length=200)
    external_account_id: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=10)
    settings: dict[str, Any] = Field(default_factory=dict, description="Connector settings (base URL, hosts...).")
    credentials: dict[str, str] | None = Field(
        default=None, description="Marketplace credentials; encrypted at rest and never returned."
    )
    default_team_id: uuid.UUID | None = None

    @field_validator("settings")
    @classmethod
    def _settings_size(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _cap_json(v, 16_384, "settings")

    @field_validator("credentials")
    @classmethod
    def _credentials_size(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _cap_json(v, 16_384, "credentials") if v is not None else v


class ChannelUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    external_account_id: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=10)
    settings: dict[str, Any] | None = None
    credentials: dict[str, str] | None = None
    default_team_id: uuid.UUID | None = None
    status: Literal["active", "disabled"] | None = None

    @field_validator("settings")
    @classmethod
    def _settings_size(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return _cap_json(v, 16_384, "settings") if v is not None else v


class SyncStatus(ResponseModel):
    last_sync_at: datetime | None
    last_error: str | None = Field(validation_alias="last_sync_error")
    last_error_at: datetime | None = Field(validation_alias="last_sync_error_at")


class ChannelRead(ResponseModel):
    id: uuid.UUID
    marketplace: Marketplace
    name: str
    external_account_id: str | None
    region: str | None
    settings: dict[str, Any]
    status: Literal["active", "disabled"]
    has_credentials: bool
    default_team_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None
    sync: SyncStatus


class ChannelList(ResponseModel):
    items: list[ChannelRead]
