"""Walmart: buyer and Customer Care mail by relay (IMAP in, SMTP out), the Orders API for order
context, and the Seller Response Rate summary to reconcile with Hourglass's own figure.

Relay quirks handled (reference/marketplaces.md §2; the addresses are UNVERIFIED shapes):
- buyers write from `pc-<32 hex>@relay.walmart.com`, the customer key;
- Walmart Customer Care writes from its care address: category `walmart_customer_care` (the
  Message Center's Customer Care view); BBB and Attorney-General complaints come from the
  escalations address and are labelled `bbb_complaint` / `attorney_general_complaint`, which the
  1-hour SLA policy matches;
- the order is the "Purchase Order #" of the footer, or "PO #" in the subject: such mail threads by
  order and sender; the footer (policy reminders) is not part of the buyer's words.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote

from api.channel.connectors import aftersales
from api.channel.connectors.base import ConnectorError, Permanent
from api.channel.connectors.http import raise_for_status
from api.channel.connectors.mail.connector import MailConnector, base_inbound
from api.channel.connectors.mail.parse import Mail
from api.message.inbound import InboundMessage

RELAY_DOMAIN = "relay.walmart.com"
CARE_ADDRESS = "marketplacecare@walmart.com"
ESCALATIONS_ADDRESS = "partnerescalations@walmart.com"
DEFAULT_BASE = "https://marketplace.walmartapis.com"
_ORDER_IN_BODY = re.compile(r"Purchase Order #:?\s*(\d{6,20})")
_ORDER_IN_SUBJECT = re.compile(r"(?:PO|order)\s*#\s*(\d{6,20})", re.IGNORECASE)
_FOOTER = re.compile(r"\n-{4,}\s*\n")


def parse_relay_mail(mail: Mail) -> InboundMessage | None:
    """One mail from Walmart's relay or Customer Care (pure)."""
    order = _ORDER_IN_BODY.search(mail.text) or _ORDER_IN_SUBJECT.search(mail.subject)
    order_id = order.group(1) if order else None
    thread = None if order_id else mail.thread_root
    body = _FOOTER.split(mail.text, maxsplit=1)[0].strip() or mail.text
    sender = mail.from_address
    if sender == ESCALATIONS_ADDRESS:
        text = f"{mail.subject}\n{mail.text}".lower()
        label = "attorney_general_complaint" if "attorney general" in text else "bbb_complaint"
        return base_inbound(
            mail, external_thread_id=thread, order_id=order_id, body=body, category="complaint", labels=(label,)
        )
    if sender == CARE_ADDRESS:
        return base_inbound(
            mail, external_thread_id=thread, order_id=order_id, body=body, category="walmart_customer_care"
        )
    walmart_itself = sender.endswith("@walmart.com") or (
        sender.endswith(".walmart.com") and not sender.endswith("@" + RELAY_DOMAIN)
    )
    if walmart_itself:  # Seller Center notices and the like: information, nobody waits on an answer
        return base_inbound(mail, author_kind="system", auto_submitted=True, category="platform_notice")
    return base_inbound(mail, external_thread_id=thread, order_id=order_id, body=body)


def read_error(body: Any) -> tuple[str | None, str]:
    try:
        first = body["errors"]["error"][0]
        return str(first.get("code") or "") or None, str(first.get("description") or first.get("info") or "")
    except (KeyError, IndexError, TypeError):
        return None, ""


class WalmartConnector(MailConnector):
    marketplace = "walmart"
    notice_domains = ("walmart.com",)

    def to_inbound(self, mail: Mail) -> InboundMessage | None:
        return parse_relay_mail(mail)

    # -- Marketplace API (orders for context, the SRR summary) ---------------------------------------

    @property
    def has_api(self) -> bool:
        return bool(self.credentials.get("client_id") and self.credentials.get("client_secret"))

    def _headers(self, token: str | None = None) -> dict[str, str]:
        headers = {
            "WM_SVC.NAME": "Walmart Marketplace",
            "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "Accept": "application/json",
        }
        if token:
            headers["WM_SEC.ACCESS_TOKEN"] = token
        return headers

    async def _token(self) -> str:
        c = self.credentials
        expires = float(c.get("_token_expires") or 0)
        if c.get("_token") and expires > datetime.now(UTC).timestamp() + 60:
            return str(c["_token"])
        if not self.has_api:
            raise Permanent("the Walmart API needs client_id and client_secret")
        basic = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
        response = await self.send(
            "POST",
            f"{self._base}/v3/token",
            data={"grant_type": "client_credentials"},
            headers={**self._headers(), "Authorization": f"Basic {basic}"},
        )
        raise_for_status(response, read_error)
        data = response.json()
        # 15-minute tokens are kept in memory only: cheap to renew, nothing to persist.
        self.credentials["_token"] = data["access_token"]
        self.credentials["_token_expires"] = datetime.now(UTC).timestamp() + float(data.get("expires_in", 900))
        return str(data["access_token"])

    @property
    def _base(self) -> str:
        return str(self.settings.get("base_url") or DEFAULT_BASE).rstrip("/")

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = await self.send(
            "GET",
            f"{self._base}{path}",
            params=dict(params or {}),
            headers=self._headers(await self._token()),
        )
        raise_for_status(response, read_error)
        return response.json() if response.status_code != 204 and response.content else None

    async def orders_since(self, since: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """Orders created since `since`, following `nextCursor`."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"createdStartDate": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": limit}
        while True:
            data = await self._get("/v3/orders", params)
            listing = (data or {}).get("list") or {}
            found += ((listing.get("elements") or {}).get("order")) or []
            cursor = (listing.get("meta") or {}).get("nextCursor")
            if not cursor:
                return found
            params = {"nextCursor": cursor}

    async def response_rate(self, days: int = 30) -> dict[str, Any] | None:
        """The Seller Response Rate summary (48 h rate, trend, risk); None when nothing is measured yet."""
        data = await self._get("/v3/insights/performance/srr/summary", {"reportDuration": days})
        return (data or {}).get("payload") if data else None

    async def after_sales(self, since: datetime) -> list[aftersales.MarketCase]:
        """Return orders modified since `since` (GET /v3/returns, following `nextCursor`)."""
        found: list[aftersales.MarketCase] = []
        params: dict[str, Any] = {"returnLastModifiedStartDate": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": 200}
        while True:
            data = await self._get("/v3/returns", params) or {}
            for order in data.get("returnOrders") or []:
                found.append(aftersales.walmart_return(order, relay_alias(order.get("customerEmailId"))))
            cursor = (data.get("meta") or {}).get("nextCursor")
            if not cursor or len(found) >= 2000:
                return found
            params = dict(parse_qsl(str(cursor).lstrip("?")))

    async def after_sales_action(self, record: aftersales.MarketCase, action: str, amount: Decimal | None) -> None:
        """refund: POST /v3/returns/{returnOrderId}/refund with every return line in full."""
        if action != "refund" or record.source != "walmart_return":
            raise Permanent(f"Walmart has no {action} for a {record.source}")
        lines = [
            {
                "returnOrderLineNumber": line.get("number") or n + 1,
                "quantity": {"unitOfMeasure": "EA", "measurementValue": line.get("quantity") or 1},
            }
            for n, line in enumerate(record.extra.get("lines") or [{}])
        ]
        response = await self.send(
            "POST",
            f"{self._base}/v3/returns/{quote(record.marketplace_case_id, safe='')}/refund",
            json={"customerOrderId": record.extra.get("customer_order_id"), "refundLines": lines},
            headers={**self._headers(await self._token()), "Content-Type": "application/json"},
        )
        raise_for_status(response, read_error)

    async def check_credentials(self) -> dict[str, Any]:
        info = await super().check_credentials()
        if self.has_api:
            try:
                await self._token()
                info["marketplace_api"] = "ok"
            except ConnectorError as exc:
                if isinstance(exc, Permanent):
                    raise
                info["marketplace_api"] = exc.describe()
        return info


def relay_alias(customer_email_id: Any) -> str | None:
    """The Orders API's `customerEmailId` (`4B20…C2@relay.walmart.com`) as the `pc-…` relay address
    the buyer's mail comes from, so order and mail meet on one customer. ASSUMED (as the sandbox
    does): the same hex, lower-cased, with the `pc-` prefix; Walmart does not document the relation."""
    if not customer_email_id or "@" not in str(customer_email_id):
        return None
    local, _, domain = str(customer_email_id).partition("@")
    local = local.lower()
    return f"{local if local.startswith('pc-') else 'pc-' + local}@{domain.lower()}"


def order_upsert(order: Mapping[str, Any]) -> dict[str, Any]:
    """A Walmart order as the fields of Hourglass's order upsert (pure)."""

    def ms(value: Any) -> str | None:
        return datetime.fromtimestamp(int(value) / 1000, UTC).isoformat() if value else None

    lines = (order.get("orderLines") or {}).get("orderLine") or []
    items, shipments, total = [], [], 0.0
    status = "unknown"
    for line in lines:
        item = line.get("item") or {}
        charges = (line.get("charges") or {}).get("charge") or []
        amount = sum(float((c.get("chargeAmount") or {}).get("amount") or 0) for c in charges)
        total += amount
        quantity = int(float((line.get("orderLineQuantity") or {}).get("amount") or 1))
        items.append(
            {
                "sku": item.get("sku"),
                "title": item.get("productName") or "item",
                "quantity": quantity,
                "unit_price": round(amount / quantity, 2) if quantity else None,
            }
        )
        for st in (line.get("orderLineStatuses") or {}).get("orderLineStatus") or []:
            status = str(st.get("status") or status).lower()
            tracking = st.get("trackingInfo")
            if tracking:
                carrier = tracking.get("carrierName") or {}
                shipments.append(
                    {
                        "carrier": carrier.get("carrier") or carrier.get("otherCarrier"),
                        "tracking_number": tracking.get("trackingNumber"),
                        "tracking_url": tracking.get("trackingURL"),
                        "shipped_at": ms(tracking.get("shipDateTime")),
                    }
                )
    shipping = order.get("shippingInfo") or {}
    return {
        "external_id": str(order["purchaseOrderId"]),
        "status": status,
        "placed_at": ms(order.get("orderDate")),
        "estimated_delivery": ms(shipping.get("estimatedDeliveryDate")),
        "ship_by": ms(shipping.get("estimatedShipDate")),
        "ship_to_country": "US",
        "currency": "USD",
        "total_amount": round(total, 2),
        "buyer_email": relay_alias(order.get("customerEmailId")),
        "buyer_name": (shipping.get("postalAddress") or {}).get("name"),
        "items": items,
        "shipments": shipments,
    }
