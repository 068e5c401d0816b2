from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from api.kit.schema import PatchModel, RequestModel, ResponseModel

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
    verify: bool = Field(
        default=True,
        description="Check the credentials with one call to the marketplace before saving (refused with 422 "
        "when the marketplace rejects them). False stores them unchecked.",
    )

    @field_validator("settings")
    @classmethod
    def _settings_size(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _cap_json(v, 16_384, "settings")

    @field_validator("credentials")
    @classmethod
    def _credentials_size(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _cap_json(v, 16_384, "credentials") if v is not None else v


class ChannelUpdate(PatchModel):
    clearable = frozenset({"external_account_id", "region", "default_team_id"})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    external_account_id: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=10)
    settings: dict[str, Any] | None = None
    credentials: dict[str, str] | None = None
    default_team_id: uuid.UUID | None = None
    status: Literal["active", "disabled"] | None = None
    verify: bool = Field(default=True, description="Check changed credentials or settings with the marketplace.")

    @field_validator("settings")
    @classmethod
    def _settings_size(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return _cap_json(v, 16_384, "settings") if v is not None else v


class SyncBacklog(ResponseModel):
    pending_pushes: int = Field(0, description="Marketplace pushes stored and not yet processed")
    queued_replies: int = Field(0, description="Replies waiting for delivery (including retries)")
    sending_replies: int = 0
    failed_replies: int = Field(0, description="Replies that failed for good (the Failed view)")


class ReconnectNeeded(ResponseModel):
    """The marketplace accepted the credentials but they lack a permission: the seller must reconnect
    the store granting it. Syncing is stopped until then."""

    missing_scopes: list[str] = Field(
        description="The permissions (OAuth scopes) to grant, e.g. "
        "https://api.ebay.com/oauth/api_scope/commerce.message"
    )
    reason: str = Field(description="What failed, in Hourglass's words")
    since: datetime | None = Field(None, description="When the missing permission was first seen")


class SyncStatus(ResponseModel):
    last_sync_at: datetime | None = Field(description="Last successful poll or fetch")
    last_error: str | None = Field(validation_alias="last_sync_error")
    last_error_at: datetime | None = Field(validation_alias="last_sync_error_at")
    state: Literal["ok", "failing", "reconnect", "waiting", "not_synced", "disabled"] = Field(
        "not_synced",
        description="`ok`: the last attempt succeeded; `failing`: it failed (see last_error); `reconnect`: "
        "the credentials lack a permission (see `reconnect`), syncing stopped until the channel's "
        "credentials are replaced; `waiting`: never synced yet; `not_synced`: no connector (ERP-fed "
        "channel); `disabled`.",
    )
    reconnect: ReconnectNeeded | None = Field(
        None, description="Set in state `reconnect`: which permissions to grant when reconnecting"
    )
    lag_seconds: float | None = Field(None, description="Seconds since the last successful sync")
    next_poll_at: datetime | None = None
    consecutive_failures: int = 0
    backlog: SyncBacklog = Field(default_factory=SyncBacklog)
    push_url: str | None = Field(None, description="Where to point the marketplace's pushes (webhooks)")
    response_rate: dict[str, Any] | None = Field(
        None, description="The marketplace's own response-rate figure beside Hourglass's (Walmart SRR)"
    )


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


class ProactiveMessageTypes(ResponseModel):
    order_id: str
    message_types: list[str] = Field(description="What Amazon offers for this order now (e.g. confirmDeliveryDetails)")


class ProactiveMessageCreate(RequestModel):
    message_type: str = Field(
        min_length=1, max_length=60, pattern=r"^[A-Za-z]+$", description="One of the order's message types"
    )
    text: str = Field(min_length=1, max_length=2000)


class ProactiveMessageSent(ResponseModel):
    order_id: str
    message_type: str
    status: Literal["sent"]


class ConnectStarted(ResponseModel):
    marketplace: Literal["ebay", "shopee", "tiktok", "amazon"]
    authorize_url: str = Field(description="The marketplace's consent page: send the seller's browser there")
    expires_in: int = Field(description="Seconds the consent may take before it must be started again")


class ConnectOptions(ResponseModel):
    consent: list[Literal["ebay", "shopee", "tiktok", "amazon"]] = Field(
        description="Marketplaces this Hourglass connects through their own consent page (its apps are configured)"
    )


class ChannelTest(RequestModel):
    """Values typed in the connect form, tested before anything is saved."""

    marketplace: Marketplace
    settings: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, str] = Field(default_factory=dict)

    @field_validator("settings")
    @classmethod
    def _settings_size(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _cap_json(v, 16_384, "settings")

    @field_validator("credentials")
    @classmethod
    def _credentials_size(cls, v: dict[str, str]) -> dict[str, str]:
        return _cap_json(v, 16_384, "credentials")  # type: ignore[arg-type]


class ConnectionCheck(ResponseModel):
    name: Literal["fields", "api", "imap", "smtp"] = Field(
        description="`fields`: the form itself; `api`: the marketplace API's credentials or token; `imap`: the "
        "mailbox login; `smtp`: connect, EHLO, STARTTLS and login at the mail relay (no mail is sent)"
    )
    ok: bool
    reason: Literal[
        "ok",
        "fields",
        "no_connector",
        "refused_host",
        "unreachable",
        "timeout",
        "tls",
        "no_starttls",
        "login_refused",
        "refused",
        "rejected",
        "failed",
    ] = Field(description="What failed, as a code the SPA words in the user's language")
    message: str = Field(description="What failed (or passed), in plain English words")
    target: str | None = Field(None, description="host:port checked, for the mail servers")


class ConnectionTest(ResponseModel):
    ok: bool = Field(description="Every check passed")
    checks: list[ConnectionCheck]
