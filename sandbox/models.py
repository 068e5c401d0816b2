"""The sandbox's world: stores, buyers, threads and messages, independent of any marketplace's shape.

Each marketplace module renders these in its own JSON (eBay conversations, Shopee chats, TikTok
conversations) or as relay mail (Amazon, Walmart). Pydantic models so the whole world can be
saved to and restored from `data_dir`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Direction = Literal["buyer", "seller", "system"]


class Store(BaseModel):
    """One seller account on one marketplace (Hourglass calls it a channel)."""

    id: str
    marketplace: str
    name: str
    # The seller's identity on the marketplace: eBay username, Shopee shop name, TikTok shop name,
    # or the registered seller address for the mail relays.
    seller_handle: str
    region: str = "US"
    push_target: str | None = None
    credentials: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class Buyer(BaseModel):
    id: str
    store_id: str
    name: str
    full_name: str
    language: str = "en"
    # eBay username, Shopee username, TikTok nickname; for mail relays the display name.
    handle: str
    # Shopee user id (int64 as text), TikTok buyer user id.
    user_id: str | None = None
    # TikTok's IM id, which is not the user id.
    im_user_id: str | None = None
    # Relay address for Amazon (one stable alias per buyer per seller) and Walmart.
    address: str | None = None


class Message(BaseModel):
    id: str
    thread_id: str
    store_id: str
    marketplace: str
    direction: Direction
    sender: str
    body: str
    # TikTok message type / Shopee message_type; TEXT for plain text.
    kind: str = "TEXT"
    # Structured content for non-text kinds (TikTok ORDER_CARD {"order_id"}, Shopee source_content).
    content: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime  # marketplace clock (skew applied)
    world_at: datetime
    read: bool = False
    is_visible: bool = True
    media: list[dict[str, Any]] = Field(default_factory=list)
    subject: str | None = None
    mail_message_id: str | None = None
    index: int | None = None
    via: str = "traffic"
    # False for system notices (eBay FROM_EBAY mail, TikTok enter-from-order cards) and spam
    # auto-notices: messages nobody is expected to answer.
    expects_reply: bool = True
    auto_reply: bool = False


class Thread(BaseModel):
    id: str
    store_id: str
    marketplace: str
    buyer_id: str
    category: str
    language: str = "en"
    subject: str
    order_id: str | None = None
    listing_id: str | None = None
    item_title: str | None = None
    # eBay: FROM_MEMBERS or FROM_EBAY (system mail that must not be replied to).
    conversation_type: str = "FROM_MEMBERS"
    # eBay conversationStatus: ACTIVE, ARCHIVE, DELETE.
    status: str = "ACTIVE"
    pinned: bool = False
    created_at: datetime
    world_created_at: datetime
    messages: list[Message] = Field(default_factory=list)
    # TikTok: a closed conversation reopened through Create Conversation.
    reopened_at: datetime | None = None
    # Mail relays: the address the buyer writes from (and the seller replies to).
    relay_address: str | None = None
    comm_token: str | None = None

    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    def last_activity(self) -> datetime:
        last = self.last_message()
        return last.created_at if last else self.created_at

    def unread_count(self) -> int:
        return sum(1 for m in self.messages if m.direction != "seller" and not m.read)

    def buyer_messages(self) -> list[Message]:
        return [m for m in self.messages if m.direction == "buyer"]

    def message(self, message_id: str) -> Message | None:
        for message in self.messages:
            if message.id == message_id:
                return message
        return None


class AfterSale(BaseModel):
    """A marketplace's own after-sales record: an eBay return or "item not received" inquiry
    (Post-Order API), or a Walmart return order. Served in each marketplace's shape; what the
    seller did to it through the API (approve, decline, refund) is kept in `actions`."""

    id: str
    marketplace: str
    store_id: str
    kind: Literal["return", "inquiry"]
    order_id: str
    customer_order_id: str | None = None
    buyer_handle: str
    # Walmart: the relay address the buyer writes from (the order's customerEmailId).
    buyer_address: str | None = None
    item_id: str
    transaction_id: str
    sku: str
    title: str
    line_number: int = 1
    quantity: int = 1
    amount: float
    currency: str
    reason: str
    comments: str = ""
    # eBay return `status` / inquiry `inquiryStatusEnum`; Walmart line `status` (INITIATED, DELIVERED, COMPLETED).
    status: str
    refunded: float | None = None
    created_at: datetime
    updated_at: datetime
    # The seller's deadline (eBay respondByDate / sellerResponseDue) and, for Walmart, the buyer's
    # returnByDate.
    respond_by: datetime | None = None
    return_by: datetime | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
