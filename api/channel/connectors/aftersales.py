"""Marketplace after-sales records (returns, "item not received" inquiries) as one neutral shape,
and the notice message that brings a new one into a conversation (pure: no I/O).

Sources (reference/wave2-apis.md §2):
- eBay Post-Order v2 `return/search` and `inquiry/search` members;
- Walmart `GET /v3/returns` return orders;
- Amazon: no A-to-z claim or return API exists (§2.2); its claims arrive as Amazon's notice mail
  and are recognised in api/case/notices.py, never polled.

A record is keyed by the marketplace's own id. Its first sighting becomes one system message (the
message id is derived from the record id, so a re-poll ingests nothing new) that carries the record
in its metadata; the automation step turns it into a case (api/case/service.open_from_notice).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from api.channel.connectors.window import parse_time
from api.message.inbound import InboundMessage


@dataclass(frozen=True)
class MarketCase:
    source: str  # ebay_return | ebay_inquiry | walmart_return
    marketplace: str
    marketplace_case_id: str
    kind: str  # our case kind: return | claim
    status: str  # the marketplace's own status word
    deadline: datetime | None  # the seller's deadline as the marketplace states it
    created_at: datetime | None
    buyer_id: str
    buyer_email: str | None = None
    order_id: str | None = None
    item_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    refunded: Decimal | None = None
    reason: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    # What the marketplace lets the seller do now (eBay sellerAvailableOptions), and the ids an
    # action needs (Walmart customerOrderId and return line numbers).
    options: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("deadline", "created_at"):
            out[name] = out[name].isoformat() if out[name] else None
        for name in ("amount", "refunded"):
            out[name] = str(out[name]) if out[name] is not None else None
        out["options"] = list(self.options)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MarketCase:
        values = dict(data)
        for name in ("deadline", "created_at"):
            values[name] = parse_time(values.get(name))
        for name in ("amount", "refunded"):
            values[name] = _money(values.get(name))
        values["options"] = tuple(values.get("options") or ())
        return cls(**values)


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _date(value: Any) -> datetime | None:
    """eBay's `{"value": "2026-03-04T10:00:00.000Z", "formattedValue": …}` or a bare ISO string."""
    if isinstance(value, dict):
        value = value.get("value")
    return parse_time(value) if value else None


def ebay_return(member: dict[str, Any], seller: str) -> MarketCase:
    info = member.get("creationInfo") or {}
    item = info.get("item") or {}
    refund = member.get("sellerTotalRefund") or {}
    estimated = refund.get("estimatedRefundAmount") or {}
    actual = refund.get("actualRefundAmount") or {}
    due = member.get("sellerResponseDue") or {}
    comments = info.get("comments") or {}
    text = comments.get("content") if isinstance(comments, dict) else str(comments or "")
    quantity = int(item.get("returnQuantity") or 1)
    return MarketCase(
        source="ebay_return",
        marketplace="ebay",
        marketplace_case_id=str(member["returnId"]),
        kind="return",
        status=str(member.get("status") or member.get("state") or ""),
        deadline=_date(due.get("respondByDate")),
        created_at=_date(info.get("creationDate")),
        buyer_id=str(member.get("buyerLoginName") or ""),
        item_id=str(item["itemId"]) if item.get("itemId") else None,
        amount=_money(estimated.get("value")),
        currency=estimated.get("currency"),
        refunded=_money(actual.get("value")),
        reason=" ".join(p for p in (str(info.get("reason") or ""), text or "") if p),
        items=[{"item_id": str(item["itemId"]), "quantity": quantity}] if item.get("itemId") else [],
        options=tuple(str(o.get("actionType")) for o in member.get("sellerAvailableOptions") or [] if o),
        extra={"transaction_id": item.get("transactionId"), "seller": seller},
    )


def ebay_inquiry(member: dict[str, Any]) -> MarketCase:
    claim = member.get("claimAmount") or {}
    refund = member.get("refundAmount") or {}
    return MarketCase(
        source="ebay_inquiry",
        marketplace="ebay",
        marketplace_case_id=str(member["inquiryId"]),
        kind="claim",
        status=str(member.get("inquiryStatusEnum") or member.get("status") or ""),
        deadline=_date(member.get("respondByDate")),
        created_at=_date(member.get("creationDate")),
        buyer_id=str(member.get("buyer") or ""),
        item_id=str(member["itemId"]) if member.get("itemId") else None,
        amount=_money(claim.get("value")),
        currency=claim.get("currency"),
        refunded=_money(refund.get("value")) if isinstance(refund, dict) else None,
        reason="Item not received",
        items=[{"item_id": str(member["itemId"]), "quantity": 1}] if member.get("itemId") else [],
        extra={"transaction_id": member.get("transactionId")},
    )


def walmart_return(order: dict[str, Any], buyer_email: str | None) -> MarketCase:
    lines = order.get("returnOrderLines") or []
    total = order.get("totalRefundAmount") or {}
    statuses = [str(line.get("status") or "") for line in lines]
    refunds = [str(line.get("currentRefundStatus") or "") for line in lines]
    if lines and all(r == "REFUND_COMPLETED" for r in refunds):
        status = "REFUND_COMPLETED"
    elif lines and all(s == statuses[0] for s in statuses):
        status = statuses[0]
    else:
        status = "INITIATED"
    items = []
    for line in lines:
        qty = (line.get("quantity") or {}).get("measurementValue") or 1
        sku = (line.get("item") or {}).get("sku")
        items.append({"sku": sku, "quantity": int(qty)} if sku else {"quantity": int(qty)})
    reasons = sorted({str(line.get("returnReason")) for line in lines if line.get("returnReason")})
    purchase_orders = [str(line["purchaseOrderId"]) for line in lines if line.get("purchaseOrderId")]
    return MarketCase(
        source="walmart_return",
        marketplace="walmart",
        marketplace_case_id=str(order["returnOrderId"]),
        kind="return",
        status=status,
        # Walmart states no seller deadline; returnByDate (the buyer's last day to send the item back)
        # is the one date the marketplace gives, so the case's clock runs to it.
        deadline=parse_time(order.get("returnByDate")),
        created_at=parse_time(order.get("returnOrderDate")),
        buyer_id=buyer_email or str(order.get("customerEmailId") or ""),
        buyer_email=buyer_email,
        order_id=purchase_orders[0] if purchase_orders else order.get("customerOrderId"),
        amount=_money(total.get("currencyAmount")),
        currency=total.get("currencyUnit"),
        reason=", ".join(reasons),
        items=[i for i in items if i.get("sku")],
        extra={
            "customer_order_id": order.get("customerOrderId"),
            "lines": [
                {
                    "number": line.get("returnOrderLineNumber"),
                    "quantity": int((line.get("quantity") or {}).get("measurementValue") or 1),
                }
                for line in lines
            ],
        },
    )


_TITLES = {
    "ebay_return": "eBay return request",
    "ebay_inquiry": "eBay item not received request",
    "walmart_return": "Walmart return request",
}


def notice(record: MarketCase) -> InboundMessage:
    """The system message that brings a new record into a conversation: eBay's Post-Order records
    get a thread of their own (they are not part of any member conversation); a Walmart return joins
    the buyer's mail about the same purchase order (threaded by order and relay address)."""
    title = _TITLES.get(record.source, "Marketplace case")
    due = f" Respond by {record.deadline:%Y-%m-%d %H:%M} UTC." if record.deadline else ""
    amount = f" Amount: {record.amount} {record.currency}." if record.amount is not None else ""
    body = f"{title} {record.marketplace_case_id}: {record.reason or 'no reason given'}.{amount}{due}"
    thread = None if record.marketplace == "walmart" else f"{record.source}:{record.marketplace_case_id}"
    return InboundMessage(
        external_message_id=f"{record.source}:{record.marketplace_case_id}",
        external_thread_id=thread,
        buyer_external_id=record.buyer_id or "unknown",
        buyer_name=record.buyer_id or None,
        buyer_email=record.buyer_email,
        order_id=record.order_id,
        item_id=record.item_id,
        subject=f"{title} {record.marketplace_case_id}",
        body=body,
        sent_at=record.created_at or datetime.now().astimezone(),
        author_kind="system",
        auto_submitted=True,
        category="return_refund",
        metadata={"marketplace_case": record.to_json()},
    )
