"""Amazon: Login with Amazon tokens and SP-API Messaging v1 (proactive, order-scoped messages only).

Buyer messages never come through here: Amazon has no API for them (they arrive by relay mail, see
sandbox.mail). SP-API Messaging sends templated order messages, which Amazon says are *not*
replies: the truth records them with `counts_as_reply=False`.

Reproduced from the model (amazon-sp-api-messaging-v1.json): HAL `_links.actions` per order, POST
answering 201 `{}`, the `{"errors": [{code, message, details}]}` envelope, `x-amz-access-token`,
and the usage plan of 1 request per second with a burst of 5 for every operation, reported in
`x-amzn-RateLimit-Limit`. negativeFeedbackRemoval (removed 2025-08) and amazonMotors (removed
2026-01) are gone: older SDKs still call them and get 404.

Headers and content type per response, as the model lists them: every answer (errors included) is
`application/hal+json` (the model's `produces`) and carries `x-amzn-RequestId`;
`x-amzn-RateLimit-Limit` comes with 200/201/400/404 only; a 429 carries no Retry-After, so a
client backs off on its own. Message text must hold no HTML and no email address ("Do not include
HTML or email addresses"): refused 400 InvalidInput. The customisation, digital-access-key and
service-details actions are offered only on orders with such an item (a personalised product, one
with a licence key, one sold with installation).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.catalog import Order
from sandbox.delivery import record_seller_message
from sandbox.marketplaces.common import FaultErrors, MarketError, form_body, gate, set_context
from sandbox.models import Store
from sandbox.state import SandboxState
from sandbox.stores import TOKEN_TTL

MARKET = "amazon"
BASE = "/messaging/v1/orders"
RATE_HEADER = {"x-amzn-RateLimit-Limit": "1.0"}
HAL = "application/hal+json"
REQUEST_ID = "x-amzn-RequestId"
# An address as a person would write one; what the model forbids in message text.
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# type -> (max text length or None for attachments-only, attachments allowed)
MESSAGE_TYPES: dict[str, tuple[int | None, bool]] = {
    "confirmOrderDetails": (2000, False),
    "confirmDeliveryDetails": (2000, False),
    "confirmServiceDetails": (2000, False),
    "unexpectedProblem": (2000, False),
    "confirmCustomizationDetails": (800, True),
    "digitalAccessKey": (400, True),
    "legalDisclosure": (None, True),
    "warranty": (None, True),
    "invoice": (None, True),
}
LOCALES = {"en": "en-US", "zh": "zh-CN", "es": "es-US"}


def error(status: int, code: str, message: str, details: str = "", rate_header: bool = True) -> MarketError:
    headers = dict(RATE_HEADER) if rate_header else {}
    body = {"errors": [{"code": code, "message": message, "details": details}]}
    return MarketError(
        MARKET,
        status,
        body,
        code=code,
        message=message,
        headers=headers,
        media_type=HAL,
        request_id_header=REQUEST_ID,
    )


ERRORS = FaultErrors(
    throttled=lambda retry_after: error(
        429, "QuotaExceeded", "You exceeded your quota for the requested resource.", rate_header=False
    ),
    server_error=lambda status: error(
        status,
        "InternalFailure" if status == 500 else "ServiceUnavailable",
        "We encountered an internal error. Please try again.",
        rate_header=False,
    ),
    timeout=lambda: error(504, "ServiceUnavailable", "Gateway timeout.", rate_header=False),
    retry_after_header=False,
)


def _headers(state: SandboxState) -> dict[str, str]:
    return {**RATE_HEADER, REQUEST_ID: state.ids.uuid()}


def _answer(state: SandboxState, body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=_headers(state), media_type=HAL)


def _authenticate(request: Request, state: SandboxState, operation: str) -> Store:
    set_context(request, MARKET, None, operation)
    status, record = state.tokens.check(request.headers.get("x-amz-access-token"), state.clock.now(), ("access",))
    if status == "expired":
        raise error(
            403,
            "Unauthorized",
            "Access to requested resource is denied.",
            "The access token you provided has expired.",
            rate_header=False,
        )
    store = state.store(record.store_id) if record else None
    if status != "ok" or store is None or store.marketplace != MARKET:
        raise error(
            403,
            "Unauthorized",
            "Access to requested resource is denied.",
            "The access token you provided is revoked, malformed or invalid.",
            rate_header=False,
        )
    set_context(request, MARKET, store.id, operation)
    return store


def _order(request: Request, state: SandboxState, store: Store, order_id: str) -> Order:
    marketplace_ids = request.query_params.get("marketplaceIds")
    if not marketplace_ids:
        raise error(400, "InvalidInput", "Missing required parameter: marketplaceIds")
    if store.credentials["marketplace_id"] not in marketplace_ids.split(","):
        raise error(
            400, "InvalidInput", "Invalid marketplaceIds", f"{marketplace_ids} is not a marketplace of this seller."
        )
    order = state.catalog.order(store, order_id)
    if order is None:
        raise error(404, "NotFound", "Resource not found", f"Order {order_id} was not found for this seller.")
    return order


def order_features(state: SandboxState, order: Order) -> set[str]:
    """What the order's items are: `customizable`, `digital_access`, `home_service`."""
    features: set[str] = set()
    for item in order.items:
        product = state.catalog.product(item.product_key)
        features |= {f for f in ("customizable", "digital_access", "home_service") if getattr(product, f)}
    return features


def available_actions(order: Order, features: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Which message types Amazon offers for this order, by its state and its items: customisation
    details while a personalised item is not yet delivered, a digital access key and service
    details (an installation to arrange) for any live order with such an item."""
    if order.status == "Cancelled":
        return ["legalDisclosure"]
    actions = ["unexpectedProblem", "legalDisclosure"]
    if order.status == "Created":
        actions = ["confirmOrderDetails", "confirmDeliveryDetails", *actions]
    else:
        actions = (
            ["confirmDeliveryDetails", *actions, "warranty", "invoice"]
            if order.status == "Shipped"
            else [*actions, "warranty", "invoice"]
        )
    if "customizable" in features and order.status in ("Created", "Shipped"):
        actions.append("confirmCustomizationDetails")
    if "digital_access" in features:
        actions.append("digitalAccessKey")
    if "home_service" in features:
        actions.append("confirmServiceDetails")
    return actions


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    def lwa_error(status: int, code: str, description: str) -> MarketError:
        return MarketError(MARKET, status, {"error_description": description, "error": code}, code=code)

    def authorization_code(store: Store, form: dict[str, str]) -> Response:
        """The SP-API website authorization's code (`spapi_oauth_code`, 5 minutes, single use) for
        the seller's refresh token and a first access token. The redirect_uri must be the one the
        consent sent the seller back to."""
        for key in ("code", "redirect_uri"):
            if not form.get(key):
                raise lwa_error(400, "invalid_request", f"The request is missing a required parameter : {key}")
        status, record = state.tokens.check(form["code"], state.clock.now(), ("code",))
        if status != "ok" or record is None or record.store_id != store.id:
            raise lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
        if form["redirect_uri"] != str(store.credentials.get("redirect_uri") or ""):
            raise lwa_error(400, "invalid_grant", "The redirect_uri does not match the one used for the authorization")
        state.tokens.revoke(form["code"])
        now = state.clock.now()
        refresh = "Atzr|IwEB" + state.ids.secret(300)
        access = "Atza|IwEB" + state.ids.secret(300)
        state.tokens.add(refresh, store.id, "refresh", now, None)
        state.tokens.add(access, store.id, "access", now, TOKEN_TTL["amazon"])
        return JSONResponse(
            {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": TOKEN_TTL["amazon"],
            }
        )

    @api.post("/auth/o2/token")
    async def lwa_token(request: Request) -> Response:
        """Login with Amazon: authorization_code grant (SP-API website authorization) and
        refresh_token grant -> access token valid 1 hour."""
        set_context(request, MARKET, None, "lwa.token")
        form = await form_body(request)
        store = state.store_by_credential(MARKET, "lwa_client_id", form.get("client_id"))
        if store is None or store.credentials["lwa_client_secret"] != form.get("client_secret"):
            raise MarketError(
                MARKET,
                401,
                {"error_description": "Client authentication failed", "error": "invalid_client"},
                code="invalid_client",
            )
        set_context(request, MARKET, store.id, "lwa.token")
        if form.get("grant_type") == "authorization_code":
            return authorization_code(store, form)
        if form.get("grant_type") != "refresh_token":
            raise MarketError(
                MARKET,
                400,
                {
                    "error_description": "The authorization grant type is not supported by the authorization server",
                    "error": "unsupported_grant_type",
                },
                code="unsupported_grant_type",
            )
        status, record = state.tokens.check(str(form.get("refresh_token", "")), state.clock.now(), ("refresh",))
        if status != "ok" or record is None or record.store_id != store.id:
            raise MarketError(
                MARKET,
                400,
                {
                    "error_description": "The request has an invalid grant parameter : refresh_token",
                    "error": "invalid_grant",
                },
                code="invalid_grant",
            )
        access = "Atza|IwEB" + state.ids.secret(300)
        state.tokens.add(access, store.id, "access", state.clock.now(), TOKEN_TTL["amazon"])
        return JSONResponse(
            {
                "access_token": access,
                "refresh_token": form["refresh_token"],
                "token_type": "bearer",
                "expires_in": TOKEN_TTL["amazon"],
            }
        )

    @api.get(f"{BASE}/{{order_id}}")
    async def get_actions(request: Request, order_id: str) -> Response:
        """getMessagingActionsForOrder: HAL links to the message types this order allows."""
        store = _authenticate(request, state, "getMessagingActionsForOrder")
        ticket = await gate(request, state, MARKET, store.id, "getMessagingActionsForOrder", ERRORS)
        order = _order(request, state, store, order_id)
        query = f"?marketplaceIds={store.credentials['marketplace_id']}"
        actions = available_actions(order, order_features(state, order))
        body = {
            "_links": {
                "self": {"href": f"{BASE}/{order_id}{query}"},
                "actions": [{"href": f"{BASE}/{order_id}/messages/{a}{query}", "name": a} for a in actions],
            },
            "_embedded": {
                "actions": [
                    {
                        "_links": {
                            "self": {"href": f"{BASE}/{order_id}/messages/{a}{query}", "name": a},
                            "schema": {"href": f"{BASE}/{order_id}/messages/{a}/schema", "name": a},
                        },
                    }
                    for a in actions
                ]
            },
        }
        await ticket.finish()
        return _answer(state, body)

    @api.get(f"{BASE}/{{order_id}}/attributes")
    async def get_attributes(request: Request, order_id: str) -> Response:
        """GetAttributes: the buyer's preferred locale (messages must be written in it)."""
        store = _authenticate(request, state, "GetAttributes")
        ticket = await gate(request, state, MARKET, store.id, "GetAttributes", ERRORS)
        order = _order(request, state, store, order_id)
        await ticket.finish()
        return _answer(state, {"buyer": {"locale": LOCALES.get(order.buyer.language, "en-US")}})

    @api.post(f"{BASE}/{{order_id}}/messages/{{message_type}}")
    async def send(request: Request, order_id: str, message_type: str) -> Response:
        """Send one proactive message of `message_type`; 201 with `{}`."""
        if message_type not in MESSAGE_TYPES:
            set_context(request, MARKET, None, message_type)
            raise error(404, "NotFound", "Resource not found", f"Unknown or removed message type {message_type}.")
        store = _authenticate(request, state, message_type)
        ticket = await gate(request, state, MARKET, store.id, message_type, ERRORS)
        if "application/json" not in request.headers.get("content-type", ""):
            raise error(415, "Unsupported", "The request payload is in an unsupported format.", rate_header=False)
        order = _order(request, state, store, order_id)
        if message_type not in available_actions(order, order_features(state, order)):
            raise error(400, "InvalidInput", "Invalid Input", f"{message_type} is not available for order {order_id}.")
        try:
            data: Any = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise error(400, "InvalidInput", "Invalid Input", "The request body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise error(400, "InvalidInput", "Invalid Input", "The request body must be an object.")
        text = _validate(message_type, data)
        record_seller_message(
            state,
            store,
            None,
            body=text or json.dumps(data.get("attachments", [])),
            operation=f"amazon.{message_type}",
            channel="api",
            counts_as_reply=False,
        )
        await ticket.finish()
        return _answer(state, {}, 201)

    return api


def _validate(message_type: str, data: dict[str, Any]) -> str | None:
    max_text, attachments_allowed = MESSAGE_TYPES[message_type]
    text = data.get("text")
    attachments = data.get("attachments")
    if max_text is not None:
        if not isinstance(text, str) or not 1 <= len(text) <= max_text:
            raise error(400, "InvalidInput", "Invalid Input", f"text must be 1 to {max_text} characters.")
        if "<" in text and ">" in text:
            raise error(400, "InvalidInput", "Invalid Input", "text must not contain HTML.")
        if EMAIL.search(text):
            raise error(400, "InvalidInput", "Invalid Input", "text must not contain email addresses.")
    if attachments is not None or max_text is None:
        if not attachments_allowed or not isinstance(attachments, list) or not 1 <= len(attachments) <= 5:
            raise error(400, "InvalidInput", "Invalid Input", "attachments must hold 1 to 5 items.")
        for item in attachments:
            if not isinstance(item, dict) or not item.get("uploadDestinationId") or not item.get("fileName"):
                raise error(
                    400, "InvalidInput", "Invalid Input", "each attachment needs uploadDestinationId and fileName."
                )
    return text if isinstance(text, str) else None
