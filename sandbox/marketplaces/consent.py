"""The marketplaces' consent pages: where a seller signs in and allows (or denies) an app, then is
sent back to the app's redirect with an authorization code, as the real ones do.

- eBay `GET /oauth2/authorize?client_id&redirect_uri=<RuName>&response_type=code&scope&state`:
  back to the RuName's accept URL with `state&code&expires_in=299` (the code lives 299 s, single
  use, carries the consented scopes); declined: `state&error=access_denied` (eBay's declined format
  is unconfirmed).
- Shopee `GET /api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect` (sign over partner_id +
  path + timestamp, timestamp within 5 min): back to `redirect` with `code&shop_id` (code 10 min,
  single use); declined: `error=access_denied` (unconfirmed: Shopee documents only the success).
- TikTok Shop `GET /open/authorize?service_id&state`: back to the app's registered redirect URL
  with `code&state` (30 min, single use); declined: `code=null&error=auth_denied&state`.
- Amazon Seller Central `GET /apps/authorize/consent?application_id&state[&version=beta][&redirect_uri]`
  (SP-API website authorization): back to the redirect (one the app registered; the first by
  default) with `state&selling_partner_id&spapi_oauth_code` (5 min, single use, exchanged at LWA's
  `/auth/o2/token`); declined: `state&error=access_denied` (unconfirmed: Amazon documents only the
  success).

In the sandbox each store is also its app (its client id, partner id or app key), so the page signs
in as that store's seller. The redirect an app registered (eBay's RuName accept URL, TikTok's
redirect URL) is set with `PATCH /_sandbox/stores/{id}` `{"redirect_uri": ...}`.
"""

from __future__ import annotations

import hashlib
import html
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandbox.marketplaces import shopee
from sandbox.marketplaces.common import form_body
from sandbox.models import Store

if TYPE_CHECKING:
    from sandbox.state import SandboxState

EBAY_CODE_TTL = 299
SHOPEE_CODE_TTL = 600
TIKTOK_CODE_TTL = 1800
AMAZON_CODE_TTL = 300
EBAY_KNOWN_SCOPES = {
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/commerce.message",
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
    "https://api.ebay.com/oauth/api_scope/commerce.notification.subscription",
}
_TITLES = {"ebay": "eBay", "shopee": "Shopee", "tiktok": "TikTok Shop", "amazon": "Amazon Seller Central"}


def tiktok_service_id(store: Store) -> str:
    """The app's service id in TikTok's Partner Center (derived from the app key in the sandbox)."""
    given = store.credentials.get("service_id")
    if given:
        return str(given)
    return str(int(hashlib.sha256(str(store.credentials["app_key"]).encode()).hexdigest()[:13], 16))


def amazon_application_id(store: Store) -> str:
    """The app's SP-API application id (set when the store is made, see sandbox.stores)."""
    return str(store.credentials.get("application_id") or "")


def with_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added to whatever query it already has (Shopee keeps the app's own)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _error_page(marketplace: str, message: str, status: int = 400) -> HTMLResponse:
    title = _TITLES[marketplace]
    body = f"<h1>{title}</h1><p class='error' data-testid='consent-error'>{html.escape(message)}</p>"
    return HTMLResponse(_page(title, body), status_code=status)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} - authorize</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}.error{color:#a00}"
        "li{margin:.3rem 0}</style></head>"
        f"<body>{body}</body></html>"
    )


def _consent_page(marketplace: str, store: Store, asks: list[str], hidden: dict[str, str]) -> HTMLResponse:
    title = _TITLES[marketplace]
    fields = "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>" for k, v in hidden.items()
    )
    items = "".join(f"<li>{html.escape(a)}</li>" for a in asks)
    body = (
        f"<h1>{html.escape(title)}</h1>"
        f"<p>Signed in as <strong data-testid='consent-seller'>{html.escape(store.name)}</strong></p>"
        f"<p>An application wants access to your {html.escape(title)} account:</p><ul>{items}</ul>"
        f"<form method='post'>{fields}"
        "<button type='submit' name='decision' value='allow' data-testid='consent-allow'>Allow</button>"
        "<button type='submit' name='decision' value='deny' data-testid='consent-deny'>Deny</button>"
        "</form>"
    )
    return HTMLResponse(_page(f"{title}", body))


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    # -- eBay ---------------------------------------------------------------------------------------

    def ebay_request(params: dict[str, str]) -> tuple[Store, list[str], str] | HTMLResponse:
        store = state.store_by_credential("ebay", "client_id", params.get("client_id", ""))
        if store is None:
            return _error_page("ebay", "invalid_client: the client_id is not a known application.")
        if params.get("redirect_uri") != store.credentials.get("ru_name"):
            return _error_page("ebay", "invalid_request: redirect_uri must be the application's RuName.")
        if params.get("response_type") != "code":
            return _error_page("ebay", "unsupported_response_type: response_type must be code.")
        scopes = params.get("scope", "").split()
        if not scopes or any(s not in EBAY_KNOWN_SCOPES for s in scopes):
            return _error_page("ebay", "invalid_scope: the requested scope is invalid or unknown.")
        accept = store.credentials.get("redirect_uri")
        if not accept:
            return _error_page("ebay", "The RuName has no accept URL configured.")
        return store, scopes, str(accept)

    @api.get("/oauth2/authorize")
    async def ebay_authorize(request: Request) -> Response:
        params = dict(request.query_params)
        found = ebay_request(params)
        if isinstance(found, HTMLResponse):
            return found
        store, scopes, _ = found
        keep: dict[str, str] = {
            k: params[k] for k in ("client_id", "redirect_uri", "response_type", "scope", "state") if k in params
        }
        return _consent_page("ebay", store, scopes, keep)

    @api.post("/oauth2/authorize")
    async def ebay_decide(request: Request) -> Response:
        params = await form_body(request)
        found = ebay_request(params)
        if isinstance(found, HTMLResponse):
            return found
        store, scopes, accept = found
        back = {"state": params["state"]} if params.get("state") else {}
        if params.get("decision") != "allow":
            return RedirectResponse(with_query(accept, {**back, "error": "access_denied"}), status_code=302)
        code = "v^1.1#i^1#r^1#f^0#p^3#I^3#t^" + state.ids.secret(120)
        state.tokens.add(code, store.id, "code", state.clock.now(), EBAY_CODE_TTL, scopes)
        return RedirectResponse(
            with_query(accept, {**back, "code": code, "expires_in": str(EBAY_CODE_TTL)}), status_code=302
        )

    # -- Shopee -------------------------------------------------------------------------------------

    @api.get(shopee.AUTH_PARTNER_PATH)
    async def shopee_authorize(request: Request) -> Response:
        stores = shopee.public_auth(request, state, "shop.auth_partner")
        redirect = request.query_params.get("redirect") or ""
        if not redirect.startswith(("http://", "https://")):
            return _error_page("shopee", "error_param: redirect must be a URL.")
        hidden = {"shop_id": str(stores[0].credentials["shop_id"])}
        return _consent_page("shopee", stores[0], ["Read and reply to your shop's chats"], hidden)

    @api.post(shopee.AUTH_PARTNER_PATH)
    async def shopee_decide(request: Request) -> Response:
        stores = shopee.public_auth(request, state, "shop.auth_partner")
        params = await form_body(request)
        redirect = request.query_params.get("redirect") or ""
        if not redirect.startswith(("http://", "https://")):
            return _error_page("shopee", "error_param: redirect must be a URL.")
        store = next((s for s in stores if str(s.credentials["shop_id"]) == params.get("shop_id")), None)
        if store is None:
            return _error_page("shopee", "error_shop: shopid is invalid.")
        if params.get("decision") != "allow":
            return RedirectResponse(with_query(redirect, {"error": "access_denied"}), status_code=302)
        code = state.ids.hex(32)
        state.tokens.add(code, store.id, "code", state.clock.now(), SHOPEE_CODE_TTL)
        return RedirectResponse(
            with_query(redirect, {"code": code, "shop_id": str(store.credentials["shop_id"])}), status_code=302
        )

    # -- TikTok Shop --------------------------------------------------------------------------------

    def tiktok_request(params: dict[str, str]) -> tuple[Store, str] | HTMLResponse:
        service_id = params.get("service_id", "")
        store = next((s for s in state.stores_of("tiktok") if tiktok_service_id(s) == service_id), None)
        if store is None:
            return _error_page("tiktok", "Invalid service_id.")
        redirect = store.credentials.get("redirect_uri")
        if not redirect:
            return _error_page("tiktok", "The app has no redirect URL configured in Partner Center.")
        return store, str(redirect)

    @api.get("/open/authorize")
    async def tiktok_authorize(request: Request) -> Response:
        params = dict(request.query_params)
        found = tiktok_request(params)
        if isinstance(found, HTMLResponse):
            return found
        store, _ = found
        keep: dict[str, str] = {k: params[k] for k in ("service_id", "state") if k in params}
        return _consent_page("tiktok", store, ["Customer service messages", "Shop authorization"], keep)

    @api.post("/open/authorize")
    async def tiktok_decide(request: Request) -> Response:
        params = await form_body(request)
        found = tiktok_request(params)
        if isinstance(found, HTMLResponse):
            return found
        store, redirect = found
        back = {"state": params["state"]} if params.get("state") else {}
        if params.get("decision") != "allow":
            return RedirectResponse(with_query(redirect, {"code": "null", "error": "auth_denied", **back}), 302)
        code = "TTP_" + state.ids.secret(40)
        state.tokens.add(code, store.id, "code", state.clock.now(), TIKTOK_CODE_TTL)
        return RedirectResponse(with_query(redirect, {"code": code, **back}), status_code=302)

    # -- Amazon Seller Central (SP-API website authorization) ---------------------------------------

    def amazon_request(params: dict[str, str]) -> tuple[Store, str] | HTMLResponse:
        application_id = params.get("application_id", "")
        store = next(
            (s for s in state.stores_of("amazon") if application_id and amazon_application_id(s) == application_id),
            None,
        )
        if store is None:
            return _error_page("amazon", "MD1000: The application_id is not a known application.")
        registered = str(store.credentials.get("redirect_uri") or "")
        if not registered:
            return _error_page("amazon", "MD9100: The application has no OAuth redirect URI registered.")
        asked = params.get("redirect_uri")
        if asked and asked != registered:
            return _error_page("amazon", "MD9100: redirect_uri is not one of the application's redirect URIs.")
        if params.get("version") not in (None, "", "beta"):
            return _error_page("amazon", "MD5101: version must be beta or absent.")
        return store, registered

    @api.get("/apps/authorize/consent")
    async def amazon_authorize(request: Request) -> Response:
        params = dict(request.query_params)
        found = amazon_request(params)
        if isinstance(found, HTMLResponse):
            return found
        store, _ = found
        keep: dict[str, str] = {
            k: params[k] for k in ("application_id", "state", "version", "redirect_uri") if k in params
        }
        return _consent_page("amazon", store, ["Selling Partner API: Messaging (send order messages to buyers)"], keep)

    @api.post("/apps/authorize/consent")
    async def amazon_decide(request: Request) -> Response:
        params = await form_body(request)
        found = amazon_request(params)
        if isinstance(found, HTMLResponse):
            return found
        store, redirect = found
        back = {"state": params["state"]} if params.get("state") else {}
        if params.get("decision") != "allow":
            return RedirectResponse(with_query(redirect, {**back, "error": "access_denied"}), status_code=302)
        code = "ANDG" + state.ids.secret(16)
        state.tokens.add(code, store.id, "code", state.clock.now(), AMAZON_CODE_TTL)
        answer = {**back, "selling_partner_id": str(store.credentials["seller_id"]), "spapi_oauth_code": code}
        return RedirectResponse(with_query(redirect, answer), status_code=302)

    return api
