"""Connecting a store through the marketplace's consent page: start (a consent URL with our signed,
single-use state) and callback (state checked and spent, code exchanged at the marketplace's token
endpoint through the outbound policy, tokens encrypted, channel created or updated).

The callback is a browser redirect from the marketplace: it carries no bearer token, so who is
connecting comes from the state alone (signed by us, bound to the organization and the user), and
the user is read again (still active, still in that organization, still allowed to edit channels).
Every failure ends as a redirect to the SPA with a reason code the SPA puts in plain words; the far
side's own text never reaches the browser (a token endpoint pointed at an internal host would read
it back).
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from redis.asyncio import Redis

from api import audit
from api.auth.principal import ROLE_SCOPES, Principal
from api.channel import authorize, repository
from api.channel.authorize import ConnectState, StateError
from api.db import Session
from api.kit.crypto import CredentialCipher
from api.kit.errors import HourglassError, InvalidInput, field_error
from api.kit.outbound import OutboundPolicy, OutboundRefused, outbound_client
from api.kit.time import utc_now
from api.models import Channel
from api.sync import onboarding
from api.user import repository as user_repository

log = logging.getLogger(__name__)

EXCHANGE_TIMEOUT = 15.0
_NONCE_KEY = "hourglass:channel-connect:{}"


class ConnectFailed(Exception):
    """The callback cannot connect the store; `reason` is the code the SPA shows in words, `code` the
    marketplace's error code when it gave one that is safe to show."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Started:
    authorize_url: str
    expires_in: int


@dataclass(frozen=True)
class Exchanged:
    settings: dict[str, Any]
    credentials: dict[str, str]


async def start(
    redis: Redis,
    principal: Principal,
    marketplace: str,
    apps: Mapping[str, Mapping[str, Any]],
    secret: str,
    public_url: str,
    channel: Channel | None = None,
) -> Started:
    """`channel`: the store the consent authorizes (Amazon SP-API on its relay channel, or
    reconnecting a store); None connects a new one."""
    if marketplace not in authorize.OAUTH_MARKETPLACES:
        raise InvalidInput(
            "This marketplace is connected with its form, not a consent page.",
            errors=field_error("path.marketplace", f"one of {', '.join(authorize.OAUTH_MARKETPLACES)}"),
        )
    app = authorize.app_config(apps, marketplace)
    if app is None:
        raise InvalidInput(
            "This Hourglass has no app registered with that marketplace (HOURGLASS_CONNECT_APPS).",
            errors=field_error("path.marketplace", "no marketplace app configured"),
        )
    if principal.user_id is None:
        # The consent is a person's: the marketplace asks them to sign in.
        raise InvalidInput(
            "Connecting a store through the marketplace's consent page needs a signed-in person, not an API key.",
            errors=field_error("header.authorization", "a user session is required"),
        )
    if channel is not None and channel.marketplace != marketplace:
        raise InvalidInput(
            "That channel is on another marketplace.",
            errors=field_error("query.channel_id", f"not a {onboarding.NAMES.get(marketplace, marketplace)} channel"),
        )
    if channel is None and marketplace in authorize.CHANNEL_BOUND:
        raise InvalidInput(
            "Amazon buyer messages come through its mail relay: connect the store with its relay form "
            "first, then authorize SP-API for that channel.",
            errors=field_error("query.channel_id", "required: the Amazon channel to authorize"),
        )
    now = int(time.time())
    nonce = secrets.token_urlsafe(18)
    state = ConnectState(
        marketplace=marketplace,
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        nonce=nonce,
        expires_at=now + authorize.STATE_TTL_SECONDS,
        channel_id=channel.id if channel is not None else None,
    )
    await redis.set(_NONCE_KEY.format(nonce), marketplace, ex=authorize.STATE_TTL_SECONDS)
    token = authorize.sign_state(secret, state)
    return Started(authorize.consent_url(marketplace, app, token, public_url, now), authorize.STATE_TTL_SECONDS)


async def callback(
    session: Session,
    redis: Redis,
    marketplace: str,
    query: Mapping[str, str],
    *,
    apps: Mapping[str, Mapping[str, Any]],
    secret: str,
    cipher: CredentialCipher,
    outbound: OutboundPolicy,
    public_url: str = "",
) -> Channel:
    """The store connected (its channel created or updated), or ConnectFailed."""
    if marketplace not in authorize.OAUTH_MARKETPLACES:
        raise ConnectFailed("state_invalid")
    try:
        state = authorize.read_state(secret, query.get("state"), marketplace, int(time.time()))
    except StateError as exc:
        raise ConnectFailed(exc.reason) from None
    # Spent before anything else, a denial included: a state is good for one answer.
    if await redis.getdel(_NONCE_KEY.format(state.nonce)) is None:
        raise ConnectFailed("state_used")
    if authorize.denied(marketplace, query):
        raise ConnectFailed("denied")
    principal = await _principal(session, state)
    app = authorize.app_config(apps, marketplace)
    if app is None:
        raise ConnectFailed("not_configured")
    exchanged = await exchange(marketplace, app, query, outbound, public_url)
    if state.channel_id is not None:
        return await _authorize_channel(session, principal, state.channel_id, marketplace, exchanged, cipher)
    try:
        checked = await onboarding.check(
            marketplace, exchanged.settings, exchanged.credentials, verify=True, outbound=outbound
        )
    except InvalidInput:
        raise ConnectFailed("check_failed") from None
    assert checked is not None
    account = checked.account or exchanged.credentials.get("shop_id") or exchanged.settings.get("seller_username")
    return await _save(session, principal, marketplace, exchanged.settings, checked, str(account or ""), cipher)


async def _principal(session: Session, state: ConnectState) -> Principal:
    try:
        user = await user_repository.get(session, state.organization_id, state.user_id)
    except HourglassError:
        raise ConnectFailed("wrong_organization") from None
    scopes = ROLE_SCOPES.get(user.role, frozenset())
    if not user.is_active or "channels:write" not in scopes:
        raise ConnectFailed("wrong_organization")
    return Principal(
        organization_id=user.organization_id, user_id=user.id, role=user.role, name=user.name, scopes=scopes
    )


# -- the code exchange, per marketplace ------------------------------------------------------------------


async def exchange(
    marketplace: str,
    app: Mapping[str, str],
    query: Mapping[str, str],
    outbound: OutboundPolicy,
    public_url: str = "",
) -> Exchanged:
    """The code traded for the seller's tokens at the marketplace's token endpoint. Every request goes
    through the outbound policy: a refused host is refused before anything is contacted."""
    async with outbound_client(outbound, timeout=EXCHANGE_TIMEOUT) as client:
        try:
            if marketplace == "ebay":
                return await _ebay(client, app, query)
            if marketplace == "shopee":
                return await _shopee(client, app, query)
            if marketplace == "amazon":
                return await _amazon(client, app, query, authorize.callback_url(public_url, marketplace))
            return await _tiktok(client, app, query)
        except OutboundRefused:
            raise ConnectFailed("refused_host") from None
        except httpx.HTTPError as exc:
            log.info("connect %s: token endpoint unreachable: %s", marketplace, type(exc).__name__)
            raise ConnectFailed("unreachable") from None
        except (ValueError, KeyError, TypeError):
            raise ConnectFailed("exchange_refused") from None


def _safe_code(value: object) -> str | None:
    text = str(value or "")
    return text if text and len(text) <= 40 and all(c.isalnum() or c in "_.-" for c in text) else None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


async def _ebay(client: httpx.AsyncClient, app: Mapping[str, str], query: Mapping[str, str]) -> Exchanged:
    base = app["base_url"].rstrip("/")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = await client.post(
        f"{base}/identity/v1/oauth2/token",
        data={"grant_type": "authorization_code", "code": query.get("code", ""), "redirect_uri": app["ru_name"]},
        headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
    )
    body = _json(response)
    if response.status_code != 200 or not body.get("access_token"):
        raise ConnectFailed("exchange_refused", _safe_code(body.get("error")) or str(response.status_code))
    access = str(body["access_token"])
    user = await client.get(
        f"{base}/commerce/identity/v1/user/",
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
    )
    username = _json(user).get("username")
    if user.status_code != 200 or not username:
        raise ConnectFailed("exchange_refused", str(user.status_code))
    credentials = {
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "refresh_token": str(body.get("refresh_token") or ""),
        "access_token": access,
    }
    return Exchanged(
        settings={"base_url": base, "seller_username": str(username)},
        credentials={k: v for k, v in credentials.items() if v},
    )


async def _shopee(client: httpx.AsyncClient, app: Mapping[str, str], query: Mapping[str, str]) -> Exchanged:
    base = app["base_url"].rstrip("/")
    shop_id = query.get("shop_id") or ""
    if not shop_id.isdigit():
        raise ConnectFailed("exchange_refused", "invalid_shop_id")
    now = int(time.time())
    sign = authorize.shopee_sign(app["partner_key"], app["partner_id"], authorize.SHOPEE_TOKEN_PATH, now)
    response = await client.post(
        f"{base}{authorize.SHOPEE_TOKEN_PATH}",
        params={"partner_id": app["partner_id"], "timestamp": str(now), "sign": sign},
        json={"code": query.get("code", ""), "shop_id": int(shop_id), "partner_id": int(app["partner_id"])},
    )
    body = _json(response)
    if response.status_code != 200 or body.get("error") or not body.get("access_token"):
        raise ConnectFailed("exchange_refused", _safe_code(body.get("error")) or str(response.status_code))
    return Exchanged(
        settings={"base_url": base},
        credentials={
            "partner_id": str(app["partner_id"]),
            "partner_key": app["partner_key"],
            "shop_id": shop_id,
            "access_token": str(body["access_token"]),
            "refresh_token": str(body.get("refresh_token") or ""),
        },
    )


async def _tiktok(client: httpx.AsyncClient, app: Mapping[str, str], query: Mapping[str, str]) -> Exchanged:
    auth_base = app["auth_base_url"].rstrip("/")
    response = await client.get(
        f"{auth_base}/api/v2/token/get",
        params={
            "app_key": app["app_key"],
            "app_secret": app["app_secret"],
            "auth_code": query.get("code", ""),
            "grant_type": "authorized_code",
        },
    )
    body = _json(response)
    raw = body.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if response.status_code != 200 or body.get("code") not in (0, "0") or not data.get("access_token"):
        raise ConnectFailed("exchange_refused", _safe_code(body.get("code")) or str(response.status_code))
    return Exchanged(
        settings={"base_url": app["base_url"].rstrip("/"), "auth_base_url": auth_base},
        credentials={
            "app_key": app["app_key"],
            "app_secret": app["app_secret"],
            "access_token": str(data["access_token"]),
            "refresh_token": str(data.get("refresh_token") or ""),
        },
    )


async def _amazon(
    client: httpx.AsyncClient, app: Mapping[str, str], query: Mapping[str, str], redirect_uri: str
) -> Exchanged:
    """Login with Amazon: the `spapi_oauth_code` (good for 5 minutes) for the seller's refresh token.
    LWA answers errors as `{"error": "invalid_grant", "error_description": ...}`: the code is kept,
    the description (the far side's text) is not."""
    partner = query.get("selling_partner_id") or ""
    if not partner or len(partner) > 40 or not partner.isalnum():
        raise ConnectFailed("exchange_refused", "invalid_selling_partner_id")
    auth_base = app["auth_base_url"].rstrip("/")
    response = await client.post(
        f"{auth_base}/auth/o2/token",
        data={
            "grant_type": "authorization_code",
            "code": query.get("spapi_oauth_code", ""),
            "redirect_uri": redirect_uri,
            "client_id": app["lwa_client_id"],
            "client_secret": app["lwa_client_secret"],
        },
        headers={"Accept": "application/json"},
    )
    body = _json(response)
    if response.status_code != 200 or not body.get("refresh_token"):
        raise ConnectFailed("exchange_refused", _safe_code(body.get("error")) or str(response.status_code))
    return Exchanged(
        settings={"base_url": app["base_url"].rstrip("/"), "auth_base_url": auth_base, "selling_partner_id": partner},
        credentials={
            "lwa_client_id": app["lwa_client_id"],
            "lwa_client_secret": app["lwa_client_secret"],
            "refresh_token": str(body["refresh_token"]),
            "access_token": str(body.get("access_token") or ""),
        },
    )


async def _authorize_channel(
    session: Session,
    principal: Principal,
    channel_id: uuid.UUID,
    marketplace: str,
    exchanged: Exchanged,
    cipher: CredentialCipher,
) -> Channel:
    """The consent's tokens added to the channel the state names (its other credentials, such as
    the relay's mail logins, are kept), encrypted like every credential."""
    try:
        channel = await repository.get(session, principal.organization_id, channel_id)
    except HourglassError:
        raise ConnectFailed("wrong_organization") from None
    if channel.marketplace != marketplace:
        raise ConnectFailed("state_invalid")
    stored: dict[str, Any] = {}
    if channel.credentials_encrypted:
        try:
            stored = dict(cipher.decrypt(channel.credentials_encrypted))
        except Exception:
            log.warning("channel %s: stored credentials cannot be decrypted; replaced", channel.id)
    credentials = {**stored, **{k: v for k, v in exchanged.credentials.items() if v}}
    channel.credentials_encrypted = cipher.encrypt(credentials)
    channel.settings = {**(channel.settings or {}), **exchanged.settings}
    kept = {k: v for k, v in (channel.sync_cursor or {}).items() if k not in ("reconnect", "failures")}
    channel.sync_cursor = kept
    await session.flush()
    await session.refresh(channel)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "channel.authorized",
        "channel",
        channel.id,
        {"marketplace": marketplace, "name": channel.name, "credentials": "replaced", "via": "consent"},
    )
    return channel


# -- saving ---------------------------------------------------------------------------------------------


def _identities(channel: Channel, cipher: CredentialCipher) -> set[str]:
    """What names the store a channel is connected to: its account id, eBay user name, shop id."""
    found = {str(channel.external_account_id or "")}
    found.add(str((channel.settings or {}).get("seller_username") or ""))
    if channel.credentials_encrypted:
        try:
            found.add(str(cipher.decrypt(channel.credentials_encrypted).get("shop_id") or ""))
        except Exception:
            log.warning("channel %s: credentials cannot be decrypted", channel.id)
    found.discard("")
    return found


async def _save(
    session: Session,
    principal: Principal,
    marketplace: str,
    settings: dict[str, Any],
    checked: onboarding.CheckResult,
    account: str,
    cipher: CredentialCipher,
) -> Channel:
    """Reconnecting a store this organization already has updates its channel (new tokens, syncing
    resumed); otherwise a channel is created."""
    existing = [
        c
        for c in await repository.list_all(session, principal.organization_id)
        if c.marketplace == marketplace and account and account in _identities(c, cipher)
    ]
    now = utc_now()
    if existing:
        channel = existing[0]
        channel.settings = {**(channel.settings or {}), **settings}
        event = "channel.updated"
    else:
        name = settings.get("seller_username") or f"{onboarding.NAMES[marketplace]} {account}"
        channel = Channel(
            id=uuid.uuid4(),
            organization_id=principal.organization_id,
            marketplace=marketplace,
            name=str(name)[:200],
            external_account_id=account[:200] or None,
            settings=settings,
            sync_cursor={},
        )
        session.add(channel)
        event = "channel.created"
    channel.credentials_encrypted = cipher.encrypt(checked.credentials)
    channel.status, channel.disabled_at = "active", None
    channel.last_sync_error = checked.warning
    channel.last_sync_error_at = now if checked.warning else None
    kept = {k: v for k, v in (channel.sync_cursor or {}).items() if k not in ("reconnect", "failures")}
    channel.sync_cursor = {**kept, "next_poll_at": now.isoformat()}
    await session.flush()
    await session.refresh(channel)
    audit.record(
        session,
        principal,
        principal.organization_id,
        event,
        "channel",
        channel.id,
        {"marketplace": marketplace, "name": channel.name, "credentials": "replaced", "via": "consent"},
    )
    return channel


def spa_redirect(
    public_url: str, marketplace: str, *, channel: Channel | None = None, failure: ConnectFailed | None = None
) -> str:
    """Back to the SPA's channel settings with the outcome (the SPA shows it in words)."""
    query: dict[str, str] = {"connect": marketplace}
    if channel is not None:
        query |= {"result": "connected", "channel": str(channel.id)}
    elif failure is not None:
        query |= {"result": "error", "reason": failure.reason}
        if failure.code:
            query["code"] = failure.code
    return f"{public_url.rstrip('/')}/settings/channels?{urlencode(query)}"
