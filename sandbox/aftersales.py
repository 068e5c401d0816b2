"""After-sales records in each marketplace's own shape: eBay's Post-Order API v2 (returns and
"item not received" inquiries) and Walmart's returns (GET /v3/returns, the refund action).

Shapes follow reference/wave2-apis.md §2.1 and §2.3:
- eBay `GET /post-order/v2/return/search` → `{members[], paginationOutput, total}`, a member with
  `returnId`, `state`, `status`, `currentType`, `buyerLoginName`, `sellerTotalRefund`,
  `sellerAvailableOptions[]{actionType}`, `sellerResponseDue{activityDue, respondByDate}` and
  `creationInfo{item{itemId, transactionId, returnQuantity}, reason, comments, creationDate}`;
- eBay `GET /post-order/v2/inquiry/search` → `{members[], paginationOutput, totalNumberOfInquiries}`
  with `inquiryId`, `inquiryStatusEnum`, `buyer`, `seller`, `itemId`, `transactionId`,
  `claimAmount`, `creationDate`, `lastModifiedDate`, `respondByDate`; `GET /inquiry/{id}` adds
  `state`, `status`, `sellerMakeItRightByDate` and `inquiryDetails`;
- eBay needs `Authorization: IAF <user token>` and `X-EBAY-C-MARKETPLACE-ID`; errors are
  `{"errorMessage":{"error":[…]}}`. Search Inquiries is not served by eBay's own Sandbox, so this
  stand-in is the only test bed;
- the seller actions: `POST /return/{id}/decide` ({"decision": "APPROVE" | "DECLINE"}),
  `POST /return/{id}/issue_refund` and `POST /inquiry/{id}/issue_refund`. eBay removed case
  close / issue_refund in 2026 and the remaining return calls are unconfirmed (reference §2.1):
  the names here are the v2 call index's;
- Walmart `GET /v3/returns` → `{"meta":{totalCount, limit, nextCursor}, "returnOrders":[…]}` with
  `returnOrderId`, `customerEmailId`, `customerOrderId`, `returnOrderDate`, `returnByDate`,
  `refundMode`, `totalRefundAmount{currencyAmount, currencyUnit}` and `returnOrderLines[]`;
  `POST /v3/returns/{returnOrderId}/refund` with `refundLines[]` completes the refund.

Amazon exposes no A-to-z claim or return API (reference §2.2): nothing is served for it here; its
claims reach the seller as Amazon's notice mail (inject a system mail at the relay mailbox).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.clock import iso_millis, parse_iso
from sandbox.marketplaces import walmart
from sandbox.marketplaces.common import MarketError, gate, int_param, json_body, set_context
from sandbox.models import AfterSale, Store
from sandbox.state import SandboxState

EBAY_BASE = "/post-order/v2"
EBAY_OPEN_RETURN = {"RETURN_REQUESTED", "WAITING_FOR_RETURN_LABEL", "ITEM_SHIPPED", "ITEM_DELIVERED"}
EBAY_OPEN_INQUIRY = {"OPEN", "PENDING", "WAITING_SELLER_RESPONSE", "WAITING_BUYER_RESPONSE"}
# Days the seller has, as eBay states them: 3 business days for an INR inquiry, 3 for a return.
DEFAULT_RESPOND_HOURS = 72
WALMART_RETURN_DAYS = 30


def _ebay_error(status: int, error_id: int, message: str) -> MarketError:
    body = {
        "errorMessage": {
            "error": [
                {
                    "errorId": error_id,
                    "domain": "returnErrorDomain",
                    "severity": "ERROR",
                    "category": "REQUEST",
                    "message": message,
                    "parameter": [],
                    "httpStatusCode": status,
                }
            ]
        }
    }
    return MarketError("ebay", status, body, code=error_id, message=message)


def create(
    state: SandboxState,
    store: Store,
    kind: str,
    *,
    order_id: str | None = None,
    status: str | None = None,
    respond_within_hours: float | None = None,
    reason: str | None = None,
) -> AfterSale:
    """A return (eBay or Walmart) or an eBay INR inquiry on one of the store's orders."""
    orders = state.catalog.orders_for_store(store)
    order = next((o for o in orders if o.order_id == order_id), None) if order_id else None
    if order is None and order_id:
        raise LookupError(f"no order {order_id} in store {store.id}")
    if order is None:
        order = next((o for o in orders if o.status in ("Delivered", "Shipped")), orders[0])
    line = order.items[0]
    buyer = state.buyer_for(store, order.buyer)
    now = state.clock.now()
    if store.marketplace == "walmart":
        record_id = state.ids.digits(13)
        default_status = "INITIATED"
    else:
        record_id = "5" + state.ids.digits(9)
        default_status = "RETURN_REQUESTED" if kind == "return" else "WAITING_SELLER_RESPONSE"
    record = AfterSale(
        id=record_id,
        marketplace=store.marketplace,
        store_id=store.id,
        kind="return" if store.marketplace == "walmart" else kind,  # type: ignore[arg-type]
        order_id=order.order_id,
        customer_order_id=order.customer_order_id,
        buyer_handle=buyer.handle,
        buyer_address=buyer.address,
        item_id=line.listing_id,
        transaction_id=str(1000000000 + line.line_number),
        sku=line.sku,
        title=line.title,
        line_number=line.line_number,
        quantity=line.quantity,
        amount=round(line.unit_price * line.quantity, 2),
        currency=order.currency,
        reason=reason or ("ITEM_NOT_RECEIVED" if kind == "inquiry" else "DEFECTIVE_ITEM"),
        comments="The item arrived damaged." if kind == "return" else "Where is my parcel?",
        status=status or default_status,
        created_at=now,
        updated_at=now,
        respond_by=now + timedelta(hours=respond_within_hours or DEFAULT_RESPOND_HOURS),
        return_by=now + timedelta(days=WALMART_RETURN_DAYS) if store.marketplace == "walmart" else None,
    )
    state.after_sales[record.id] = record
    return record


def update(state: SandboxState, record: AfterSale, *, status: str | None, respond_by: datetime | None) -> None:
    """The buyer or the marketplace moved the record (shipped the item back, eBay closed it...)."""
    if status:
        record.status = status
    if respond_by:
        record.respond_by = respond_by
    record.updated_at = state.clock.now()


def _date(value: datetime | None) -> dict[str, str] | None:
    return {"value": iso_millis(value), "formattedValue": value.strftime("%b %d, %Y")} if value else None


def _ebay_return_options(record: AfterSale) -> list[dict[str, str]]:
    if record.status == "RETURN_REQUESTED":
        return [{"actionType": "APPROVE"}, {"actionType": "DECLINE"}, {"actionType": "ISSUE_REFUND"}]
    if record.status in ("WAITING_FOR_RETURN_LABEL", "ITEM_SHIPPED", "ITEM_DELIVERED"):
        return [{"actionType": "ISSUE_REFUND"}]
    return []


def ebay_return(record: AfterSale, seller: str) -> dict[str, Any]:
    open_ = record.status in EBAY_OPEN_RETURN
    refund = record.refunded if record.refunded is not None else record.amount
    return {
        "returnId": record.id,
        "state": "CLOSED" if not open_ else ("ITEM_SHIPPED" if record.status == "ITEM_SHIPPED" else "RETURN_STARTED"),
        "status": record.status,
        "currentType": "MONEY_BACK",
        "buyerLoginName": record.buyer_handle,
        "sellerLoginName": seller,
        "sellerTotalRefund": {
            "estimatedRefundAmount": {"value": record.amount, "currency": record.currency},
            **({"actualRefundAmount": {"value": refund, "currency": record.currency}} if record.refunded else {}),
        },
        "sellerAvailableOptions": _ebay_return_options(record),
        "sellerResponseDue": (
            {"activityDue": "SELLER_APPROVE_REQUEST", "respondByDate": _date(record.respond_by)}
            if record.status == "RETURN_REQUESTED"
            else None
        ),
        "buyerResponseDue": None,
        "creationInfo": {
            "item": {
                "itemId": record.item_id,
                "transactionId": record.transaction_id,
                "returnQuantity": record.quantity,
            },
            "type": "MONEY_BACK",
            "reason": record.reason,
            "comments": {"content": record.comments},
            "creationDate": _date(record.created_at),
        },
    }


def ebay_inquiry(record: AfterSale, seller: str, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "inquiryId": record.id,
        "inquiryStatusEnum": record.status,
        "buyer": record.buyer_handle,
        "seller": seller,
        "itemId": record.item_id,
        "transactionId": record.transaction_id,
        "claimAmount": {"value": record.amount, "currency": record.currency},
        "creationDate": _date(record.created_at),
        "lastModifiedDate": _date(record.updated_at),
        "respondByDate": _date(record.respond_by),
    }
    if detail:
        out |= {
            "state": "CLOSED" if record.status not in EBAY_OPEN_INQUIRY else "OPEN",
            "status": record.status,
            "sellerMakeItRightByDate": _date(record.respond_by),
            "inquiryDetails": {
                "expirationDate": _date(record.respond_by),
                "refundDeadlineDate": _date(record.respond_by),
                "escalationDate": _date(record.respond_by + timedelta(days=5) if record.respond_by else None),
            },
            "refundAmount": (
                {"value": record.refunded, "currency": record.currency} if record.refunded is not None else None
            ),
        }
    return out


def walmart_return(record: AfterSale) -> dict[str, Any]:
    refund_status = {"COMPLETED": "REFUND_COMPLETED"}.get(
        record.status, "REFUND_PENDING" if record.refunded is None else "REFUND_INITIATED"
    )
    return {
        "returnOrderId": record.id,
        "customerEmailId": walmart.customer_email_id(record.buyer_address) if record.buyer_address else None,
        "customerOrderId": record.customer_order_id or record.order_id,
        "returnOrderDate": iso_millis(record.created_at),
        "returnByDate": iso_millis(record.return_by) if record.return_by else None,
        "refundMode": "ONLINE",
        "totalRefundAmount": {"currencyAmount": record.amount, "currencyUnit": record.currency},
        "returnOrderLines": [
            {
                "returnOrderLineNumber": 1,
                "salesOrderLineNumber": record.line_number,
                "returnReason": record.reason,
                "purchaseOrderId": record.order_id,
                "purchaseOrderLineNumber": record.line_number,
                "item": {"sku": record.sku, "productName": record.title},
                "quantity": {"unitOfMeasure": "EA", "measurementValue": record.quantity},
                "status": record.status,
                "currentDeliveryStatus": "DELIVERED" if record.status in ("DELIVERED", "COMPLETED") else "INITIATED",
                "currentRefundStatus": refund_status,
                "refundChannel": "ONLINE",
            }
        ],
    }


def _ebay_store(request: Request, state: SandboxState, operation: str) -> Store:
    """Post-Order calls carry `Authorization: IAF <user token>` and the marketplace id header."""
    set_context(request, "ebay", None, operation)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.upper() != "IAF" or not token:
        raise _ebay_error(401, 1001, "Invalid access token: use 'IAF <token>'.")
    status, record = state.tokens.check(token.strip(), state.clock.now(), ("user",))
    store = state.store(record.store_id) if record else None
    if status != "ok" or store is None or store.marketplace != "ebay":
        raise _ebay_error(401, 1001, "Invalid access token.")
    if not request.headers.get("x-ebay-c-marketplace-id"):
        raise _ebay_error(400, 1003, "Missing X-EBAY-C-MARKETPLACE-ID header.")
    set_context(request, "ebay", store.id, operation)
    return store


def _records(state: SandboxState, store: Store, kind: str) -> list[AfterSale]:
    found = [a for a in state.after_sales.values() if a.store_id == store.id and a.kind == kind]
    return sorted(found, key=lambda a: (a.created_at, a.id))


def _page(request: Request) -> tuple[int, int]:
    limit = int_param(request.query_params.get("limit"), 25)
    offset = int_param(request.query_params.get("offset"), 0)
    if limit is None or not 1 <= limit <= 200 or offset is None or offset < 0:
        raise _ebay_error(400, 1101, "limit must be 1-200 and offset non-negative.")
    return limit, offset


def _since(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise _ebay_error(400, 1102, f"Invalid date in {name}.") from None


def ebay_router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    from sandbox.marketplaces.ebay import ERRORS

    def find(store: Store, kind: str, record_id: str) -> AfterSale:
        record = state.after_sales.get(record_id)
        if record is None or record.store_id != store.id or record.kind != kind:
            raise _ebay_error(404, 1202, f"The {kind} id {record_id} is invalid.")
        return record

    @api.get(f"{EBAY_BASE}/return/search")
    async def search_returns(request: Request) -> Response:
        store = _ebay_store(request, state, "searchReturns")
        ticket = await gate(request, state, "ebay", store.id, "searchReturns", ERRORS)
        limit, offset = _page(request)
        since = _since(request, "creation_date_range_from")
        found = _records(state, store, "return")
        if since:
            found = [a for a in found if a.created_at >= since]
        wanted = request.query_params.get("return_state")
        if wanted in ("ALL_OPEN", "ALL_OPEN_RETURN"):
            found = [a for a in found if a.status in EBAY_OPEN_RETURN]
        elif wanted == "CLOSED":
            found = [a for a in found if a.status not in EBAY_OPEN_RETURN]
        page = found[offset : offset + limit]
        await ticket.finish()
        pages = max(1, -(-len(found) // limit))
        return JSONResponse(
            {
                "members": [ebay_return(a, store.seller_handle) for a in page],
                "paginationOutput": {"limit": limit, "offset": offset, "totalEntries": len(found), "totalPages": pages},
                "total": len(found),
            }
        )

    @api.get(f"{EBAY_BASE}/return/{{return_id}}")
    async def get_return(request: Request, return_id: str) -> Response:
        store = _ebay_store(request, state, "getReturn")
        ticket = await gate(request, state, "ebay", store.id, "getReturn", ERRORS)
        record = find(store, "return", return_id)
        await ticket.finish()
        return JSONResponse({"summary": ebay_return(record, store.seller_handle), "detail": {}})

    @api.post(f"{EBAY_BASE}/return/{{return_id}}/decide")
    async def decide_return(request: Request, return_id: str) -> Response:
        store = _ebay_store(request, state, "processReturnRequest")
        ticket = await gate(request, state, "ebay", store.id, "processReturnRequest", ERRORS)
        record = find(store, "return", return_id)
        body = await json_body(request, lambda m: _ebay_error(400, 1100, m))
        decision = body.get("decision")
        if decision not in ("APPROVE", "DECLINE"):
            raise _ebay_error(400, 1203, "decision must be APPROVE or DECLINE.")
        if record.status != "RETURN_REQUESTED":
            raise _ebay_error(409, 1204, f"The return is {record.status}; no decision is pending.")
        record.status = "WAITING_FOR_RETURN_LABEL" if decision == "APPROVE" else "RETURN_REJECTED"
        record.updated_at = state.clock.now()
        record.actions.append({"action": decision, "at": iso_millis(record.updated_at)})
        await ticket.finish()
        return Response(status_code=200)

    async def refund(request: Request, kind: str, record_id: str, operation: str) -> Response:
        store = _ebay_store(request, state, operation)
        ticket = await gate(request, state, "ebay", store.id, operation, ERRORS)
        record = find(store, kind, record_id)
        body = await json_body(request, lambda m: _ebay_error(400, 1100, m))
        open_ = EBAY_OPEN_RETURN if kind == "return" else EBAY_OPEN_INQUIRY
        if record.status not in open_:
            raise _ebay_error(409, 1205, f"The {kind} is {record.status}; it cannot be refunded.")
        total = ((body.get("refundDetail") or {}).get("totalAmount") or {}).get("value") if kind == "return" else None
        record.refunded = float(total) if total is not None else record.amount
        record.status = "CLOSED"
        record.updated_at = state.clock.now()
        record.actions.append(
            {"action": "ISSUE_REFUND", "amount": record.refunded, "at": iso_millis(record.updated_at)}
        )
        await ticket.finish()
        if kind == "return":
            return JSONResponse({"refundStatus": "SUCCESS"})
        return JSONResponse({"refundResult": {"refundStatus": "SUCCESS"}})

    @api.post(f"{EBAY_BASE}/return/{{return_id}}/issue_refund")
    async def refund_return(request: Request, return_id: str) -> Response:
        return await refund(request, "return", return_id, "issueReturnRefund")

    @api.get(f"{EBAY_BASE}/inquiry/search")
    async def search_inquiries(request: Request) -> Response:
        store = _ebay_store(request, state, "searchInquiries")
        ticket = await gate(request, state, "ebay", store.id, "searchInquiries", ERRORS)
        limit, offset = _page(request)
        since = _since(request, "inquiry_creation_date_range_from")
        found = _records(state, store, "inquiry")
        if since:
            found = [a for a in found if a.created_at >= since]
        if request.query_params.get("inquiry_status"):
            found = [a for a in found if a.status == request.query_params["inquiry_status"]]
        page = found[offset : offset + limit]
        await ticket.finish()
        pages = max(1, -(-len(found) // limit))
        return JSONResponse(
            {
                "members": [ebay_inquiry(a, store.seller_handle) for a in page],
                "paginationOutput": {"limit": limit, "offset": offset, "totalEntries": len(found), "totalPages": pages},
                "totalNumberOfInquiries": len(found),
            }
        )

    @api.get(f"{EBAY_BASE}/inquiry/{{inquiry_id}}")
    async def get_inquiry(request: Request, inquiry_id: str) -> Response:
        store = _ebay_store(request, state, "getInquiry")
        ticket = await gate(request, state, "ebay", store.id, "getInquiry", ERRORS)
        record = find(store, "inquiry", inquiry_id)
        await ticket.finish()
        return JSONResponse(ebay_inquiry(record, store.seller_handle, detail=True))

    @api.post(f"{EBAY_BASE}/inquiry/{{inquiry_id}}/issue_refund")
    async def refund_inquiry(request: Request, inquiry_id: str) -> Response:
        return await refund(request, "inquiry", inquiry_id, "issueInquiryRefund")

    return api


def walmart_router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    @api.get("/v3/returns")
    async def returns(request: Request) -> Response:
        store = walmart._authenticate(request, state, "getReturns")
        ticket = await gate(request, state, "walmart", store.id, "getReturns", walmart.ERRORS)
        q = dict(request.query_params)
        limit = int_param(q.get("limit"), 200)
        offset = int_param(q.get("offset"), 0)
        if limit is None or not 1 <= limit <= 200 or offset is None or offset < 0:
            raise walmart.error(400, "INVALID_REQUEST_PARAM.GMP_RETURNS_API", "Invalid limit", field="limit")
        found = _records(state, store, "return")
        try:
            since = walmart._parse_date(q.get("returnLastModifiedStartDate"))
        except ValueError:
            raise walmart.error(
                400, "INVALID_REQUEST_PARAM.GMP_RETURNS_API", "Invalid date", field="returnLastModifiedStartDate"
            ) from None
        if since:
            found = [a for a in found if a.updated_at >= since]
        for name, attr in (("returnOrderId", "id"), ("customerOrderId", "customer_order_id"), ("status", "status")):
            if q.get(name):
                found = [a for a in found if str(getattr(a, attr) or a.order_id) == q[name]]
        page = found[offset : offset + limit]
        meta: dict[str, Any] = {"totalCount": len(found), "limit": limit, "nextCursor": None}
        if offset + limit < len(found):
            meta["nextCursor"] = f"?limit={limit}&offset={offset + limit}"
        await ticket.finish()
        return JSONResponse({"meta": meta, "returnOrders": [walmart_return(a) for a in page]})

    @api.post("/v3/returns/{return_order_id}/refund")
    async def refund(request: Request, return_order_id: str) -> Response:
        store = walmart._authenticate(request, state, "issueRefund")
        ticket = await gate(request, state, "walmart", store.id, "issueRefund", walmart.ERRORS)
        record = state.after_sales.get(return_order_id)
        if record is None or record.store_id != store.id:
            raise walmart.error(
                404, "CONTENT_NOT_FOUND.GMP_RETURNS_API", "Return order not found", field="returnOrderId"
            )
        body = await json_body(
            request, lambda m: walmart.error(400, "INVALID_REQUEST_CONTENT.GMP_RETURNS_API", m, field="body")
        )
        lines = body.get("refundLines")
        if not isinstance(lines, list) or not lines:
            raise walmart.error(
                400, "INVALID_REQUEST_CONTENT.GMP_RETURNS_API", "refundLines required", field="refundLines"
            )
        if record.status == "COMPLETED":
            raise walmart.error(
                409, "REFUND_ALREADY_ISSUED.GMP_RETURNS_API", "Refund already issued", field="returnOrderId"
            )
        record.status = "COMPLETED"
        record.refunded = record.amount
        record.updated_at = state.clock.now()
        record.actions.append({"action": "REFUND", "lines": lines, "at": iso_millis(record.updated_at)})
        await ticket.finish()
        return JSONResponse(walmart_return(record))

    return api
