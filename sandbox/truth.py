"""Ground truth: what the sandbox sent and what it received, so tests can count losses and duplicates.

Every buyer message the sandbox created, every push attempt, every seller reply received (over
which API or SMTP), every rejected call with its error, and every read/seen change. Hourglass is
correct when each buyer message that expects a reply shows up exactly once and every reply it
sent is here exactly once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field


class BuyerMessageRecord(BaseModel):
    message_id: str
    marketplace: str
    store_id: str
    thread_id: str
    created_at: datetime  # in the marketplace's clock (skew applied)
    world_at: datetime
    body: str
    category: str
    language: str
    order_id: str | None = None
    expects_reply: bool = True
    source: str = "traffic"  # traffic | inject
    mail_message_id: str | None = None
    follow_up: bool = False


class PushRecord(BaseModel):
    push_id: str
    marketplace: str
    store_id: str
    event: str  # NEW_MESSAGE, code 10, type 13 / 14
    message_id: str | None
    thread_id: str | None
    url: str
    attempt: int
    duplicate: bool = False
    status_code: int | None = None
    error: str | None = None
    at: datetime


class SellerReplyRecord(BaseModel):
    reply_id: str
    marketplace: str
    store_id: str
    thread_id: str | None
    message_id: str | None
    at: datetime  # world time
    marketplace_at: datetime
    body: str
    channel: str  # api | smtp
    operation: str  # e.g. ebay.sendMessage, shopee.send_message, smtp, amazon.confirmOrderDetails
    auth_login: str | None = None
    in_reply_to: str | None = None
    matched_by: str | None = None  # in-reply-to | references | relay-address | conversation
    # Amazon SP-API messages are proactive order messages, never replies to a buyer.
    counts_as_reply: bool = True


class RejectionRecord(BaseModel):
    at: datetime
    marketplace: str
    store_id: str | None
    channel: str  # http | smtp | imap
    operation: str
    status: int | str
    error_code: str | None = None
    message: str = ""
    injected: bool = False  # caused by a fault the test set, not by the caller


class ReadRecord(BaseModel):
    at: datetime
    marketplace: str
    store_id: str
    thread_id: str | None
    operation: str
    detail: str = ""


class Truth(BaseModel):
    buyer_messages: list[BuyerMessageRecord] = Field(default_factory=list)
    pushes: list[PushRecord] = Field(default_factory=list)
    seller_replies: list[SellerReplyRecord] = Field(default_factory=list)
    rejections: list[RejectionRecord] = Field(default_factory=list)
    reads: list[ReadRecord] = Field(default_factory=list)

    # -- queries ----------------------------------------------------------------------------

    def buyer_message_ids(
        self, marketplace: str | None = None, store_id: str | None = None, expects_reply: bool | None = None
    ) -> list[str]:
        return [
            r.message_id
            for r in self.buyer_messages
            if (marketplace is None or r.marketplace == marketplace)
            and (store_id is None or r.store_id == store_id)
            and (expects_reply is None or r.expects_reply == expects_reply)
        ]

    def replies_for_thread(self, thread_id: str) -> list[SellerReplyRecord]:
        return [r for r in self.seller_replies if r.thread_id == thread_id]

    def duplicate_replies(self) -> list[tuple[str | None, str, int]]:
        """(thread, body, count) for replies that arrived more than once: a retry that doubled."""
        counts = Counter((r.thread_id, r.body) for r in self.seller_replies if r.thread_id)
        return [(thread, body, n) for (thread, body), n in counts.items() if n > 1]

    def losses(self, received_message_ids: set[str], marketplace: str | None = None) -> list[str]:
        """Buyer messages (expecting a reply) that a consumer says it never received."""
        return [
            mid
            for mid in self.buyer_message_ids(marketplace=marketplace, expects_reply=True)
            if mid not in received_message_ids
        ]

    def response_stats(self, store_id: str, since: datetime, now: datetime, window: timedelta) -> dict[str, int]:
        """Buyer messages since `since` and how many got a counted seller reply within `window`.

        A message still inside its window and unanswered is pending, not missed, as a marketplace's
        response-rate metric treats it.
        """
        replies = sorted(
            (r for r in self.seller_replies if r.store_id == store_id and r.counts_as_reply),
            key=lambda r: r.at,
        )
        total = responded = pending = 0
        for record in self.buyer_messages:
            if record.store_id != store_id or not record.expects_reply or record.world_at < since:
                continue
            answer = next((r for r in replies if r.thread_id == record.thread_id and r.at >= record.world_at), None)
            if answer is not None and answer.at - record.world_at <= window:
                total += 1
                responded += 1
            elif answer is None and now - record.world_at <= window:
                pending += 1
            else:
                total += 1
        return {"total": total, "responded": responded, "pending": pending}

    def summary(self) -> dict[str, Any]:
        per: dict[str, dict[str, int]] = {}

        def bucket(marketplace: str) -> dict[str, int]:
            return per.setdefault(
                marketplace,
                {
                    "buyer_messages": 0,
                    "expecting_reply": 0,
                    "push_attempts": 0,
                    "push_delivered": 0,
                    "push_duplicates": 0,
                    "seller_replies": 0,
                    "rejections": 0,
                },
            )

        for m in self.buyer_messages:
            b = bucket(m.marketplace)
            b["buyer_messages"] += 1
            b["expecting_reply"] += int(m.expects_reply)
        for p in self.pushes:
            b = bucket(p.marketplace)
            b["push_attempts"] += 1
            b["push_delivered"] += int(p.status_code is not None and 200 <= p.status_code < 300)
            b["push_duplicates"] += int(p.duplicate)
        for r in self.seller_replies:
            bucket(r.marketplace)["seller_replies"] += 1
        for x in self.rejections:
            bucket(x.marketplace)["rejections"] += 1
        return {
            "totals": {
                "buyer_messages": len(self.buyer_messages),
                "pushes": len(self.pushes),
                "seller_replies": len(self.seller_replies),
                "rejections": len(self.rejections),
                "duplicate_replies": len(self.duplicate_replies()),
            },
            "by_marketplace": per,
        }

    def filtered(self, marketplace: str | None = None, store_id: str | None = None) -> Truth:
        def keep(record: Any) -> bool:
            return (marketplace is None or record.marketplace == marketplace) and (
                store_id is None or record.store_id == store_id
            )

        return Truth(
            buyer_messages=[r for r in self.buyer_messages if keep(r)],
            pushes=[r for r in self.pushes if keep(r)],
            seller_replies=[r for r in self.seller_replies if keep(r)],
            rejections=[r for r in self.rejections if keep(r)],
            reads=[r for r in self.reads if keep(r)],
        )
