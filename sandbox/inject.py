"""Deterministic injection of one buyer message, for tests and demos (admin API and Python)."""

from __future__ import annotations

import random
from datetime import timedelta

from pydantic import BaseModel, Field

from sandbox.catalog import CatalogBuyer, make_buyer
from sandbox.delivery import deliver_buyer_message
from sandbox.mail.formats import amazon_subject
from sandbox.models import Message, Store, Thread
from sandbox.state import SandboxState


class BuyerSpec(BaseModel):
    name: str
    full_name: str | None = None
    handle: str | None = None
    language: str = "en"


class InjectRequest(BaseModel):
    body: str = Field(min_length=1)
    category: str = "pre_sale"
    language: str | None = None
    order_id: str | None = None
    listing_id: str | None = None
    # Continue an existing thread (a follow-up from the same buyer).
    thread_id: str | None = None
    buyer: BuyerSpec | None = None
    subject: str | None = None
    # eBay: FROM_EBAY makes an eBay system message (which must not be replied to).
    conversation_type: str = "FROM_MEMBERS"
    # Backdate the message (world time): e.g. 50 hours to test a 48-hour SLA.
    age_seconds: float = Field(0.0, ge=0)
    expects_reply: bool = True
    notify: bool = True
    # Files the buyer sends with the message, by name (sandbox/media.py decides their bytes): eBay
    # messageMedia, Shopee image / TikTok IMAGE messages, MIME parts of relay mail.
    images: list[str] = Field(default_factory=list, max_length=5)


class InjectError(ValueError):
    """The request names something that does not exist."""


def default_subject(store: Store, category: str, buyer: CatalogBuyer, order_id: str | None, title: str | None) -> str:
    if store.marketplace == "amazon":
        topic = {
            "where_is_my_order": "Order delivery",
            "return": "Return policy",
            "complaint": "Order information",
            "order_change": "Order information",
        }.get(category, "Product details")
        return amazon_subject(topic, buyer.name, order_id)
    if store.marketplace == "walmart":
        if category == "walmart_customer_care":
            return f"Walmart Customer Care: Case 10000001 - PO #{order_id}"
        if category in ("bbb_complaint", "attorney_general_complaint"):
            label = "Better Business Bureau" if category == "bbb_complaint" else "Attorney General"
            return f"URGENT: {label} complaint - respond within 1 hour - PO #{order_id}"
        return f"Question about order #{order_id}" if order_id else "Product question"
    if store.marketplace == "ebay":
        return f"Other: {buyer.handle} sent a message about {title or 'your item'}"
    return ""


def inject_message(state: SandboxState, store: Store, request: InjectRequest) -> tuple[Thread, Message]:
    thread = None
    order = None
    if request.thread_id:
        thread = state.thread(request.thread_id)
        if thread is None or thread.store_id != store.id:
            raise InjectError(f"thread {request.thread_id} not found in store {store.id}")
    order_id = request.order_id or (thread.order_id if thread else None)
    if order_id:
        order = state.catalog.order(store, order_id)
        if order is None:
            raise InjectError(f"order {order_id} not found in store {store.id}")
    if thread is not None:
        world_buyer = state.buyer(thread.buyer_id)
        source = CatalogBuyer(
            key=f"existing-{world_buyer.id}",
            name=world_buyer.name,
            full_name=world_buyer.full_name,
            language=world_buyer.language,
            handle=world_buyer.handle,
            email_hint=world_buyer.handle,
        )
    elif request.buyer is not None:
        spec = request.buyer
        handle = spec.handle or spec.name.lower().replace(" ", "_")
        source = CatalogBuyer(
            key=f"inject-{handle}",
            name=spec.name,
            full_name=spec.full_name or spec.name,
            language=spec.language,
            handle=handle,
            email_hint=handle,
        )
    elif order is not None:
        source = order.buyer
    else:
        count = sum(1 for t in state.threads.values() if t.store_id == store.id)
        rng = random.Random(f"inject:{state.config.seed}:{store.id}:{count}")
        source = make_buyer(rng, store.marketplace, store.region, key=f"{store.id}-inject{count}")
    buyer = state.buyer(thread.buyer_id) if thread is not None else state.buyer_for(store, source)
    listing_id = request.listing_id or (order.items[0].listing_id if order else None)
    wants_listing = store.marketplace in ("ebay", "tiktok", "amazon") and request.conversation_type != "FROM_EBAY"
    if listing_id is None and wants_listing:
        listing_id = state.catalog.listings_for_store(store)[0].listing_id
    listing = state.catalog.listing(store, listing_id) if listing_id else None
    if listing_id and listing is None:
        raise InjectError(f"listing {listing_id} not found in store {store.id}")
    subject = request.subject or (
        thread.subject
        if thread
        else default_subject(store, request.category, source, order_id, listing.title if listing else None)
    )
    world_at = state.clock.now() - timedelta(seconds=request.age_seconds)
    return deliver_buyer_message(
        state,
        store,
        buyer,
        body=request.body,
        category=thread.category if thread else request.category,
        language=request.language or buyer.language,
        thread=thread,
        subject=subject,
        order_id=order_id,
        listing=listing,
        conversation_type=request.conversation_type,
        world_at=world_at,
        source="inject",
        expects_reply=request.expects_reply,
        notify=request.notify,
        images=request.images,
    )
