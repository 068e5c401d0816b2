"""Creating stores: the credentials a connector must be configured with, per marketplace.

- ebay: client_id, client_secret, ru_name, refresh_token (user token, scope commerce.message),
  access_token (2 h), seller_username.
- shopee: partner_id, partner_key, shop_id, access_token (4 h), refresh_token, auth_code, region.
- tiktok: app_key, app_secret, shop_id, shop_cipher, access_token (7 days), refresh_token, auth_code.
- walmart: client_id, client_secret (for /v3/token), seller_email, imap_username/imap_password,
  smtp_username/smtp_password.
- amazon: lwa_client_id, lwa_client_secret, application_id (the SP-API app, for Seller Central's
  consent page), refresh_token, access_token (1 h), seller_id (the selling partner id),
  marketplace_id, seller_email (the registered sender), approved_senders, imap/smtp logins.

Values given by the caller override the generated ones (a demo can pin them).
"""

from __future__ import annotations

import hashlib
import re
import string
from typing import TYPE_CHECKING, Any

from sandbox.config import MAIL_MARKETPLACES, MARKETPLACES
from sandbox.models import Store
from sandbox.tokens import TokenRecord

if TYPE_CHECKING:
    from sandbox.state import SandboxState

DEFAULT_NAMES = {
    "amazon": "BrightNest Home US",
    "walmart": "BrightNest Walmart",
    "ebay": "brightnest_deals",
    "shopee": "BrightNest Official SG",
    "tiktok": "BrightNest Gadgets",
}

TOKEN_TTL = {
    "ebay": 7200,
    "ebay_refresh": 18 * 30 * 86400,
    "ebay_app": 7200,
    "shopee": 4 * 3600,
    "shopee_refresh": 30 * 86400,
    "tiktok": 7 * 86400,
    "tiktok_refresh": 365 * 86400,
    "walmart": 900,
    "amazon": 3600,
}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "store"


def create_store(
    state: SandboxState,
    marketplace: str,
    *,
    name: str | None = None,
    store_id: str | None = None,
    region: str | None = None,
    push_target: str | None = None,
    credentials: dict[str, Any] | None = None,
) -> Store:
    if marketplace not in MARKETPLACES:
        raise ValueError(f"unknown marketplace {marketplace!r}")
    count = sum(1 for s in state.stores.values() if s.marketplace == marketplace)
    store_id = store_id or f"{marketplace}-{count + 1}"
    if store_id in state.stores:
        raise ValueError(f"store {store_id!r} exists")
    name = name or (DEFAULT_NAMES[marketplace] if count == 0 else f"{DEFAULT_NAMES[marketplace]} {count + 1}")
    region = region or ("SG" if marketplace == "shopee" else "US")
    creds = _generate(state, marketplace, name, store_id, region)
    creds.update(credentials or {})
    if marketplace == "amazon" and not creds.get("application_id"):
        # The SP-API app's id in Seller Central (derived from its LWA client id: no draw from the seed).
        digest = hashlib.sha256(str(creds["lwa_client_id"]).encode()).hexdigest()
        creds["application_id"] = (
            f"amzn1.sellerapps.app.{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        )
    handle = {
        "ebay": creds.get("seller_username"),
        "amazon": creds.get("seller_email"),
        "walmart": creds.get("seller_email"),
    }.get(marketplace, name)
    if push_target is None and state.config.push_target and marketplace not in MAIL_MARKETPLACES:
        push_target = state.config.push_target.format(marketplace=marketplace, store_id=store_id)
    store = Store(
        id=store_id,
        marketplace=marketplace,
        name=name,
        seller_handle=str(handle),
        region=region,
        push_target=push_target,
        credentials=creds,
        created_at=state.clock.now(),
    )
    state.stores[store.id] = store
    _register(state, store)
    return store


def _register(state: SandboxState, store: Store) -> None:
    """Make the store's tokens and mailbox known to the servers."""
    now = state.clock.now()
    creds = store.credentials
    tokens = state.tokens
    if store.marketplace == "ebay":
        # The seller consented to `scope` (space-separated, as OAuth writes it): both tokens carry it.
        scopes = ebay_scopes(creds)
        tokens.add(creds["access_token"], store.id, "user", now, TOKEN_TTL["ebay"], scopes)
        tokens.add(creds["refresh_token"], store.id, "refresh", now, TOKEN_TTL["ebay_refresh"], scopes)
    elif store.marketplace == "shopee":
        tokens.add(creds["access_token"], store.id, "access", now, TOKEN_TTL["shopee"])
        tokens.add(creds["refresh_token"], store.id, "refresh", now, TOKEN_TTL["shopee_refresh"])
        tokens.add(creds["auth_code"], store.id, "code", now, 600)
    elif store.marketplace == "tiktok":
        tokens.add(creds["access_token"], store.id, "access", now, TOKEN_TTL["tiktok"])
        tokens.add(creds["refresh_token"], store.id, "refresh", now, TOKEN_TTL["tiktok_refresh"])
        tokens.add(creds["auth_code"], store.id, "code", now, 3600)
    elif store.marketplace == "amazon":
        tokens.add(creds["access_token"], store.id, "access", now, TOKEN_TTL["amazon"])
        tokens.add(creds["refresh_token"], store.id, "refresh", now, None)
    if store.marketplace in MAIL_MARKETPLACES:
        state.mail.create_account(creds["imap_username"], creds["imap_password"], store.id)


def ebay_scopes(credentials: dict[str, Any]) -> list[str]:
    return str(credentials.get("scope") or "").split()


# Token kinds per marketplace, with their lifetime key in TOKEN_TTL and the shape of the value.
MINTABLE: dict[str, dict[str, tuple[str | None, str]]] = {
    "ebay": {
        "user": ("ebay", "v^1.1#i^1#f^0#p^3#I^3#r^0#t^"),
        "refresh": ("ebay_refresh", "v^1.1#i^1#r^1#p^3#I^3#f^0#t^"),
        "app": ("ebay_app", "v^1.1#i^1#p^1#r^0#I^3#f^0#t^"),
    },
    "shopee": {"access": ("shopee", ""), "refresh": ("shopee_refresh", "")},
    "tiktok": {"access": ("tiktok", "TTP_"), "refresh": ("tiktok_refresh", "TTP_")},
    "amazon": {"access": ("amazon", "Atza|IwEB"), "refresh": (None, "Atzr|IwEB")},
}


def mint_token(
    state: SandboxState,
    store: Store,
    kind: str,
    *,
    scopes: list[str] | None = None,
    ttl_seconds: float | None = None,
) -> TokenRecord:
    """A new token for `store`, e.g. an eBay user token the seller granted fewer scopes: what a test
    needs to see how a connector copes with a token the marketplace answers 403 for. Scopes default
    to the store's consented ones (eBay) and are refused where the marketplace has none."""
    kinds = MINTABLE.get(store.marketplace, {})
    if kind not in kinds:
        raise ValueError(f"{store.marketplace} issues no {kind!r} tokens (one of: {', '.join(kinds) or 'none'})")
    if store.marketplace != "ebay" and scopes is not None:
        raise ValueError(f"{store.marketplace} tokens carry no OAuth scopes")
    ttl_key, prefix = kinds[kind]
    if store.marketplace == "ebay" and scopes is None:
        scopes = ebay_scopes(store.credentials) if kind != "app" else ["https://api.ebay.com/oauth/api_scope"]
    if ttl_seconds is None and ttl_key is not None:
        ttl_seconds = TOKEN_TTL[ttl_key]
    value = prefix + (state.ids.hex(32) if store.marketplace == "shopee" else state.ids.secret(120))
    return state.tokens.add(value, store.id, kind, state.clock.now(), ttl_seconds, scopes)


def _generate(state: SandboxState, marketplace: str, name: str, store_id: str, region: str) -> dict[str, Any]:
    ids = state.ids
    rng = ids.rng()
    s = slug(name)

    def alnum(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(rng.choices(alphabet, k=n))

    if marketplace == "ebay":
        short = re.sub(r"[^A-Za-z]", "", name)[:8] or "Seller"
        return {
            "client_id": f"{short}-Hourglas-PRD-{ids.hex(9)}-{ids.hex(8)}",
            "client_secret": f"PRD-{ids.hex(12)}-{ids.hex(4)}-{ids.hex(4)}-{ids.hex(4)}-{ids.hex(4)}",
            "ru_name": f"{short}-{short}-Hourgl-{alnum(5, string.ascii_lowercase)}",
            "seller_username": s.replace("-", "_"),
            "refresh_token": "v^1.1#i^1#r^1#p^3#I^3#f^0#t^" + alnum(120),
            "access_token": "v^1.1#i^1#f^0#p^3#I^3#r^0#t^" + alnum(160),
            "scope": "https://api.ebay.com/oauth/api_scope/commerce.message",
        }
    if marketplace == "shopee":
        return {
            "partner_id": int(ids.digits(7, first="12")),
            "partner_key": "shpk" + ids.hex(60),
            "shop_id": int(ids.digits(9)),
            # The shop owner's chat user id: what buyers' messages are addressed to (to_id).
            "shop_user_id": int(ids.digits(9)),
            "access_token": ids.hex(32),
            "refresh_token": ids.hex(32),
            "auth_code": ids.hex(32),
            "region": region,
        }
    if marketplace == "tiktok":
        return {
            "app_key": "6" + alnum(12, string.ascii_lowercase + string.digits),
            "app_secret": ids.hex(40),
            "shop_id": ids.digits(19, first="7"),
            "shop_cipher": "ROW_" + alnum(32, string.ascii_letters + string.digits + "_-"),
            "shop_code": "US" + alnum(6, string.ascii_uppercase + string.digits),
            # The shop's IM id: the sender of its messages in conversations (not a credential).
            "shop_im_user_id": ids.digits(19, first="7"),
            "access_token": "TTP_" + alnum(86, string.ascii_letters + string.digits + "_-"),
            "refresh_token": "TTP_" + alnum(86, string.ascii_letters + string.digits + "_-"),
            "auth_code": "TTP_" + alnum(40, string.ascii_letters + string.digits),
            "open_id": "-" + alnum(40, string.ascii_letters + string.digits + "_-"),
        }
    email = f"{'care' if marketplace == 'walmart' else 'support'}@{s}.example"
    password = alnum(20)
    mailbox = {
        "seller_email": email,
        "imap_username": email,
        "imap_password": password,
        "smtp_username": email,
        "smtp_password": password,
    }
    if marketplace == "walmart":
        return {
            "client_id": f"{ids.hex(8)}-{ids.hex(4)}-{ids.hex(4)}-{ids.hex(4)}-{ids.hex(12)}",
            "client_secret": alnum(86, string.ascii_letters + string.digits + "_-"),
            "seller_id": ids.digits(8, first="1"),
            **mailbox,
        }
    return {
        "lwa_client_id": "amzn1.application-oa2-client." + ids.hex(32),
        "lwa_client_secret": "amzn1.oa2-cs.v1." + ids.hex(64),
        "refresh_token": "Atzr|IwEB" + alnum(300, string.ascii_letters + string.digits + "-_"),
        "access_token": "Atza|IwEB" + alnum(300, string.ascii_letters + string.digits + "-_"),
        "seller_id": "A" + alnum(13, string.ascii_uppercase + string.digits),
        "marketplace_id": "ATVPDKIKX0DER",
        "approved_senders": [],
        **mailbox,
    }
