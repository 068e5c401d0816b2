"""Putting messages into the world: a buyer writes (thread, message, push or relay mail, truth), or the
seller answers (thread, truth).

Both the traffic generator and the admin API's deterministic injection come through here, so a
message is delivered the same way whatever created it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.catalog import Listing
from sandbox.media import ebay_media_type, url_for
from sandbox.models import Buyer, Message, Store, Thread
from sandbox.state import SandboxState
from sandbox.truth import BuyerMessageRecord, SellerReplyRecord


def open_thread(
    state: SandboxState,
    store: Store,
    buyer: Buyer,
    *,
    category: str,
    language: str,
    subject: str,
    order_id: str | None = None,
    listing: Listing | None = None,
    conversation_type: str = "FROM_MEMBERS",
    world_at: datetime | None = None,
) -> Thread:
    world_at = world_at or state.clock.now()
    thread = Thread(
        id=state.ids.thread_id(store.marketplace),
        store_id=store.id,
        marketplace=store.marketplace,
        buyer_id=buyer.id,
        category=category,
        language=language,
        subject=subject,
        order_id=order_id,
        listing_id=listing.listing_id if listing else None,
        item_title=listing.title if listing else None,
        conversation_type=conversation_type,
        created_at=state.market_time(store.marketplace, store.id, world_at),
        world_created_at=world_at,
        relay_address=buyer.address,
        comm_token="".join(state.ids.rng().choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=13))
        if store.marketplace == "amazon"
        else None,
    )
    state.threads[thread.id] = thread
    return thread


def _append(
    state: SandboxState,
    store: Store,
    thread: Thread,
    *,
    direction: str,
    sender: str,
    body: str,
    world_at: datetime,
    kind: str = "TEXT",
    content: dict[str, Any] | None = None,
    via: str,
    expects_reply: bool,
    subject: str | None = None,
    auto_reply: bool = False,
) -> Message:
    message = Message(
        id=state.ids.message_id(store.marketplace),
        thread_id=thread.id,
        store_id=store.id,
        marketplace=store.marketplace,
        direction=direction,  # type: ignore[arg-type]
        sender=sender,
        body=body,
        kind=kind,
        content=content or {},
        created_at=state.market_time(store.marketplace, store.id, world_at),
        world_at=world_at,
        subject=subject,
        via=via,
        expects_reply=expects_reply,
        auto_reply=auto_reply,
        index=7_494_560_100_000_000_000 + state.ids.next_sequence() * 7 if store.marketplace == "tiktok" else None,
        read=direction == "seller",
    )
    thread.messages.append(message)
    return message


def deliver_buyer_message(
    state: SandboxState,
    store: Store,
    buyer: Buyer,
    *,
    body: str,
    category: str,
    language: str,
    thread: Thread | None = None,
    subject: str | None = None,
    order_id: str | None = None,
    listing: Listing | None = None,
    conversation_type: str = "FROM_MEMBERS",
    world_at: datetime | None = None,
    source: str = "traffic",
    expects_reply: bool = True,
    notify: bool = True,
    images: list[str] | None = None,
) -> tuple[Thread, Message]:
    """A buyer (or, for eBay FROM_EBAY, eBay itself) writes to the store. `images` are files sent
    with the message: on eBay and the mail relays part of it, on Shopee and TikTok a message each."""
    world_at = world_at or state.clock.now()
    new_thread = thread is None
    system = conversation_type == "FROM_EBAY"
    if thread is None:
        thread = open_thread(
            state,
            store,
            buyer,
            category=category,
            language=language,
            subject=subject or "",
            order_id=order_id,
            listing=listing,
            conversation_type=conversation_type,
            world_at=world_at,
        )
    created: list[Message] = []
    if new_thread and store.marketplace == "tiktok" and not system:
        # A TikTok chat opened from an order or product page starts with that card.
        if thread.order_id:
            created.append(
                _append(
                    state,
                    store,
                    thread,
                    direction="buyer",
                    sender=buyer.handle,
                    body="",
                    kind="BUYER_ENTER_FROM_ORDER",
                    content={"order_id": thread.order_id},
                    world_at=world_at,
                    via=source,
                    expects_reply=False,
                )
            )
        elif thread.listing_id:
            created.append(
                _append(
                    state,
                    store,
                    thread,
                    direction="buyer",
                    sender=buyer.handle,
                    body="",
                    kind="BUYER_ENTER_FROM_PRODUCT",
                    content={"product_id": thread.listing_id},
                    world_at=world_at,
                    via=source,
                    expects_reply=False,
                )
            )
    message = _append(
        state,
        store,
        thread,
        direction="system" if system else "buyer",
        sender="eBay" if system else buyer.handle,
        body=body,
        world_at=world_at,
        via=source,
        expects_reply=expects_reply and not system,
        subject=subject or thread.subject,
        content={"order_sn": thread.order_id} if store.marketplace == "shopee" and thread.order_id else None,
    )
    created.append(message)
    for name in images or []:
        url = url_for(state.http_url, name)
        if store.marketplace in ("shopee", "tiktok"):
            kind = "image" if store.marketplace == "shopee" else "IMAGE"
            content: dict[str, Any] = {"url": url}
            if store.marketplace == "tiktok":
                content.update(width=1, height=1)
            created.append(
                _append(
                    state,
                    store,
                    thread,
                    direction="buyer",
                    sender=buyer.handle,
                    body="",
                    kind=kind,
                    content=content,
                    world_at=world_at,
                    via=source,
                    expects_reply=expects_reply,
                )
            )
        else:
            message.media.append({"mediaName": name, "mediaType": ebay_media_type(name), "mediaUrl": url})
    follow_up = not new_thread
    if notify:
        from sandbox.notify import notify_buyer_messages

        notify_buyer_messages(state, store, thread, created, new_thread=new_thread)
    for m in created:
        state.truth.buyer_messages.append(
            BuyerMessageRecord(
                message_id=m.id,
                marketplace=store.marketplace,
                store_id=store.id,
                thread_id=thread.id,
                created_at=m.created_at,
                world_at=m.world_at,
                body=m.body or str(m.content),
                category=category,
                language=language,
                order_id=thread.order_id,
                expects_reply=m.expects_reply,
                source=source,
                mail_message_id=m.mail_message_id,
                follow_up=follow_up,
            )
        )
    return thread, message


def record_seller_message(
    state: SandboxState,
    store: Store,
    thread: Thread | None,
    *,
    body: str,
    operation: str,
    channel: str,
    auth_login: str | None = None,
    in_reply_to: str | None = None,
    matched_by: str | None = None,
    kind: str = "TEXT",
    content: dict[str, Any] | None = None,
    counts_as_reply: bool = True,
    auto_reply: bool = False,
    mail_message_id: str | None = None,
    notify: bool = True,
) -> Message | None:
    """The seller sent something: append it to the thread (if any) and record it in the truth."""
    world_at = state.clock.now()
    message = None
    if thread is not None:
        message = _append(
            state,
            store,
            thread,
            direction="seller",
            sender=store.seller_handle,
            body=body,
            world_at=world_at,
            kind=kind,
            content=content,
            via=channel,
            expects_reply=False,
            auto_reply=auto_reply,
        )
        message.mail_message_id = mail_message_id
        if mail_message_id:
            state.index_mail(mail_message_id, thread.id)
        if notify:
            from sandbox.notify import notify_seller_message

            notify_seller_message(state, store, thread, message)
    state.truth.seller_replies.append(
        SellerReplyRecord(
            reply_id=state.ids.hex(16),
            marketplace=store.marketplace,
            store_id=store.id,
            thread_id=thread.id if thread else None,
            message_id=message.id if message else None,
            at=world_at,
            marketplace_at=state.market_time(store.marketplace, store.id, world_at),
            body=body,
            channel=channel,
            operation=operation,
            auth_login=auth_login,
            in_reply_to=in_reply_to,
            matched_by=matched_by,
            counts_as_reply=counts_as_reply and not auto_reply,
        )
    )
    return message
