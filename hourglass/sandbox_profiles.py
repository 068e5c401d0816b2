"""Channel configurations for the local marketplace sandbox (`hourglass sandbox`), built from its
`GET /_sandbox/stores` entries: the same connectors, pointed at another base URL and mail hosts.

Used by the demo and the tests; the product never imports the sandbox itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CREDENTIAL_KEYS: dict[str, tuple[str, ...]] = {
    "ebay": ("client_id", "client_secret", "refresh_token", "access_token", "seller_username"),
    "shopee": ("partner_id", "partner_key", "shop_id", "shop_user_id", "access_token", "refresh_token"),
    "tiktok": ("app_key", "app_secret", "shop_id", "shop_cipher", "access_token", "refresh_token"),
    "walmart": ("client_id", "client_secret", "imap_username", "imap_password", "smtp_username", "smtp_password"),
    "amazon": (
        "lwa_client_id",
        "lwa_client_secret",
        "refresh_token",
        "imap_username",
        "imap_password",
        "smtp_username",
        "smtp_password",
    ),
}


def sandbox_channel(store: Mapping[str, Any], **settings_overrides: Any) -> dict[str, Any]:
    """A `POST /v1/channels` body for one sandbox store."""
    marketplace = str(store["marketplace"])
    creds = store.get("credentials") or {}
    endpoints = store.get("endpoints") or {}
    base = str(endpoints.get("http_base") or "")
    settings: dict[str, Any] = {"base_url": base}
    if marketplace == "ebay":
        settings["seller_username"] = creds.get("seller_username") or store.get("seller_handle")
    if marketplace in ("amazon", "walmart"):
        imap, smtp = endpoints.get("imap") or {}, endpoints.get("smtp") or {}
        # A sandbox in TLS mode: implicit TLS for IMAP (its IMAPS port), STARTTLS for submission.
        imap_tls = bool(imap.get("tls"))
        settings |= {
            "imap_host": imap.get("host"),
            "imap_port": (imap.get("imaps_port") or imap.get("port")) if imap_tls else imap.get("port"),
            "imap_security": "ssl" if imap_tls else "none",
            "smtp_host": smtp.get("host"),
            "smtp_port": smtp.get("port"),
            "smtp_security": "starttls" if smtp.get("tls") else "none",
            "seller_email": creds.get("seller_email"),
        }
        if marketplace == "amazon":
            settings["marketplace_id"] = creds.get("marketplace_id")
    settings |= settings_overrides
    credentials = {k: str(creds[k]) for k in CREDENTIAL_KEYS.get(marketplace, ()) if creds.get(k) not in (None, "")}
    return {
        "marketplace": marketplace,
        "name": str(store.get("name") or store["id"]),
        "external_account_id": str(store["id"]),
        "region": store.get("region"),
        "settings": settings,
        "credentials": credentials,
    }


def sandbox_order(order: Mapping[str, Any], channel_id: str | None) -> tuple[str, dict[str, Any]]:
    """One order of `GET /_sandbox/orders` as the ERP pushes it: `PUT /v1/orders/{order_id}` body.

    The buyer is named only where the marketplace's messages identify buyers the same way (eBay user
    names): that is what lets an eBay conversation (which names a listing, not an order) find its
    order. Elsewhere the order id in the message links them."""
    shipment = order.get("shipment") or {}
    ship_to = order.get("ship_to") or {}
    body: dict[str, Any] = {
        "marketplace": order["marketplace"],
        "channel_id": channel_id,
        "status": str(order.get("status") or "unknown").lower(),
        "currency": order.get("currency"),
        "total_amount": (order.get("total") or {}).get("amount"),
        "placed_at": order.get("created_at"),
        "estimated_delivery": shipment.get("estimated_delivery"),
        "ship_to_country": ship_to.get("country") if len(str(ship_to.get("country") or "")) == 2 else None,
        "items": [
            {
                "sku": item.get("sku"),
                "item_id": item.get("listing_id"),
                "title": item.get("title") or "item",
                "quantity": item.get("quantity") or 1,
                "unit_price": item.get("unit_price"),
            }
            for item in order.get("items") or []
        ],
        "shipments": [
            {
                "carrier": shipment.get("carrier"),
                "tracking_number": shipment.get("tracking_number"),
                "tracking_url": shipment.get("tracking_url"),
                "status": "delivered" if shipment.get("delivered_at") else "in_transit",
                "shipped_at": shipment.get("shipped_at"),
                "estimated_delivery": shipment.get("estimated_delivery"),
            }
        ]
        if shipment
        else [],
    }
    buyer = order.get("buyer") or {}
    if order["marketplace"] == "ebay" and buyer.get("handle"):
        body["buyer"] = {"external_id": buyer["handle"], "name": buyer.get("full_name") or buyer.get("name")}
    if channel_id is None:
        body.pop("channel_id")
    return str(order["order_id"]), body
