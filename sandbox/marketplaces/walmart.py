"""Walmart Marketplace: client-credentials tokens, the Orders API, and the Seller Response Rate summary.

Walmart has no messaging API: buyers and Walmart Customer Care reach the seller by relay mail (see
sandbox.mail). What is served here is what a connector reconciles against: orders (with the relay
address the buyer writes from) and the 48-hour Seller Response Rate, computed from the sandbox's own
truth (which buyer mails got a seller reply within 48 h).

Every call needs the headers WM_SEC.ACCESS_TOKEN, WM_QOS.CORRELATION_ID and WM_SVC.NAME; tokens
last 15 minutes. The SRR summary's field names follow third-party consumers of the Insights API
(UNVERIFIED): `payload.overallRate`, `cumulativeRateTrend` (GREEN_UP, RED_DOWN, ...), risk levels;
it answers 204 when there is nothing to measure yet.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.catalog import Order
from sandbox.clock import parse_iso
from sandbox.marketplaces.common import FaultErrors, MarketError, form_body, gate, int_param, set_context
from sandbox.state import SandboxState
from sandbox.stores import TOKEN_TTL

MARKET = "walmart"
RESPONSE_WINDOW = timedelta(hours=48)
SRR_THRESHOLD = 95.0
REQUIRED_HEADERS = ("WM_SEC.ACCESS_TOKEN", "WM_QOS.CORRELATION_ID", "WM_SVC.NAME")


def error(status: int, code: str, description: str, field: str = "", info: str = "") -> MarketError:
    body = {
        "errors": {
            "error": [
                {
                    "code": code,
                    "field": field,
                    "description": description,
                    "info": info or description,
                    "severity": "ERROR",
                    "category": "DATA",
                    "causes": [],
                    "errorIdentifiers": {},
                }
            ]
        }
    }
    return MarketError(MARKET, status, body, code=code, message=description)


ERRORS = FaultErrors(
    throttled=lambda retry_after: error(
        429, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API", "Too Many Requests", info="Request threshold violated"
    ),
    server_error=lambda status: error(status, "INTERNAL_SERVER_ERROR.GMP_GATEWAY_API", "Internal Server Error"),
    timeout=lambda: error(504, "GATEWAY_TIMEOUT.GMP_GATEWAY_API", "Gateway Timeout"),
)


def _headers_present(request: Request) -> None:
    for name in ("WM_QOS.CORRELATION_ID", "WM_SVC.NAME"):
        if not request.headers.get(name):
            raise error(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", f"{name} header is missing", field=name)


def _authenticate(request: Request, state: SandboxState, operation: str) -> Any:
    set_context(request, MARKET, None, operation)
    _headers_present(request)
    status, record = state.tokens.check(request.headers.get("WM_SEC.ACCESS_TOKEN"), state.clock.now(), ("access",))
    store = state.store(record.store_id) if record else None
    if status != "ok" or store is None or store.marketplace != MARKET:
        raise error(
            401,
            "UNAUTHORIZED.GMP_GATEWAY_API",
            "Unauthorized",
            field="UNAUTHORIZED",
            info="Unauthorized token or invalid client id",
        )
    set_context(request, MARKET, store.id, operation)
    return store


def _ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def customer_email_id(relay_address: str) -> str:
    """The Orders API's customerEmailId: upper-case hex at relay.walmart.com, as in third-party fixtures.

    The sandbox derives it from the same hex as the `pc-` relay alias the buyer's mail comes from
    (an assumption: how the two relate is not documented).
    """
    local, _, domain = relay_address.partition("@")
    return f"{local.removeprefix('pc-').upper()}@{domain}"


def order_json(state: SandboxState, store: Any, order: Order) -> dict[str, Any]:
    buyer = state.buyer_for(store, order.buyer)
    shipment = order.shipment
    line_status = {"Created": "Acknowledged"}.get(order.status, order.status)
    lines = []
    for item in order.items:
        status: dict[str, Any] = {
            "status": line_status,
            "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(item.quantity)},
            "cancellationReason": "CUSTOMER_REQUESTED_SELLER_TO_CANCEL" if order.status == "Cancelled" else None,
        }
        if shipment:
            status["trackingInfo"] = {
                "shipDateTime": _ms(shipment.shipped_at),
                "carrierName": {
                    "otherCarrier": None if shipment.carrier in ("USPS", "UPS", "FedEx") else shipment.carrier,
                    "carrier": shipment.carrier if shipment.carrier in ("USPS", "UPS", "FedEx") else None,
                },
                "methodCode": "Standard",
                "trackingNumber": shipment.tracking_number,
                "trackingURL": shipment.tracking_url,
            }
        lines.append(
            {
                "lineNumber": str(item.line_number),
                "item": {"productName": item.title, "sku": item.sku},
                "charges": {
                    "charge": [
                        {
                            "chargeType": "PRODUCT",
                            "chargeName": "ItemPrice",
                            "chargeAmount": {
                                "currency": order.currency,
                                "amount": round(item.unit_price * item.quantity, 2),
                            },
                            "tax": {
                                "taxName": "Tax1",
                                "taxAmount": {
                                    "currency": order.currency,
                                    "amount": round(item.unit_price * item.quantity * 0.07, 2),
                                },
                            },
                        }
                    ]
                },
                "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": str(item.quantity)},
                "statusDate": _ms(shipment.shipped_at if shipment else order.created_at),
                "orderLineStatuses": {"orderLineStatus": [status]},
                "fulfillment": {"fulfillmentOption": "S2H", "shipMethod": "STANDARD"},
            }
        )
    address = order.ship_to
    return {
        "purchaseOrderId": order.order_id,
        "customerOrderId": order.customer_order_id,
        "customerEmailId": customer_email_id(buyer.address or ""),
        "orderType": "REGULAR",
        "orderDate": _ms(order.created_at),
        "shippingInfo": {
            "phone": "2025550" + order.order_id[-3:],
            "estimatedDeliveryDate": _ms(
                shipment.estimated_delivery if shipment else order.created_at + timedelta(days=9)
            ),
            "estimatedShipDate": _ms(shipment.shipped_at if shipment else order.created_at + timedelta(days=2)),
            "methodCode": "Standard",
            "postalAddress": {
                "name": address.get("name"),
                "address1": address.get("address1"),
                "address2": None,
                "city": address.get("city"),
                "state": address.get("state"),
                "postalCode": address.get("postal_code"),
                "country": "USA",
                "addressType": "RESIDENTIAL",
            },
        },
        "orderLines": {"orderLine": lines},
        "shipNode": {"type": "SellerFulfilled"},
    }


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    return parse_iso(value)


def srr_payload(state: SandboxState, store_id: str, days: int) -> dict[str, Any] | None:
    """SRR over the last `days`: buyer mails answered within 48 h / buyer mails due (pending excluded)."""
    now = state.clock.now()
    stats = state.truth.response_stats(store_id, now - timedelta(days=days), now, RESPONSE_WINDOW)
    if stats["total"] == 0:
        return None
    rate = round(100.0 * stats["responded"] / stats["total"], 2)
    earlier = state.truth.response_stats(
        store_id, now - timedelta(days=days), now - timedelta(days=days / 2), RESPONSE_WINDOW
    )
    earlier_rate = 100.0 * earlier["responded"] / earlier["total"] if earlier["total"] else rate
    colour = "GREEN" if rate >= SRR_THRESHOLD else "RED"
    direction = "UP" if rate > earlier_rate else "DOWN" if rate < earlier_rate else None
    risk = "Good" if rate >= SRR_THRESHOLD else "Monitor" if rate >= 90 else "Urgent"
    return {
        "reportDuration": days,
        "overallRate": rate,
        "sellerAccountableRate": rate,
        "cumulativeRateTrend": f"{colour}_{direction}" if direction else "NEUTRAL",
        "performanceRiskLevel": risk,
        "riskLevel": {"Good": "LOW", "Monitor": "MEDIUM", "Urgent": "HIGH"}[risk],
        "standard": "95% or above",
        "totalCustomerMessages": stats["total"],
        "respondedWithin48Hours": stats["responded"],
        "pendingResponse": stats["pending"],
        "updatedTimestamp": now.isoformat(),
    }


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    @api.post("/v3/token")
    async def token(request: Request) -> Response:
        """Client-credentials token (Basic client_id:client_secret), valid 15 minutes."""
        set_context(request, MARKET, None, "token")
        _headers_present(request)
        try:
            client_id, _, secret = (
                base64.b64decode(request.headers["authorization"].split(" ", 1)[1]).decode().partition(":")
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise error(
                401,
                "UNAUTHORIZED.GMP_GATEWAY_API",
                "Unauthorized",
                field="UNAUTHORIZED",
                info="Unauthorized token or invalid client id",
            ) from exc
        store = state.store_by_credential(MARKET, "client_id", client_id)
        if store is None or store.credentials["client_secret"] != secret:
            raise error(
                401,
                "UNAUTHORIZED.GMP_GATEWAY_API",
                "Unauthorized",
                field="UNAUTHORIZED",
                info="Unauthorized token or invalid client id",
            )
        set_context(request, MARKET, store.id, "token")
        form = await form_body(request)
        if form.get("grant_type") != "client_credentials":
            raise error(
                400,
                "INVALID_REQUEST_PARAM.GMP_GATEWAY_API",
                "grant_type must be client_credentials",
                field="grant_type",
            )
        access = "eyJraWQiOi" + state.ids.secret(200)
        state.tokens.add(access, store.id, "access", state.clock.now(), TOKEN_TTL["walmart"])
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": TOKEN_TTL["walmart"]})

    @api.get("/v3/orders")
    async def orders(request: Request) -> Response:
        """Orders newest first; follow `list.meta.nextCursor` (a query string to append to /v3/orders)."""
        store = _authenticate(request, state, "getAllOrders")
        ticket = await gate(request, state, MARKET, store.id, "getAllOrders", ERRORS)
        q = dict(request.query_params)
        if q.get("nextCursor"):
            q = dict(parse_qsl(q["nextCursor"].lstrip("?"))) | {k: v for k, v in q.items() if k != "nextCursor"}
        limit = int_param(q.get("limit"), 100)
        offset = int_param(q.get("offset"), 0)
        if limit is None or not 1 <= limit <= 200 or offset is None or offset < 0:
            raise error(400, "INVALID_REQUEST_PARAM.GMP_ORDER_API", "Invalid limit or cursor", field="limit")
        try:
            start, end = _parse_date(q.get("createdStartDate")), _parse_date(q.get("createdEndDate"))
        except ValueError as exc:
            raise error(400, "INVALID_REQUEST_PARAM.GMP_ORDER_API", "Invalid date", field="createdStartDate") from exc
        found = state.catalog.orders_for_store(store)
        if start:
            found = [o for o in found if o.created_at >= start]
        if end:
            found = [o for o in found if o.created_at <= end]
        if q.get("purchaseOrderId"):
            found = [o for o in found if o.order_id == q["purchaseOrderId"]]
        if q.get("customerOrderId"):
            found = [o for o in found if o.customer_order_id == q["customerOrderId"]]
        if q.get("status"):
            found = [
                o
                for o in found
                if {"Created": "Acknowledged"}.get(o.status, o.status) == q["status"] or o.status == q["status"]
            ]
        page = found[offset : offset + limit]
        meta: dict[str, Any] = {"totalCount": len(found), "limit": limit}
        if offset + limit < len(found):
            cursor_params = {k: v for k, v in q.items() if k not in ("limit", "offset")}
            meta["nextCursor"] = "?" + urlencode(
                {"limit": limit, "hasMoreElements": "true", "offset": offset + limit, **cursor_params}
            )
        await ticket.finish()
        elements = {"order": [order_json(state, store, o) for o in page]}
        return JSONResponse({"list": {"meta": meta, "elements": elements}})

    @api.get("/v3/orders/{purchase_order_id}")
    async def order(request: Request, purchase_order_id: str) -> Response:
        store = _authenticate(request, state, "getAnOrder")
        ticket = await gate(request, state, MARKET, store.id, "getAnOrder", ERRORS)
        found = state.catalog.order(store, purchase_order_id)
        if found is None:
            raise error(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", "Order not found", field="purchaseOrderId")
        await ticket.finish()
        return JSONResponse({"order": order_json(state, store, found)})

    @api.get("/v3/insights/performance/srr/summary")
    async def srr_summary(request: Request) -> Response:
        """Seller Response Rate (48 h) over reportDuration days, from the sandbox's own truth."""
        store = _authenticate(request, state, "srrSummary")
        ticket = await gate(request, state, MARKET, store.id, "srrSummary", ERRORS)
        days = int_param(request.query_params.get("reportDuration"), 30)
        if days not in (14, 30, 60, 90):
            raise error(
                400,
                "INVALID_REQUEST_PARAM.GMP_GATEWAY_API",
                "reportDuration must be one of 14, 30, 60, 90",
                field="reportDuration",
            )
        payload = srr_payload(state, store.id, days)
        await ticket.finish()
        if payload is None:
            return Response(status_code=204)
        return JSONResponse({"payload": payload})

    return api
