"""Telling the seller's side that something happened: a push for API marketplaces, mail for relays."""

from __future__ import annotations

from sandbox.mail.relay import deliver_mail
from sandbox.marketplaces import ebay, shopee, tiktok
from sandbox.models import Message, Store, Thread
from sandbox.state import SandboxState


def notify_buyer_messages(
    state: SandboxState, store: Store, thread: Thread, messages: list[Message], *, new_thread: bool
) -> None:
    if store.marketplace == "ebay":
        ebay.publish(state, store, thread, messages)
    elif store.marketplace == "shopee":
        shopee.publish(state, store, thread, messages)
    elif store.marketplace == "tiktok":
        tiktok.publish(state, store, thread, messages, new_thread=new_thread)
    else:
        for message in messages:
            deliver_mail(state, store, thread, message)


def notify_seller_message(state: SandboxState, store: Store, thread: Thread, message: Message) -> None:
    # Only TikTok documents pushing the shop's own messages (webhook 14 with sender role SHOP).
    if store.marketplace == "tiktok":
        tiktok.publish(state, store, thread, [message], new_thread=False)
