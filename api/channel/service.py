"""Channels: store accounts on marketplaces. Credentials are encrypted at rest and never read back."""

from __future__ import annotations

import uuid
from typing import Any

from api import audit
from api.auth.principal import Principal
from api.channel import repository
from api.channel.schemas import ChannelCreate, ChannelRead, ChannelUpdate, SyncStatus
from api.db import Session
from api.kit.crypto import CredentialCipher
from api.kit.errors import Conflict, InvalidInput, field_error
from api.kit.outbound import OutboundPolicy
from api.kit.time import utc_now
from api.kit.usage import Usage, UsedBy, refuse_if_used, usage
from api.models import AssignmentRule, AutoReplyRule, Channel, SlaPolicy
from api.sync import onboarding
from api.sync import state as sync_state
from api.team import repository as team_repository


def to_read(channel: Channel, backlog: dict[str, int] | None = None, public_url: str | None = None) -> ChannelRead:
    sync = SyncStatus.model_validate(
        {
            "last_sync_at": channel.last_sync_at,
            "last_sync_error": channel.last_sync_error,
            "last_sync_error_at": channel.last_sync_error_at,
            **onboarding.status_fields(channel, backlog, public_url),
        }
    )
    return ChannelRead(
        id=channel.id,
        marketplace=channel.marketplace,  # type: ignore[arg-type]
        name=channel.name,
        external_account_id=channel.external_account_id,
        region=channel.region,
        settings=channel.settings or {},
        status=channel.status,  # type: ignore[arg-type]
        has_credentials=bool(channel.credentials_encrypted),
        default_team_id=channel.default_team_id,
        created_at=channel.created_at,
        updated_at=channel.updated_at,
        disabled_at=channel.disabled_at,
        sync=sync,
    )


async def create(
    session: Session,
    principal: Principal,
    data: ChannelCreate,
    cipher: CredentialCipher,
    outbound: OutboundPolicy | None = None,
) -> Channel:
    if data.default_team_id:
        await team_repository.get(session, principal.organization_id, data.default_team_id, field="default_team_id")
    checked = await onboarding.check(
        data.marketplace, data.settings, data.credentials or {}, verify=data.verify, outbound=outbound
    )
    credentials = checked.credentials if checked else data.credentials
    channel = Channel(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        marketplace=data.marketplace,
        name=data.name,
        external_account_id=data.external_account_id or (checked.account if checked else None),
        region=data.region,
        settings=data.settings,
        credentials_encrypted=cipher.encrypt(credentials) if credentials else None,
        default_team_id=data.default_team_id,
        status="active",
        # A connector channel is due for its first poll at once.
        sync_cursor={"next_poll_at": utc_now().isoformat()} if checked else {},
        last_sync_error=checked.warning if checked else None,
        last_sync_error_at=utc_now() if checked and checked.warning else None,
    )
    session.add(channel)
    await session.flush()
    await session.refresh(channel)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "channel.created",
        "channel",
        channel.id,
        {"marketplace": channel.marketplace, "name": channel.name},
    )
    return channel


async def update(
    session: Session,
    principal: Principal,
    channel_id: uuid.UUID,
    data: ChannelUpdate,
    cipher: CredentialCipher,
    outbound: OutboundPolicy | None = None,
) -> Channel:
    channel = await repository.get(session, principal.organization_id, channel_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("default_team_id"):
        await team_repository.get(
            session, principal.organization_id, changes["default_team_id"], field="default_team_id"
        )
    moved = endpoint_changes(channel.settings or {}, changes.get("settings"))
    if moved and channel.credentials_encrypted and changes.get("credentials") is None:
        # Otherwise anyone allowed to edit a channel could point it at their own host and have the
        # stored secrets (which are never shown) sent there by the credential check.
        raise InvalidInput(
            "Changing where the channel connects requires entering its credentials again.",
            errors=field_error("body.credentials", f"required when {', '.join(moved)} change"),
        )
    audited: dict[str, Any] = {}
    for field in ("name", "external_account_id", "region", "settings", "default_team_id"):
        if field in changes:
            setattr(channel, field, changes[field])
            audited[field] = str(changes[field]) if field != "settings" else "changed"
    new_credentials = changes.get("credentials")
    if new_credentials is not None or ("settings" in changes and channel.credentials_encrypted):
        credentials = new_credentials if new_credentials is not None else cipher.decrypt(channel.credentials_encrypted)
        checked = await onboarding.check(
            channel.marketplace, dict(channel.settings or {}), credentials, verify=data.verify, outbound=outbound
        )
        if checked is not None:
            new_credentials = checked.credentials if new_credentials is not None else None
            if checked.warning:
                channel.last_sync_error, channel.last_sync_error_at = checked.warning, utc_now()
            await sync_state.patch(session, channel.id, {"next_poll_at": utc_now().isoformat(), "failures": 0})
    if new_credentials is not None:
        channel.credentials_encrypted = cipher.encrypt(new_credentials)
        audited["credentials"] = "replaced"
        # Reconnected: whatever permission was missing is the new credentials' to prove (the check
        # above refused them if the marketplace still says so), and polling resumes now.
        await sync_state.patch(session, channel.id, {"reconnect": None, "next_poll_at": utc_now().isoformat()})
    if "status" in changes and changes["status"] != channel.status:
        set_status(channel, changes["status"])
        audited["status"] = changes["status"]
    await session.flush()
    await session.refresh(channel)
    audit.record(session, principal, principal.organization_id, "channel.updated", "channel", channel.id, audited)
    return channel


def endpoint_changes(old: dict[str, Any], new: dict[str, Any] | None) -> list[str]:
    """Settings that decide where credentials are sent (hosts, ports, URLs, TLS) and differ."""
    if new is None:
        return []
    keys = {k for k in (*old, *new) if k.endswith(("_url", "_host", "_port", "_tls", "_security"))}
    return sorted(k for k in keys if old.get(k) != new.get(k))


def set_status(channel: Channel, status: str) -> None:
    channel.status = status
    channel.disabled_at = utc_now() if status == "disabled" else None


async def disable(session: Session, principal: Principal, channel_id: uuid.UUID) -> Channel:
    channel = await repository.get(session, principal.organization_id, channel_id)
    if channel.status != "disabled":
        set_status(channel, "disabled")
        await session.flush()
        await session.refresh(channel)
        audit.record(session, principal, principal.organization_id, "channel.disabled", "channel", channel.id)
    return channel


async def request_sync(session: Session, principal: Principal, channel_id: uuid.UUID) -> Channel:
    """Make the channel due for a poll now; a worker picks it up within a second."""
    channel = await repository.get(session, principal.organization_id, channel_id)
    if not onboarding.has_connector(channel):
        raise Conflict("This channel has no marketplace connector (or no credentials) to sync with.")
    if channel.status != "active":
        raise Conflict("The channel is disabled; enable it to sync.")
    # Asked for explicitly, a sync also retries a channel waiting for a reconnect (the permission may
    # have been granted meanwhile; if not, the poll puts the channel back in that state).
    await sync_state.patch(session, channel.id, {"next_poll_at": utc_now().isoformat(), "reconnect": None})
    audit.record(session, principal, principal.organization_id, "channel.sync_requested", "channel", channel.id)
    await session.flush()
    await session.refresh(channel)
    return channel


def delivered_by_erp(channel: Channel) -> bool:
    """Replies on `api` channels, and on channels without connector credentials, are collected and
    confirmed by the ERP through the REST API; the others are delivered by the sync workers."""
    return channel.marketplace == "api" or not channel.credentials_encrypted


async def channel_usage(session: Session, channel: Channel) -> Usage:
    """What uses a store: its conversations (a store with conversations is disabled, never deleted:
    their history and clocks stay), and the rules and policies whose conditions name it."""
    org = channel.organization_id
    found: list[UsedBy] = []
    conversations = await repository.conversation_count(session, org, channel.id)
    if conversations:
        found.append(UsedBy(kind="conversations", name="conversations", count=int(conversations)))
    named = {"channel_ids": [str(channel.id)]}
    for kind, model in (
        ("automation_rule", AutoReplyRule),
        ("assignment_rule", AssignmentRule),
        ("sla_policy", SlaPolicy),
    ):
        rows = await repository.rules_whose_conditions_contain(session, org, model, named)
        found += [UsedBy(kind=kind, id=str(i), name=n) for i, n in rows]
    hint = "Disable the store instead: its conversations stay and syncing stops." if conversations else None
    if found and not conversations:
        hint = "Remove the store from these rules' and policies' conditions first."
    return usage(found, hint)


async def delete(session: Session, principal: Principal, channel_id: uuid.UUID) -> None:
    channel = await repository.get(session, principal.organization_id, channel_id)
    refuse_if_used("The store", await channel_usage(session, channel))
    details = {"marketplace": channel.marketplace, "name": channel.name}
    await session.delete(channel)
    await session.flush()
    audit.record(session, principal, principal.organization_id, "channel.deleted", "channel", channel_id, details)
