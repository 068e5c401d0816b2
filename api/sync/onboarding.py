"""Connecting a store: settings and credentials checked per marketplace, then one cheap call to the
marketplace with them; and the sync status a channel shows (last success, lag, backlog, last error)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from api.channel.connectors.base import AuthError, ConnectorError, HostRefused, Permanent, in_our_words
from api.channel.connectors.registry import build, connector_class
from api.channel.connectors.window import parse_time
from api.db import Session
from api.kit.errors import FieldError, InvalidInput
from api.kit.outbound import OutboundPolicy
from api.kit.time import utc_now
from api.models import Channel
from api.sync import delivery, repository

NAMES = {"ebay": "eBay", "shopee": "Shopee", "tiktok": "TikTok Shop", "amazon": "Amazon", "walmart": "Walmart"}
CHECK_TIMEOUT = 15.0


@dataclass
class CheckResult:
    credentials: dict[str, Any]
    account: str | None = None
    warning: str | None = None


async def check(
    marketplace: str,
    settings: dict[str, Any],
    credentials: dict[str, Any],
    *,
    verify: bool,
    outbound: OutboundPolicy | None = None,
) -> CheckResult | None:
    """Validate the shape (422 listing each field), then, with `verify`, check every host the
    settings name against the outbound policy (a refused one is a 422 naming the setting; nothing is
    contacted) and ask the marketplace: refused credentials are a 422; an unreachable marketplace is
    not the user's fault, so the channel is saved with the warning in its sync status and syncing
    starts when the marketplace answers. What the far side said never reaches the response, only
    which check failed, in our words: a host pointed at an internal service would read it back."""
    cls = connector_class(marketplace)
    if cls is None or not credentials:
        return None
    problems = cls.validate(settings, credentials)
    if problems:
        raise InvalidInput(
            "Settings or credentials are incomplete for this marketplace.",
            errors=[FieldError(field=f"body.{name}", reason=reason) for name, reason in problems],
        )
    if not verify:
        return CheckResult(credentials=dict(credentials))
    timeout = min(float(settings.get("timeout_seconds", CHECK_TIMEOUT)), CHECK_TIMEOUT)
    connector = build(marketplace, {**settings, "timeout_seconds": timeout}, credentials, outbound=outbound)
    name = NAMES.get(marketplace, marketplace)
    try:
        await connector.check_destinations()
        info = await connector.check_credentials()
    except HostRefused as exc:
        field = f"body.{exc.setting}" if exc.setting else "body.settings"
        raise InvalidInput(
            f"Hourglass will not connect there: {exc.message}.",
            errors=[FieldError(field=field, reason=f"refused: {exc.message}")],
        ) from None
    except (AuthError, Permanent) as exc:
        words = in_our_words(exc, name)
        raise InvalidInput(
            f"{name} refused these credentials: {words}.",
            errors=[FieldError(field="body.credentials", reason=words)],
        ) from None
    except ConnectorError as exc:
        return CheckResult(
            credentials=dict(credentials), warning=f"Credentials not verified yet: {in_our_words(exc, name)}"
        )
    finally:
        await connector.aclose()
    kept = {k: v for k, v in connector.credentials.items() if not k.startswith("_")}
    account = info.get("account")
    return CheckResult(credentials=kept, account=str(account) if account else None)


def has_connector(channel: Channel) -> bool:
    return connector_class(channel.marketplace) is not None and bool(channel.credentials_encrypted)


async def backlogs(session: Session, channels: list[Channel]) -> dict[uuid.UUID, dict[str, int]]:
    ids = [c.id for c in channels if has_connector(c)]
    if not ids:
        return {}
    organization_id = channels[0].organization_id
    counts = await delivery.backlog(session, organization_id, ids)
    for channel_id, count in await repository.pending_pushes_by_channel(session, organization_id, ids):
        counts[channel_id]["pending"] = count
    return counts


def status_fields(channel: Channel, backlog: dict[str, int] | None, public_url: str | None) -> dict[str, Any]:
    """The computed part of a channel's sync status."""
    state: dict[str, Any] = dict(channel.sync_cursor or {})
    now = utc_now()
    reconnect = state.get("reconnect") if isinstance(state.get("reconnect"), dict) else None
    if channel.status != "active":
        kind = "disabled"
    elif not has_connector(channel):
        kind = "not_synced"
    elif reconnect is not None:
        kind = "reconnect"
    elif channel.last_sync_at is None and channel.last_sync_error_at is None:
        kind = "waiting"
    elif channel.last_sync_error_at and (
        channel.last_sync_at is None or channel.last_sync_error_at > channel.last_sync_at
    ):
        kind = "failing"
    else:
        kind = "ok"
    backlog = backlog or {}
    cls = connector_class(channel.marketplace)
    push_url = None
    if cls is not None and cls.supports_push and public_url:
        push_url = f"{public_url.rstrip('/')}/v1/hooks/{channel.marketplace}/{channel.id}"
    return {
        "state": kind,
        "reconnect": {
            "missing_scopes": list(reconnect.get("scopes") or []),
            "reason": str(reconnect.get("reason") or ""),
            "since": parse_time(reconnect.get("since")),
        }
        if kind == "reconnect" and reconnect is not None
        else None,
        "lag_seconds": round((now - channel.last_sync_at).total_seconds(), 1) if channel.last_sync_at else None,
        "next_poll_at": parse_time(state.get("next_poll_at"))
        if kind not in ("disabled", "not_synced", "reconnect")
        else None,
        "consecutive_failures": int(state.get("failures") or 0),
        "backlog": {
            "pending_pushes": backlog.get("pending", 0),
            "queued_replies": backlog.get("queued", 0),
            "sending_replies": backlog.get("sending", 0),
            "failed_replies": backlog.get("failed", 0),
        },
        "push_url": push_url,
        "response_rate": state.get("response_rate"),
    }
