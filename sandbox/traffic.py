"""The traffic generator: a seeded, realistic stream of buyer messages across the stores.

Planning (what is written, by whom, about which order) is separate from timing (when it is sent):
the same seed and the same stores give the same messages in the same order, whatever the rate.
Each marketplace has its own mix — Walmart gets Customer Care cases and the odd BBB or
Attorney-General complaint, eBay gets its FROM_EBAY system mail — and about one message in seven
is a follow-up from the same buyer on an earlier thread ("any update?").
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.catalog import Catalog, CatalogBuyer, Order, make_buyer
from sandbox.corpus import (
    AMAZON_TOPICS,
    BBB_BODIES,
    CARE_BODIES,
    CARE_QUOTES,
    EBAY_NOTICES,
    ORDER_INTENTS,
    STATE_NAMES,
    WALMART_SUBJECTS,
    compose,
    follow_up,
)
from sandbox.delivery import deliver_buyer_message
from sandbox.mail.formats import amazon_subject
from sandbox.models import Message, Store, Thread
from sandbox.state import SandboxState

MIXES: dict[str, dict[str, int]] = {
    "amazon": {"pre_sale": 22, "where_is_my_order": 32, "return": 16, "complaint": 12, "order_change": 8, "spam": 4},
    "walmart": {
        "pre_sale": 14,
        "where_is_my_order": 30,
        "return": 14,
        "complaint": 10,
        "order_change": 5,
        "walmart_customer_care": 16,
        "bbb_complaint": 2,
        "attorney_general_complaint": 1,
        "spam": 5,
    },
    "ebay": {
        "pre_sale": 30,
        "where_is_my_order": 22,
        "return": 12,
        "complaint": 9,
        "order_change": 4,
        "spam": 5,
        "system_notice": 14,
    },
    "shopee": {"pre_sale": 36, "where_is_my_order": 30, "return": 12, "complaint": 9, "order_change": 8, "spam": 5},
    "tiktok": {"pre_sale": 32, "where_is_my_order": 30, "return": 13, "complaint": 11, "order_change": 6, "spam": 8},
}
STORE_WEIGHTS = {"amazon": 30, "walmart": 25, "ebay": 15, "shopee": 15, "tiktok": 15}
FOLLOW_UP_RATE = 0.14
PREFERRED_STATUS = {
    "where_is_my_order": ("Shipped", "Created"),
    "return": ("Delivered",),
    "complaint": ("Delivered", "Shipped"),
    "order_change": ("Created",),
}


@dataclass
class PlannedMessage:
    seq: int
    store_id: str
    marketplace: str
    intent: str
    language: str
    body: str
    buyer: CatalogBuyer
    subject: str | None = None
    order_id: str | None = None
    listing_id: str | None = None
    follow_up_of: int | None = None
    conversation_type: str = "FROM_MEMBERS"

    def summary(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "store_id": self.store_id,
            "intent": self.intent,
            "language": self.language,
            "order_id": self.order_id,
            "follow_up_of": self.follow_up_of,
            "body": self.body,
        }


class TrafficGenerator:
    """Plans messages; it never touches the world, so it can be replayed and compared."""

    def __init__(self, seed: int, catalog: Catalog) -> None:
        self.rng = random.Random(f"traffic:{seed}")
        self.catalog = catalog
        self.history: list[PlannedMessage] = []

    def plan(self, stores: list[Store]) -> PlannedMessage:
        if not stores:
            raise ValueError("no stores to send traffic to")
        rng = self.rng
        stores = sorted(stores, key=lambda s: s.id)
        store = rng.choices(stores, weights=[STORE_WEIGHTS.get(s.marketplace, 10) for s in stores])[0]
        seq = len(self.history) + 1
        candidates = [
            p
            for p in self.history[-40:]
            if p.store_id == store.id and p.follow_up_of is None and p.intent not in ("spam", "system_notice")
        ]
        if candidates and rng.random() < FOLLOW_UP_RATE:
            planned = self._follow_up(seq, store, rng.choice(candidates))
        else:
            mix = MIXES[store.marketplace]
            intent = rng.choices(list(mix), weights=list(mix.values()))[0]
            planned = self._fresh(seq, store, intent)
        self.history.append(planned)
        return planned

    def _order_for(self, store: Store, intent: str) -> Order:
        orders = self.catalog.orders_for_store(store)
        preferred = [o for o in orders if o.status in PREFERRED_STATUS.get(intent, ())]
        return self.rng.choice(preferred or orders)

    def _context(
        self,
        store: Store,
        buyer: CatalogBuyer,
        language: str,
        order: Order | None,
        listing_title: str | None,
        product_key: str | None,
    ) -> dict[str, str]:
        rng = self.rng
        anchor = self.catalog.anchor
        context: dict[str, str] = {
            "name": buyer.name,
            "full_name": buyer.full_name,
            "seller": store.name,
            "handle": buyer.handle,
            "stale": str(rng.randint(3, 9)),
            "n1": str(rng.randint(2, 5)),
            "n2": f"{rng.randint(10, 99)}",
            "n6": str(rng.randint(100000, 999999)),
            "apt": f"{rng.randint(1, 24)}{rng.choice('ABCDEF')}",
            "when": rng.choice(["yesterday", "Monday", "last week", "two days ago"]),
            "qty": str(rng.randint(2, 4)),
            "case": f"{rng.randint(10000000, 99999999)}",
            "quote": rng.choice(CARE_QUOTES),
            "eta": (anchor + timedelta(days=rng.randint(1, 6))).strftime("%b %d"),
        }
        context["quote_sentence"] = f'The customer reports: "{context["quote"]}"'
        if product_key:
            context["item"] = self.catalog.product(product_key).short.get(language, "the item")
        if listing_title:
            context["title"] = listing_title
            context["title_short"] = listing_title.split(",")[0][:40]
        if order is not None:
            context["order"] = order.order_id
            context["days"] = str(max(2, (anchor - order.created_at).days + rng.randint(0, 1)))
            context["state"] = order.ship_to.get("state", "TX")
            context["state_name"] = STATE_NAMES.get(context["state"], "Texas")
            context["ret_date"] = (anchor - timedelta(days=rng.randint(3, 12))).strftime("%b %d")
            if order.shipment:
                context["carrier"] = order.shipment.carrier
                context["tracking"] = order.shipment.tracking_number
                context["eta"] = order.shipment.estimated_delivery.strftime("%b %d")
        else:
            context["state"] = rng.choice(["Texas", "Ohio", "California", "Florida", "New York"])
        return context

    def _fresh(self, seq: int, store: Store, intent: str) -> PlannedMessage:
        rng = self.rng
        listings = self.catalog.listings_for_store(store)
        order = None
        if intent in ORDER_INTENTS or intent == "system_notice":
            order = self._order_for(store, intent)
            buyer = order.buyer
            item = order.items[0]
            product_key, listing_id, title = item.product_key, item.listing_id, item.title
        else:
            buyer = make_buyer(rng, store.marketplace, store.region, key=f"{store.id}-p{seq}")
            listing = rng.choice(listings)
            product_key, listing_id, title = listing.product_key, listing.listing_id, listing.title
        language = (
            "en"
            if intent in ("walmart_customer_care", "bbb_complaint", "attorney_general_complaint", "system_notice")
            else buyer.language
        )
        context = self._context(store, buyer, language, order, title, product_key)
        conversation_type = "FROM_MEMBERS"
        subject: str | None = None
        if intent == "system_notice":
            subject_template, body_template = rng.choice(EBAY_NOTICES)
            subject, body = subject_template.format_map(context), body_template.format_map(context)
            conversation_type = "FROM_EBAY"
        elif intent == "walmart_customer_care":
            body = rng.choice(CARE_BODIES).format_map(context)
            subject = f"Walmart Customer Care: Case {context['case']} - PO #{context['order']}"
        elif intent in BBB_BODIES:
            body = BBB_BODIES[intent].format_map(context)
            label = "Better Business Bureau" if intent == "bbb_complaint" else "Attorney General"
            subject = f"URGENT: {label} complaint - respond within 1 hour - PO #{context['order']}"
        else:
            body = compose(rng, intent, language, context, chat=store.marketplace in ("shopee", "tiktok"))
            subject = self._subject(store, intent, buyer, order, context)
        return PlannedMessage(
            seq=seq,
            store_id=store.id,
            marketplace=store.marketplace,
            intent=intent,
            language=language,
            body=body,
            buyer=buyer,
            subject=subject,
            order_id=order.order_id if order and intent != "system_notice" else None,
            listing_id=listing_id,
            conversation_type=conversation_type,
        )

    def _subject(
        self, store: Store, intent: str, buyer: CatalogBuyer, order: Order | None, context: dict[str, str]
    ) -> str | None:
        rng = self.rng
        if store.marketplace == "amazon":
            topic = rng.choice(AMAZON_TOPICS.get(intent, ("Other",)))
            return amazon_subject(topic, buyer.name, order.order_id if order else None)
        if store.marketplace == "walmart":
            options = [s for s in WALMART_SUBJECTS.get(intent, ("Customer inquiry",)) if "{order}" not in s or order]
            return rng.choice(options).format_map(context)
        if store.marketplace == "ebay":
            return f"Other: {buyer.handle} sent a message about {context.get('title', 'your item')}"
        return None

    def _follow_up(self, seq: int, store: Store, earlier: PlannedMessage) -> PlannedMessage:
        order = self.catalog.order(store, earlier.order_id) if earlier.order_id else None
        context = self._context(store, earlier.buyer, earlier.language, order, None, None)
        body = follow_up(self.rng, earlier.language, context)
        return PlannedMessage(
            seq=seq,
            store_id=store.id,
            marketplace=store.marketplace,
            intent=earlier.intent,
            language=earlier.language,
            body=body,
            buyer=earlier.buyer,
            subject=earlier.subject,
            order_id=earlier.order_id,
            listing_id=earlier.listing_id,
            follow_up_of=earlier.seq,
            conversation_type=earlier.conversation_type,
        )


class TrafficRunner:
    """Sends planned messages into the world at a rate (Poisson arrivals), or all at once."""

    def __init__(self, state: SandboxState, seed: int) -> None:
        self.state = state
        self.generator = TrafficGenerator(seed, state.catalog)
        self._timing = random.Random(f"traffic-timing:{seed}")
        self._threads: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None
        self.rate_per_min = 0.0
        self.sent = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def deliver(self, planned: PlannedMessage, world_at: datetime | None = None) -> tuple[Thread, Message]:
        state = self.state
        store = state.stores[planned.store_id]
        buyer = state.buyer_for(store, planned.buyer)
        thread = None
        if planned.follow_up_of is not None:
            thread = state.thread(self._threads.get(planned.follow_up_of, ""))
        listing = state.catalog.listing(store, planned.listing_id) if planned.listing_id else None
        thread, message = deliver_buyer_message(
            state,
            store,
            buyer,
            body=planned.body,
            category=planned.intent,
            language=planned.language,
            thread=thread,
            subject=planned.subject,
            order_id=planned.order_id,
            listing=listing,
            conversation_type=planned.conversation_type,
            world_at=world_at,
            source="traffic",
        )
        self._threads[planned.seq] = thread.id
        self.sent += 1
        return thread, message

    def burst(self, count: int) -> list[Message]:
        """Send `count` messages now (deterministic for a seed); returns the buyer messages created."""
        stores = list(self.state.stores.values())
        return [self.deliver(self.generator.plan(stores))[1] for _ in range(count)]

    def start(self, rate_per_min: float) -> None:
        if rate_per_min <= 0:
            raise ValueError("rate_per_min must be > 0")
        self.rate_per_min = rate_per_min
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._timing.expovariate(self.rate_per_min / 60.0))
            if self.state.stores:
                self.burst(1)

    def status(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "rate_per_min": self.rate_per_min,
            "sent": self.sent,
            "planned": len(self.generator.history),
        }
