"""Connecting a store through the marketplace's own consent page (pure: no I/O).

Per marketplace, following each one's documented shape (wave2-apis §1):
- eBay: OAuth authorization-code grant. Consent at `auth.ebay.com/oauth2/authorize` with the app's
  RuName as `redirect_uri`; the code comes back with `state`; exchanged at `/identity/v1/oauth2/token`
  (Basic client_id:client_secret, `grant_type=authorization_code`).
- Shopee: the partner authorization link `/api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect`
  (sign = hex HMAC-SHA256(partner_key, partner_id + path + timestamp)); Shopee sends back
  `code` and `shop_id` only, so our `state` travels inside the `redirect` URL itself; exchanged at
  `/api/v2/auth/token/get`.
- TikTok Shop: the app's authorization link `services.tiktokshop.com/open/authorize?service_id&state`;
  back comes `code` and `state` (or `code=null&error=auth_denied`); exchanged at
  `auth.tiktok-shops.com/api/v2/token/get` with `grant_type=authorized_code`.
- Amazon: SP-API website authorization. Seller Central's consent page
  `sellercentral.amazon.com/apps/authorize/consent?application_id&state[&version=beta]&redirect_uri`;
  back come `state`, `selling_partner_id` and `spapi_oauth_code` (5 minutes); exchanged with Login
  with Amazon at `api.amazon.com/auth/o2/token` (`grant_type=authorization_code`, form-encoded, the
  client id and secret in the body). Amazon's buyer messages come by mail relay, so the consent
  authorizes SP-API on an Amazon channel already connected with its relay form (the state names it).

The `state` is ours: signed (HMAC-SHA256 with a key derived from the secret key), expiring, bound to
the organization, the user and the marketplace, and single-use (its nonce is spent in Redis by the
callback). The app credentials (client id and secret, partner key, app key and secret) are the
deployment's own (`HOURGLASS_CONNECT_APPS`), not the seller's: the seller only signs in and allows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

# The marketplaces with a consent flow here. Walmart is connected with the guided form; Amazon's mail
# relay too, then SP-API through Seller Central's consent (for that channel).
OAUTH_MARKETPLACES = ("ebay", "shopee", "tiktok", "amazon")
# Those whose consent authorizes an existing channel rather than creating one.
CHANNEL_BOUND = ("amazon",)

STATE_TTL_SECONDS = 600

EBAY_SCOPES = (
    "https://api.ebay.com/oauth/api_scope/commerce.message",
    # getUser: the seller's eBay user name, which tells our messages from the buyer's.
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
)

DEFAULTS: dict[str, dict[str, str]] = {
    "ebay": {"authorize_url": "https://auth.ebay.com/oauth2/authorize", "base_url": "https://api.ebay.com"},
    "shopee": {"base_url": "https://partner.shopeemobile.com"},
    "tiktok": {
        "authorize_url": "https://services.tiktokshop.com/open/authorize",
        "auth_base_url": "https://auth.tiktok-shops.com",
        "base_url": "https://open-api.tiktokglobalshop.com",
    },
    "amazon": {
        "authorize_url": "https://sellercentral.amazon.com/apps/authorize/consent",
        "auth_base_url": "https://api.amazon.com",
        "base_url": "https://sellingpartnerapi-na.amazon.com",
    },
}

# What each app needs configured (HOURGLASS_CONNECT_APPS), besides the URLs above.
REQUIRED: dict[str, tuple[str, ...]] = {
    "ebay": ("client_id", "client_secret", "ru_name"),
    "shopee": ("partner_id", "partner_key"),
    "tiktok": ("app_key", "app_secret", "service_id"),
    "amazon": ("application_id", "lwa_client_id", "lwa_client_secret"),
}

SHOPEE_AUTH_PATH = "/api/v2/shop/auth_partner"
SHOPEE_TOKEN_PATH = "/api/v2/auth/token/get"  # noqa: S105 - a path, not a secret


class StateError(ValueError):
    """The `state` is not one we issued, is spent, expired, or is for another marketplace. `reason`
    is one of the callback's error codes (state_invalid, state_expired)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConnectState:
    marketplace: str
    organization_id: uuid.UUID
    user_id: uuid.UUID
    nonce: str
    expires_at: int
    # The channel the consent authorizes (Amazon SP-API on a relay channel), or None: a new store.
    channel_id: uuid.UUID | None = None


def app_config(apps: Mapping[str, Mapping[str, Any]], marketplace: str) -> dict[str, str] | None:
    """The deployment's app for `marketplace` with the documented URLs as defaults; None when it is
    not configured (the SPA then offers the form instead)."""
    app = apps.get(marketplace)
    if marketplace not in OAUTH_MARKETPLACES or not app:
        return None
    merged = {**DEFAULTS[marketplace], **{k: str(v) for k, v in app.items() if v not in (None, "")}}
    if any(not merged.get(k) for k in REQUIRED[marketplace]):
        return None
    return merged


def _state_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"hourglass channel-connect state v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_state(secret: str, state: ConnectState) -> str:
    payload = _b64(
        json.dumps(
            {
                "m": state.marketplace,
                "o": str(state.organization_id),
                "u": str(state.user_id),
                "n": state.nonce,
                "e": state.expires_at,
                **({"c": str(state.channel_id)} if state.channel_id else {}),
            },
            separators=(",", ":"),
        ).encode()
    )
    mac = _b64(hmac.new(_state_key(secret), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{mac}"


def read_state(secret: str, token: str | None, marketplace: str, now: int) -> ConnectState:
    """The state's contents once its signature, marketplace and expiry are checked (whether it was
    already used is the caller's to check, in Redis)."""
    if not token or token.count(".") != 1 or len(token) > 1024:
        raise StateError("state_invalid")
    payload, mac = token.split(".")
    expected = _b64(hmac.new(_state_key(secret), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        raise StateError("state_invalid")
    try:
        data = json.loads(_unb64(payload))
        state = ConnectState(
            marketplace=str(data["m"]),
            organization_id=uuid.UUID(data["o"]),
            user_id=uuid.UUID(data["u"]),
            nonce=str(data["n"]),
            expires_at=int(data["e"]),
            channel_id=uuid.UUID(data["c"]) if data.get("c") else None,
        )
    except (ValueError, KeyError, TypeError):
        raise StateError("state_invalid") from None
    if state.marketplace != marketplace:
        raise StateError("state_invalid")
    if now >= state.expires_at:
        raise StateError("state_expired")
    return state


def shopee_sign(partner_key: str, partner_id: str, path: str, timestamp: int) -> str:
    """Shopee's public-call sign: hex HMAC-SHA256(partner_key, partner_id + path + timestamp)."""
    return hmac.new(partner_key.encode(), f"{partner_id}{path}{timestamp}".encode(), hashlib.sha256).hexdigest()


def callback_url(public_url: str, marketplace: str) -> str:
    return f"{public_url.rstrip('/')}/v1/channels/connect/{marketplace}/callback"


def consent_url(marketplace: str, app: Mapping[str, str], state: str, public_url: str, now: int) -> str:
    """Where the seller's browser goes to sign in at the marketplace and allow Hourglass."""
    if marketplace == "ebay":
        query = {
            "client_id": app["client_id"],
            "redirect_uri": app["ru_name"],
            "response_type": "code",
            "scope": " ".join(EBAY_SCOPES),
            "state": state,
        }
        return f"{app['authorize_url']}?{urlencode(query)}"
    if marketplace == "shopee":
        # Shopee returns only code and shop_id: the state rides in the redirect URL.
        redirect = f"{callback_url(public_url, marketplace)}?{urlencode({'state': state})}"
        query = {
            "partner_id": app["partner_id"],
            "timestamp": str(now),
            "sign": shopee_sign(app["partner_key"], app["partner_id"], SHOPEE_AUTH_PATH, now),
            "redirect": redirect,
        }
        return f"{app['base_url'].rstrip('/')}{SHOPEE_AUTH_PATH}?{urlencode(query)}"
    if marketplace == "tiktok":
        return f"{app['authorize_url']}?{urlencode({'service_id': app['service_id'], 'state': state})}"
    if marketplace == "amazon":
        query = {
            "application_id": app["application_id"],
            "state": state,
            "redirect_uri": callback_url(public_url, marketplace),
        }
        if app.get("version") == "beta":  # a Draft app is authorized with version=beta
            query["version"] = "beta"
        return f"{app['authorize_url']}?{urlencode(query)}"
    raise ValueError(marketplace)


def denied(marketplace: str, query: Mapping[str, str]) -> bool:
    """Whether the seller pressed Deny (or the marketplace refused) rather than allowed."""
    code = query.get("spapi_oauth_code" if marketplace == "amazon" else "code")
    if query.get("error"):
        return True
    return not code or (marketplace == "tiktok" and code == "null")
