"""The shared order catalogue: orders in each marketplace's real id format that the ERP side also knows.

Deterministic per (seed, store id): the demo can push the same orders to Hourglass through its REST
API (from `orders_for_store` or GET /_sandbox/orders) that buyers later write about.

Id formats: Amazon `111-3958185-1645065` (3-7-7), Walmart purchaseOrderId of 13–15 digits, eBay
`12-34567-89012`, Shopee order_sn `240915ABCD1234` (yymmdd + 8), TikTok 18 digits.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from sandbox.catalog_data import (
    NAMES,
    PRODUCTS,
    SEA_CARRIERS,
    SEA_CITIES,
    TRACKING_URLS,
    US_CARRIERS,
    US_CITIES,
    Product,
)
from sandbox.models import Store


class CatalogBuyer(BaseModel):
    key: str
    name: str
    full_name: str
    language: str
    handle: str
    email_hint: str


class Listing(BaseModel):
    product_key: str
    listing_id: str  # ASIN, eBay item id, Walmart item id, Shopee item_id, TikTok product_id
    sku: str
    title: str
    price: float
    currency: str


class OrderItem(BaseModel):
    line_number: int
    product_key: str
    listing_id: str
    sku: str
    title: str
    quantity: int
    unit_price: float


class Shipment(BaseModel):
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime
    estimated_delivery: datetime
    delivered_at: datetime | None = None


class Order(BaseModel):
    order_id: str
    marketplace: str
    store_id: str
    customer_order_id: str | None = None  # Walmart shows both ids
    buyer: CatalogBuyer
    created_at: datetime
    status: str  # Created, Shipped, Delivered, Cancelled
    currency: str
    items: list[OrderItem]
    shipment: Shipment | None = None
    ship_to: dict[str, str] = Field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(i.unit_price * i.quantity for i in self.items), 2)

    def public(self) -> dict[str, Any]:
        """The neutral shape served at /_sandbox/orders for the ERP side."""
        data = self.model_dump(mode="json")
        data["total"] = {"amount": self.total, "currency": self.currency}
        return data


def _rng(seed: int, *parts: str) -> random.Random:
    return random.Random(":".join(["catalog", str(seed), *parts]))


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choices(string.digits, k=n - 1))


def make_buyer(rng: random.Random, marketplace: str, region: str, key: str) -> CatalogBuyer:
    """A buyer whose name fits the marketplace; Chinese-named buyers mostly write in Chinese."""
    if marketplace == "shopee":
        flavour = rng.choices(["sea", "chinese", "us"], weights=[55, 35, 10])[0]
    else:
        flavour = rng.choices(["us", "hispanic", "chinese"], weights=[76, 14, 10])[0]
    first, last = rng.choice(NAMES[flavour])
    if flavour == "chinese":
        language = "zh" if rng.random() < (0.55 if marketplace == "shopee" else 0.85) else "en"
    elif flavour == "hispanic":
        language = "es" if rng.random() < 0.55 else "en"
    else:
        language = "en"
    base = (first.split()[0] + last.split()[0]).lower()
    base = base.translate(str.maketrans("áéíóúñü", "aeiounu"))
    handle_style = rng.randrange(4)
    if handle_style == 0:
        handle = f"{base}{rng.randrange(10, 999)}"
    elif handle_style == 1:
        handle = f"{first.split()[0].lower()}_{last.split()[0].lower()}{rng.randrange(1, 99)}"
    elif handle_style == 2:
        handle = f"{rng.choice(['happy', 'blue', 'sunny', 'crafty', 'lucky', 'mama', 'the'])}.{base[:6]}"
    else:
        handle = f"{base[:5]}{''.join(rng.choices(string.ascii_lowercase, k=3))}{rng.randrange(1, 9)}"
    handle = handle.translate(str.maketrans("áéíóúñü", "aeiounu"))
    return CatalogBuyer(
        key=key,
        name=first.split()[0],
        full_name=f"{first} {last}",
        language=language,
        handle=handle,
        email_hint=base,
    )


def _listing_id(rng: random.Random, marketplace: str) -> str:
    if marketplace == "amazon":
        return "B0" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))
    if marketplace == "ebay":
        return _digits(rng, 12, first="123")
    if marketplace == "walmart":
        return _digits(rng, 9)
    if marketplace == "shopee":
        return _digits(rng, 11, first="12")
    return _digits(rng, 19, first="17")


def _order_id(rng: random.Random, marketplace: str, created: datetime) -> str:
    if marketplace == "amazon":
        prefix = rng.choice(["111", "112", "113", "114"])
        return f"{prefix}-{_digits(rng, 7, string.digits)}-{_digits(rng, 7, string.digits)}"
    if marketplace == "walmart":
        return _digits(rng, rng.choice([13, 14, 15]))
    if marketplace == "ebay":
        return f"{_digits(rng, 2)}-{_digits(rng, 5, string.digits)}-{_digits(rng, 5, string.digits)}"
    if marketplace == "shopee":
        return created.strftime("%y%m%d") + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))
    return "57" + _digits(rng, 16, string.digits)


def _tracking_number(rng: random.Random, carrier: str, region: str) -> str:
    if carrier == "USPS":
        return "9400" + _digits(rng, 18, string.digits)
    if carrier == "UPS":
        return (
            "1Z"
            + "".join(rng.choices(string.ascii_uppercase + string.digits, k=6))
            + "03"
            + _digits(rng, 8, string.digits)
        )
    if carrier == "FedEx":
        return _digits(rng, 12, "27")
    if carrier == "YunExpress":
        return "YT" + _digits(rng, 16, "2")
    if carrier == "4PX":
        return "4PX" + _digits(rng, 13, "3") + "CN"
    if carrier == "SPX Express":
        return f"SPX{region}" + _digits(rng, 12, "0123456789")
    if carrier == "Ninja Van":
        return f"NV{region}" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=10))
    return _digits(rng, 12, "6")


class Catalog:
    """Listings and orders per store, generated on first use and cached."""

    def __init__(self, seed: int, anchor: datetime, orders_per_store: int = 40) -> None:
        self.seed = seed
        self.anchor = anchor
        self.orders_per_store = orders_per_store
        self._listings: dict[str, list[Listing]] = {}
        self._orders: dict[str, list[Order]] = {}

    def currency(self, store: Store) -> str:
        if store.marketplace == "shopee":
            return {"SG": "SGD", "MY": "MYR"}.get(store.region, "SGD")
        return "USD"

    def listings_for_store(self, store: Store) -> list[Listing]:
        if store.id not in self._listings:
            rng = _rng(self.seed, store.id, "listings")
            products = rng.sample(PRODUCTS, k=min(12, len(PRODUCTS)))
            factor = 1.35 if store.marketplace == "shopee" else 1.0
            self._listings[store.id] = [
                Listing(
                    product_key=p.key,
                    listing_id=_listing_id(rng, store.marketplace),
                    sku=f"{p.key[:3].upper()}-{rng.randrange(100, 999)}-{rng.choice('BKWRGN')}",
                    title=p.title,
                    price=round(p.price_usd * factor, 2),
                    currency=self.currency(store),
                )
                for p in products
            ]
        return self._listings[store.id]

    def listing(self, store: Store, listing_id: str) -> Listing | None:
        return next((x for x in self.listings_for_store(store) if x.listing_id == listing_id), None)

    def product(self, key: str) -> Product:
        return next(p for p in PRODUCTS if p.key == key)

    def orders_for_store(self, store: Store) -> list[Order]:
        if store.id not in self._orders:
            self._orders[store.id] = self._generate_orders(store)
        return self._orders[store.id]

    def order(self, store: Store, order_id: str) -> Order | None:
        return next((o for o in self.orders_for_store(store) if o.order_id == order_id), None)

    def _generate_orders(self, store: Store) -> list[Order]:
        rng = _rng(self.seed, store.id, "orders")
        listings = self.listings_for_store(store)
        buyers: list[CatalogBuyer] = []
        orders: list[Order] = []
        for n in range(self.orders_per_store):
            if buyers and rng.random() < 0.15:
                buyer = rng.choice(buyers)  # repeat customers exist
            else:
                buyer = make_buyer(rng, store.marketplace, store.region, key=f"{store.id}-o{n}")
                buyers.append(buyer)
            # Recent orders are the ones buyers write about most: ages skew young (mean 12 days).
            age = min(45.0, 0.3 + rng.expovariate(1 / 12))
            created = self.anchor - timedelta(days=age, minutes=rng.randrange(0, 600))
            lines = rng.sample(listings, k=rng.choices([1, 2, 3], weights=[70, 22, 8])[0])
            items = [
                OrderItem(
                    line_number=i + 1,
                    product_key=x.product_key,
                    listing_id=x.listing_id,
                    sku=x.sku,
                    title=x.title,
                    quantity=rng.choices([1, 2, 3], weights=[80, 15, 5])[0],
                    unit_price=x.price,
                )
                for i, x in enumerate(lines)
            ]
            age_days = (self.anchor - created).total_seconds() / 86400
            status = self._status(rng, age_days)
            orders.append(
                Order(
                    order_id=_order_id(rng, store.marketplace, created),
                    marketplace=store.marketplace,
                    store_id=store.id,
                    customer_order_id=_digits(rng, 13, "2") if store.marketplace == "walmart" else None,
                    buyer=buyer,
                    created_at=created,
                    status=status,
                    currency=self.currency(store),
                    items=items,
                    shipment=self._shipment(rng, store, created, status),
                    ship_to=self._address(rng, store, buyer),
                )
            )
        orders.sort(key=lambda o: o.created_at, reverse=True)
        return orders

    @staticmethod
    def _status(rng: random.Random, age_days: float) -> str:
        if rng.random() < 0.05:
            return "Cancelled"
        if age_days < 2:
            return rng.choice(["Created", "Created", "Shipped"])
        if age_days < 9:
            return rng.choice(["Shipped", "Shipped", "Delivered"])
        return rng.choices(["Delivered", "Shipped"], weights=[85, 15])[0]

    @staticmethod
    def _shipment(rng: random.Random, store: Store, created: datetime, status: str) -> Shipment | None:
        if status in ("Created", "Cancelled"):
            return None
        carriers = SEA_CARRIERS if store.marketplace == "shopee" else US_CARRIERS
        carrier = rng.choice(carriers)
        number = _tracking_number(rng, carrier, store.region)
        shipped = created + timedelta(hours=rng.uniform(10, 70))
        cross_border = carrier in ("YunExpress", "4PX")
        eta = shipped + timedelta(days=rng.uniform(8, 16) if cross_border else rng.uniform(3, 7))
        delivered = eta - timedelta(hours=rng.uniform(0, 30)) if status == "Delivered" else None
        return Shipment(
            carrier=carrier,
            tracking_number=number,
            tracking_url=TRACKING_URLS[carrier].format(n=number),
            shipped_at=shipped,
            estimated_delivery=eta,
            delivered_at=delivered,
        )

    @staticmethod
    def _address(rng: random.Random, store: Store, buyer: CatalogBuyer) -> dict[str, str]:
        if store.marketplace == "shopee":
            city, state, postal = rng.choice(SEA_CITIES.get(store.region, SEA_CITIES["SG"]))
            country = store.region
        else:
            city, state, postal = rng.choice(US_CITIES)
            country = "US"
        street_name = rng.choice(["Oak", "Maple", "Cedar", "Pine", "Elm", "Lake"])
        street = f"{rng.randrange(10, 9999)} {street_name} {rng.choice(['St', 'Ave', 'Dr', 'Ln', 'Blvd'])}"
        return {
            "name": buyer.full_name,
            "address1": street,
            "city": city,
            "state": state,
            "postal_code": postal,
            "country": country,
        }
