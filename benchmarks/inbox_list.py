"""Inbox list: p50/p99 of GET /v1/conversations (each view, a filter, a deep keyset page, an order-id
prefix, full-text searches in English and Chinese) and GET /v1/conversations/counts, with 1,000,000
conversations and 5,000,000 messages bulk-loaded with COPY, each beside the same SQL run directly with
asyncpg (the statements SQLAlchemy emits for the endpoint, captured from api.conversation), in the same run.

Scale: BENCH_CONVERSATIONS (1,000,000), BENCH_MESSAGES (5,000,000), BENCH_CUSTOMERS (conversations / 5),
BENCH_REQUESTS per case and side (200), BENCH_CONCURRENCY clients (4), BENCH_CASE_BUDGET_S per case and side
(30 s: a case stops early when its budget is spent, its count says so). BENCH_KEEP_DB=1 keeps the database
for psql experiments; by default it is dropped at the end. BENCH_INBOX_DB names the scratch database
(hourglass_bench_inbox), so runs sharing a server do not drop each other's. The API side also reports the
API process's CPU ms per request (psutil, user + system, over the timed calls).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import Any
from urllib.parse import urlencode

import asyncpg

from benchmarks.common import ApiProcess, KeepAliveConnection, figure, fresh_database, percentile, save, server_url

DB_NAME = os.environ.get("BENCH_INBOX_DB", "hourglass_bench_inbox")
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "1000000"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "5000000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", str(max(1, CONVERSATIONS // 5))))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
CASE_BUDGET_S = float(os.environ.get("BENCH_CASE_BUDGET_S", "30"))
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"
SEED = int(os.environ.get("BENCH_SEED", "20261124"))
CHUNK = 20_000  # conversations generated and COPYed per round
PAGE = 50
WARMUP = 5

# --------------------------------------------------------------------------------------------------
# Data shape
# --------------------------------------------------------------------------------------------------

MARKETPLACES = {"walmart": 0.36, "amazon": 0.30, "ebay": 0.12, "shopee": 0.08, "tiktok": 0.07, "email": 0.07}
CHANNELS = [
    ("walmart", "Walmart US"),
    ("walmart", "Walmart US (outlet)"),
    ("amazon", "Amazon US"),
    ("amazon", "Amazon CA"),
    ("ebay", "eBay"),
    ("shopee", "Shopee SG"),
    ("tiktok", "TikTok Shop"),
    ("email", "Support mailbox"),
]
USERS = 10
ASSIGNEE_WEIGHTS = [20, 15, 12, 10, 8, 8, 7, 7, 7, 6]  # with 20% unassigned on top
P_UNASSIGNED = 0.20
P_SPAM = 0.02
P_WAITING = 0.25
P_FAILED = 0.0125  # of the conversations that have a reply: ~1% of all
P_W1 = 0.01  # conversations containing WORD_1
P_W2 = 0.0001  # conversations containing WORD_2
P_CUSTOMER_CARE = 0.03  # of all conversations, all on Walmart channels
P_ZH = 0.10
WORD_1 = "warranty"
WORD_2 = "humidifier"
ZH_QUERY = "退货"
CATEGORY_WEIGHTS = {
    "order_status": 30,
    "shipping": 15,
    "return_refund": 15,
    "complaint": 7,
    "product_question": 12,
    "pre_sale": 10,
    "uncategorized": 6,
    "platform_notice": 2,
}
ORDER_LIKELY = {
    "order_status": 0.95,
    "shipping": 0.95,
    "return_refund": 0.95,
    "complaint": 0.95,
    "walmart_customer_care": 1.0,
    "product_question": 0.3,
    "uncategorized": 0.2,
}

BUYER_EN = {
    "order_status": [
        "I placed this order a week ago and it still shows as processing. When will it ship?",
        "Where is my order? The tracking number has not updated in four days.",
        "Can you confirm the delivery date for my order please?",
        "I have not received any shipping confirmation yet.",
        "The tracking says delivered but I cannot find the package anywhere.",
        "My order was supposed to arrive yesterday. Any update?",
        "I need this for a birthday on Saturday, will it arrive in time?",
    ],
    "shipping": [
        "Could you ship this to a different address? I just moved.",
        "Is expedited shipping available for this item?",
        "The box arrived crushed and the tape was open.",
        "Do you ship to Alaska or Hawaii?",
        "The carrier left a note that they could not deliver. What should I do?",
        "Only one of the two boxes arrived today.",
    ],
    "return_refund": [
        "I would like to return this item, it does not fit.",
        "The color is different from the picture. How do I get a refund?",
        "I returned the item two weeks ago and still have not been refunded.",
        "Please send me a prepaid return label.",
        "The product stopped working after three days. I want my money back.",
        "Can I exchange this for a larger size instead of a refund?",
    ],
    "complaint": [
        "This is the second time my order arrived damaged. Very disappointed.",
        "Nobody has answered my previous message. This is unacceptable.",
        "The item is clearly used and has scratches on the screen.",
        "I was charged twice for the same order.",
        "Your driver threw the package over the fence.",
        "The instructions are missing and some parts are broken.",
    ],
    "product_question": [
        "Does this blender come with a glass jar or a plastic one?",
        "What are the exact dimensions of the shelf?",
        "Is this charger compatible with the older model?",
        "Are the batteries included in the box?",
        "Is the fabric machine washable?",
        "How many watts does this heater use?",
    ],
    "pre_sale": [
        "Do you have this in stock in blue?",
        "Can I get a discount if I buy ten units?",
        "When will this item be back in stock?",
        "Do you offer gift wrapping?",
        "Is this the newest version of the product?",
    ],
    "walmart_customer_care": [
        "Walmart Customer Care: the customer reports the order was not received. Please respond within 48 hours.",
        "Walmart Customer Care case: the customer requests a refund for a missing item.",
        "This case was escalated by Walmart Customer Care. Please contact the customer.",
        "Customer Care note: the buyer says the item is not as described.",
    ],
    "platform_notice": [
        "Notice: your listing was updated to comply with marketplace policy.",
        "Reminder: please confirm shipment for pending orders.",
        "Your account health report for this week is available.",
    ],
    "uncategorized": [
        "Hello?",
        "Thanks for your help!",
        "Please call me back when you can.",
        "I have a question about my account.",
    ],
    "spam": [
        "Congratulations! You have been selected for a special promotion, click the link.",
        "We can boost your store ranking fast, contact us on WhatsApp.",
        "Cheap followers and reviews for your shop, best price guaranteed.",
    ],
}
GREETINGS_EN = ["", "Hi,", "Hello,", "Good morning,", "Hi there,", "Dear seller,"]
CLOSINGS_EN = ["", "Thanks.", "Thank you!", "Thanks in advance.", "Regards.", "Please help."]
SUBJECTS_EN = {
    "order_status": ["Where is my order?", "Order status", "Tracking not updating", "Delivery date"],
    "shipping": ["Shipping address change", "Package damaged in transit", "Expedited shipping"],
    "return_refund": ["Return request", "Refund not received", "Wrong size"],
    "complaint": ["Very disappointed", "Damaged again", "Charged twice"],
    "product_question": ["Question about this item", "Compatibility question", "Dimensions?"],
    "pre_sale": ["Stock question", "Bulk discount", "Gift wrapping"],
    "walmart_customer_care": ["Walmart Customer Care case", "Customer Care escalation"],
    "platform_notice": ["Marketplace notice", "Account health"],
    "uncategorized": ["Question", "Hello", ""],
    "spam": ["Special promotion", "Grow your store"],
}
REPLIES_EN = [
    "Thank you for reaching out. We are looking into this for you.",
    "Your order has shipped and the tracking number is in your order details.",
    "We are sorry for the inconvenience. A replacement is on its way.",
    "We have issued a full refund; it should appear in 3-5 business days.",
    "Please send us a photo of the damage so we can help.",
    "The item is in stock and ships within one business day.",
    "We have emailed you a prepaid return label.",
    "Yes, the batteries are included.",
    "We apologize for the delay. The carrier has had weather problems in your area.",
    "Could you please confirm your shipping address?",
    "We will contact the carrier and get back to you within 24 hours.",
    "Thank you for your patience. Have a great day!",
]
W1_EN = [
    f"Is this covered by the {WORD_1}?",
    f"How do I make a {WORD_1} claim?",
    f"The {WORD_1} card was missing from the box.",
]
W2_EN = [f"The {WORD_2} leaks water from the bottom.", f"Which filter fits this {WORD_2}?"]
BUYER_ZH = {
    "order_status": [
        "你好，我的订单什么时候发货？",
        "物流信息好几天没有更新了，请帮我查一下。",
        "包裹显示已签收，但是我没有收到。",
    ],
    "shipping": ["请尽快发货，谢谢。", "可以改一下收货地址吗？", "少发了一件商品，请补发。"],
    "return_refund": [
        "颜色和图片不一样，可以退货退款吗？",
        "我已经退货一周了，还没有收到退款。",
        "尺寸太小了，能换大一号的吗？",
    ],
    "complaint": ["收到的商品有破损，我想退货。", "商品质量很差，非常失望。", "客服一直不回复消息。"],
    "product_question": ["请问这个产品有现货吗？", "这个充电器兼容旧款吗？", "电池是含在包装里的吗？"],
    "pre_sale": ["可以便宜一点吗？我想买五个。", "请问支持货到付款吗？", "发票可以开吗？"],
    "walmart_customer_care": ["客户反映没有收到商品，请在48小时内回复。"],
    "platform_notice": ["平台通知：请及时确认发货。"],
    "uncategorized": ["你好，在吗？", "谢谢你的帮助！"],
    "spam": ["恭喜您获得特别优惠，请点击链接。", "快速提升店铺排名，请加微信联系。"],
}
SUBJECTS_ZH = {
    "order_status": ["订单查询", "物流没有更新"],
    "shipping": ["物流问题", "修改地址"],
    "return_refund": ["退货申请", "退款问题"],
    "complaint": ["投诉", "商品破损"],
    "product_question": ["商品咨询"],
    "pre_sale": ["售前咨询"],
    "walmart_customer_care": ["客服升级"],
    "platform_notice": ["平台通知"],
    "uncategorized": ["你好"],
    "spam": ["特别优惠"],
}
REPLIES_ZH = [
    "您好，感谢您的耐心等待，我们正在为您查询。",
    "您的订单已经发货，请留意物流信息。",
    "非常抱歉给您带来不便，我们会为您安排退款。",
    "请提供商品破损的照片，我们会尽快处理。",
    "商品有现货，一个工作日内发出。",
    "已为您补发，请注意查收。",
]
FIRST_NAMES = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Timothy",
    "Deborah",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
]
SURNAMES_ZH = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN_ZH = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
]
LABELS = ["vip", "fragile", "wholesale", "repeat_buyer"]


def _compose(rng: random.Random, sentences: list[str], greetings: list[str], closings: list[str]) -> str:
    k = min(len(sentences), rng.randint(1, 2))
    parts = [rng.choice(greetings), *rng.sample(sentences, k=k), rng.choice(closings)]
    return " ".join(p for p in parts if p)


@dataclass
class Corpus:
    """Body pools with their tokens precomputed once (api.kit.search.tokenize), so each conversation's
    index document is a union of cached token lists instead of a regex pass over every body."""

    tokens: dict[str, tuple[str, ...]] = field(default_factory=dict)
    buyer: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (lang, category) -> bodies
    with_w1: list[str] = field(default_factory=list)
    with_w2: list[str] = field(default_factory=list)
    replies: dict[str, list[str]] = field(default_factory=dict)
    subjects: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    previews: dict[str, str] = field(default_factory=dict)

    def tok(self, text: str) -> tuple[str, ...]:
        got = self.tokens.get(text)
        if got is None:
            from api.kit.search import tokenize

            got = self.tokens[text] = tuple(t for t in tokenize(text) if len(t) <= 200)
        return got


def build_corpus(rng: random.Random) -> Corpus:
    from api.message.content import preview

    c = Corpus()
    for category in [*CATEGORY_WEIGHTS, "walmart_customer_care", "spam"]:
        c.buyer[("en", category)] = list(
            dict.fromkeys(_compose(rng, BUYER_EN[category], GREETINGS_EN, CLOSINGS_EN) for _ in range(400))
        )
        c.buyer[("zh", category)] = list(
            dict.fromkeys(
                _compose(rng, BUYER_ZH[category], ["", "你好，", "您好，"], ["", "谢谢！"]) for _ in range(60)
            )
        )
        c.subjects[("en", category)] = SUBJECTS_EN[category]
        c.subjects[("zh", category)] = SUBJECTS_ZH[category]
    everything = " ".join(chain(*c.buyer.values(), REPLIES_EN, REPLIES_ZH, *SUBJECTS_EN.values())).lower()
    assert WORD_1 not in everything and WORD_2 not in everything, "the marker words must only come from W1/W2"
    c.with_w1 = [f"{rng.choice(c.buyer[('en', 'order_status')])} {rng.choice(W1_EN)}" for _ in range(150)]
    c.with_w2 = [f"{rng.choice(c.buyer[('en', 'product_question')])} {rng.choice(W2_EN)}" for _ in range(20)]
    c.replies["en"] = list(
        dict.fromkeys(_compose(rng, REPLIES_EN, ["", "Hi,", "Hello,"], ["", "Best regards."]) for _ in range(300))
    )
    c.replies["zh"] = list(
        dict.fromkeys(_compose(rng, REPLIES_ZH, ["", "亲，"], ["", "祝您生活愉快！"]) for _ in range(60))
    )
    for body in chain(*c.buyer.values(), c.with_w1, c.with_w2, *c.replies.values(), *c.subjects.values()):
        c.tok(body)
        c.previews[body] = preview(body)
    return c


def order_id(rng: random.Random, marketplace: str) -> str:
    r = rng.randrange
    if marketplace == "walmart":
        return f"10{r(10**12, 10**13)}"
    if marketplace == "amazon":
        return f"{r(111, 115)}-{r(10**6, 10**7)}-{r(10**6, 10**7)}"
    if marketplace == "ebay":
        return f"{r(10, 100)}-{r(10**4, 10**5)}-{r(10**4, 10**5)}"
    if marketplace == "shopee":
        alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        return f"2{r(40101, 51231):05d}" + "".join(rng.choice(alnum) for _ in range(8))
    if marketplace == "tiktok":
        return f"57{r(10**15, 10**16)}"
    return f"#{r(100000, 1000000)}"


_V7 = 0x7 << 76
_VARIANT = 0b10 << 62
_MASK62 = (1 << 62) - 1


def uuid7_at(ms: int, bits: Callable[[int], int]) -> uuid.UUID:
    """A UUIDv7 (as api.kit.ids.uuid7) for a given millisecond, so ids follow the data's own timeline."""
    rand = bits(74)
    return uuid.UUID(int=(ms << 80) | _V7 | ((rand >> 62) << 64) | _VARIANT | (rand & _MASK62))


@dataclass
class World:
    org_id: uuid.UUID
    key: str
    users: list[uuid.UUID]
    channels: dict[str, list[uuid.UUID]]
    customers: dict[str, list[tuple[uuid.UUID, str, str]]] = field(default_factory=dict)  # id, name, lang
    sample_amazon_order: str | None = None


CONV_COLUMNS = [
    "id",
    "organization_id",
    "channel_id",
    "marketplace",
    "thread_key",
    "external_thread_id",
    "customer_id",
    "order_external_id",
    "item_external_id",
    "subject",
    "category",
    "priority",
    "status",
    "labels",
    "assignee_id",
    "unread",
    "waiting_since",
    "first_inbound_at",
    "last_inbound_at",
    "last_response_at",
    "last_message_at",
    "last_message_preview",
    "message_count",
    "has_failed_delivery",
    "spam_reason",
    "spam_flagged_at",
    "language",
    "resolved_at",
    "created_at",
    "updated_at",
]
MSG_COLUMNS = [
    "id",
    "organization_id",
    "conversation_id",
    "channel_id",
    "direction",
    "author_kind",
    "author_user_id",
    "external_id",
    "subject",
    "body",
    "sent_at",
    "created_at",
    "content_digest",
    "delivery_status",
    "delivery_error",
    "delivery_attempts",
    "delivered_at",
    "no_response_needed",
    "in_reply_to_id",
]
CUSTOMER_COLUMNS = ["id", "organization_id", "marketplace", "external_buyer_id", "display_name", "email", "tier"]


def message_counts(rng: random.Random, conversations: int, messages: int) -> list[int]:
    """Per-conversation message counts: geometric-like (long tail, capped at 60), summing exactly to `messages`."""
    if messages < conversations:
        raise ValueError("BENCH_MESSAGES must be >= BENCH_CONVERSATIONS (every conversation has a message)")
    mean = messages / conversations
    rate = 1 / max(mean - 0.5, 0.01)
    counts = [min(60, 1 + int(rng.expovariate(rate))) if mean > 1 else 1 for _ in range(conversations)]
    diff = messages - sum(counts)
    while diff:
        i = rng.randrange(conversations)
        if diff > 0 and counts[i] < 60:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


class Generator:
    def __init__(self, world: World, corpus: Corpus, counts: list[int], now: datetime) -> None:
        self.w = world
        self.c = corpus
        self.counts = counts
        self.now_ms = int(now.timestamp() * 1000)
        self.span_ms = 365 * 86_400_000
        self.start_ms = self.now_ms - self.span_ms
        self.digests = [f"{random.Random(i).getrandbits(256):064x}" for i in range(1024)]
        self.cat_cum = list(chain.from_iterable([[c] * w for c, w in CATEGORY_WEIGHTS.items()]))
        self.mp_pool = list(chain.from_iterable([[m] * round(w * 100) for m, w in MARKETPLACES.items()]))
        self.assignees: list[uuid.UUID] = list(
            chain.from_iterable([[u] * wt for u, wt in zip(world.users, ASSIGNEE_WEIGHTS, strict=False)])
        )
        # P(customer care | walmart, not spam) so that ~P_CUSTOMER_CARE of all conversations are customer care
        self.p_wcc = P_CUSTOMER_CARE / (MARKETPLACES["walmart"] * (1 - P_SPAM))
        self.sample_at = len(counts) // 2
        self.validate_left = 300  # first rows: check the cached-token document equals index_document()

    def chunk(self, rng: random.Random, lo: int, hi: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        from api.kit.search import index_document, tokenize

        w, c = self.w, self.c
        tok = c.tok
        org = w.org_id
        bits = rng.getrandbits
        rnd = rng.random
        choice = rng.choice
        step = self.span_ms / len(self.counts)
        conv_rows: list[tuple[Any, ...]] = []
        msg_rows: list[tuple[Any, ...]] = []
        msg_append = msg_rows.append
        fromts = datetime.fromtimestamp
        now_ms = self.now_ms
        digests = self.digests
        for i in range(lo, hi):
            n = self.counts[i]
            marketplace = choice(self.mp_pool)
            channel_id = choice(w.channels[marketplace])
            customer_id, buyer_name, lang = choice(w.customers[marketplace])
            spam = rnd() < P_SPAM
            if spam:
                category = "spam"
            elif marketplace == "walmart" and rnd() < self.p_wcc:
                category = "walmart_customer_care"
            else:
                category = choice(self.cat_cum)
            oid = order_id(rng, marketplace) if rnd() < ORDER_LIKELY.get(category, 0.0) else None
            item = str(rng.randrange(10**8, 10**12)) if oid and rnd() < 0.6 else None
            if oid and marketplace == "amazon" and w.sample_amazon_order is None and i >= self.sample_at and not spam:
                w.sample_amazon_order = oid
            base_subject = choice(c.subjects[(lang, category)])
            subject = f"{base_subject} - Order {oid}" if oid and rnd() < 0.5 else base_subject
            waiting = (not spam) and rnd() < P_WAITING
            # Directions: the first message is the buyer's; the last decides whether a reply is owed.
            dirs = [rnd() < 0.55 for _ in range(n)]  # True = inbound
            dirs[0] = True
            if n > 1:
                dirs[-1] = waiting
            elif not waiting:
                pass  # a lone inbound message that needs no reply (a thank-you, a notice)
            if spam:
                dirs = [True] * n
            has_out = not all(dirs)
            failed = has_out and rnd() < P_FAILED
            # Timeline: created in order over the last year, then gaps of minutes to days.
            t = int(self.start_ms + (i + rnd()) * step)
            created_ms = t
            times = [t]
            for _ in range(n - 1):
                t += int(rng.expovariate(1 / 14_400_000)) % 259_200_000 + 60_000
                times.append(t)
            overflow = times[-1] - (now_ms - 1000)
            if overflow > 0:
                times = [max(created_ms, x - overflow) for x in times]
            conv_id = uuid7_at(created_ms, bits)
            marker = None
            r = rnd()
            if lang == "en" and not spam and r < P_W1 / (1 - P_ZH):
                marker = choice(c.with_w1)
            elif lang == "en" and not spam and r > 1 - P_W2 / (1 - P_ZH):
                marker = choice(c.with_w2)
            pool = c.buyer[(lang, category)]
            replies = c.replies[lang]
            assignee = None if rnd() < P_UNASSIGNED else choice(self.assignees)
            doc_tokens: list[tuple[str, ...]] = [tok(subject) if subject else (), tok(buyer_name)]
            if oid:
                doc_tokens.append(tokenize(oid))  # unique per conversation: not cached
            if item:
                doc_tokens.append(tokenize(item))
            inbound_bodies: list[str] = []
            last_in_id = None
            first_in = last_in = last_resp = waiting_since = None
            last_out = max((k for k in range(n) if not dirs[k]), default=-1)
            failed_idx = last_out if failed else -1
            last_body = ""
            for k in range(n):
                ms = times[k]
                at = fromts(ms / 1000, UTC)
                mid = uuid7_at(ms, bits)
                if dirs[k]:
                    body = marker if (marker and k == 0) else choice(pool)
                    inbound_bodies.append(body)
                    no_reply = n == 1 and not waiting and not spam
                    msg_append(
                        (
                            mid,
                            org,
                            conv_id,
                            channel_id,
                            "inbound",
                            "buyer",
                            None,
                            f"m{i}.{k}",
                            subject if k == 0 and subject else None,
                            body,
                            at,
                            at,
                            digests[bits(10)],
                            None,
                            None,
                            0,
                            None,
                            no_reply,
                            None,
                        )
                    )
                    if first_in is None:
                        first_in = at
                    last_in = at
                    last_in_id = mid
                    if waiting and waiting_since is None and k > last_out:
                        waiting_since = at
                else:
                    body = choice(replies)
                    is_failed = k == failed_idx
                    author = assignee or w.users[0]
                    auto = rnd() < 0.1
                    msg_append(
                        (
                            mid,
                            org,
                            conv_id,
                            channel_id,
                            "outbound",
                            "auto" if auto else "human",
                            None if auto else author,
                            None if is_failed else f"r{i}.{k}",
                            None,
                            body,
                            at,
                            at,
                            None,
                            "failed" if is_failed else "sent",
                            "Marketplace API returned 400: message rejected" if is_failed else None,
                            3 if is_failed else 1,
                            None if is_failed else at,
                            False,
                            last_in_id,
                        )
                    )
                    if not is_failed:
                        last_resp = at
                last_body = body
            if waiting and waiting_since is None:  # n == 1
                waiting_since = first_in
            doc_tokens.extend(tok(b) for b in inbound_bodies)
            doc = " ".join(dict.fromkeys(chain.from_iterable(doc_tokens)))
            if self.validate_left > 0:
                self.validate_left -= 1
                expected = index_document(subject, buyer_name, oid, item, *inbound_bodies)
                assert doc == expected, (doc, expected)
            last_at = fromts(times[-1] / 1000, UTC)
            created_at = fromts(created_ms / 1000, UTC)
            if spam or waiting:
                status = "open"
            else:
                r = rnd()
                status = "resolved" if r < 0.6 else ("pending" if r < 0.8 else "open")
            unread = rnd() < (0.6 if waiting else 0.2)
            r = rnd()
            priority = "normal" if r < 0.80 else ("high" if r < 0.92 else ("low" if r < 0.97 else "urgent"))
            labels = [choice(LABELS)] if rnd() < 0.1 else []
            conv_rows.append(
                (
                    conv_id,
                    org,
                    channel_id,
                    marketplace,
                    f"t:T{i}",
                    f"T{i}",
                    customer_id,
                    oid,
                    item,
                    subject,
                    "pre_sale" if spam else category,
                    priority,
                    status,
                    labels,
                    assignee,
                    unread,
                    waiting_since,
                    first_in,
                    last_in,
                    last_resp,
                    last_at,
                    c.previews.get(last_body) or last_body[:280],
                    n,
                    failed,
                    choice(("spam", "spam", "spam", "fraud", "inappropriate")) if spam else None,
                    last_at if spam else None,
                    lang,
                    last_at if status == "resolved" else None,
                    created_at,
                    last_at,
                    doc,
                )
            )
        return conv_rows, msg_rows


def make_customers(rng: random.Random, world: World) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    now_ms = int(time.time() * 1000) - 400 * 86_400_000
    names_seen: set[str] = set()
    for marketplace, share in MARKETPLACES.items():
        pool: list[tuple[uuid.UUID, str, str]] = []
        for j in range(max(1, round(CUSTOMERS * share))):
            zh = rng.random() < P_ZH
            if zh:
                name = rng.choice(SURNAMES_ZH) + rng.choice(GIVEN_ZH)
            else:
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            names_seen.add(name)
            cid = uuid7_at(now_ms + j, rng.getrandbits)
            email = f"buyer{j}@relay.{marketplace}.example" if marketplace in ("walmart", "amazon", "email") else None
            tier = rng.choice(("standard",) * 8 + ("high_value", "low_activity"))
            rows.append((cid, world.org_id, marketplace, f"{marketplace[:2].upper()}{j:09d}", name, email, tier))
            pool.append((cid, name, "zh" if zh else "en"))
        world.customers[marketplace] = pool
    return rows


# --------------------------------------------------------------------------------------------------
# Seeding through the services, then COPY
# --------------------------------------------------------------------------------------------------


async def _seed(url: str) -> World:
    from api.auth import service
    from api.auth.principal import SCOPES
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.models import Channel

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    async with create_sessionmaker(engine).begin() as s:
        org = await service.create_organization(s, "Bench Inbox", "bench-inbox")
        _, key = await service.create_api_key(s, org.id, "bench", list(SCOPES))
        users = []
        for n in range(USERS):
            u = await service.create_user(
                s, org.id, email=f"agent{n}@bench.example", name=f"Agent {n}", password="bench-password-123"
            )
            users.append(u.id)
        channels: dict[str, list[uuid.UUID]] = {}
        for marketplace, name in CHANNELS:
            ch = Channel(organization_id=org.id, marketplace=marketplace, name=name)
            s.add(ch)
            await s.flush()
            channels.setdefault(marketplace, []).append(ch.id)
        world = World(org_id=org.id, key=key, users=users, channels=channels)
    await engine.dispose()
    return world


SECONDARY_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid::regclass::text = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY 1
"""


async def load(url: str, world: World) -> dict[str, Any]:
    """COPY customers, conversations (through an unlogged staging table so search_vector is computed by
    to_tsvector('simple', index_document(...)) in the server) and messages; secondary indexes are dropped
    before and rebuilt after (same definitions, checked), FK triggers are off during the load
    (session_replication_role=replica: the generator keeps every reference valid)."""
    stats: dict[str, Any] = {}
    rng = random.Random(SEED)
    tables = ["conversations", "messages", "customers"]
    a = await asyncpg.connect(url)
    b = await asyncpg.connect(url)
    for conn in (a, b):
        await conn.execute("SET session_replication_role = replica; SET maintenance_work_mem = '1GB'")
    indexes = await a.fetch(SECONDARY_INDEXES, tables)
    for row in indexes:
        await a.execute(f'DROP INDEX "{row[0]}"')
    await a.execute(
        "CREATE UNLOGGED TABLE bench_conv_stage AS SELECT "
        + ", ".join(CONV_COLUMNS)
        + ", ''::text AS doc FROM conversations WITH NO DATA"
    )
    insert_from_stage = (
        f"INSERT INTO conversations ({', '.join(CONV_COLUMNS)}, search_vector) "
        f"SELECT {', '.join(CONV_COLUMNS)}, to_tsvector('simple', doc) FROM bench_conv_stage"
    )

    t0 = time.perf_counter()
    corpus = build_corpus(rng)
    customers = make_customers(rng, world)
    await a.copy_records_to_table("customers", records=customers, columns=CUSTOMER_COLUMNS)
    stats["customers"] = len(customers)
    counts = message_counts(rng, CONVERSATIONS, MESSAGES)
    gen = Generator(world, corpus, counts, datetime.now(UTC))
    server_s = 0.0

    async def ship(conv_rows: list[tuple[Any, ...]], msg_rows: list[tuple[Any, ...]]) -> None:
        nonlocal server_s
        s0 = time.perf_counter()

        async def conversations() -> None:
            await a.copy_records_to_table("bench_conv_stage", records=conv_rows, columns=[*CONV_COLUMNS, "doc"])
            await a.execute(insert_from_stage)
            await a.execute("TRUNCATE bench_conv_stage")

        await asyncio.gather(
            conversations(), b.copy_records_to_table("messages", records=msg_rows, columns=MSG_COLUMNS)
        )
        server_s += time.perf_counter() - s0

    pending: asyncio.Task[None] | None = None
    gen_s = 0.0
    for lo in range(0, CONVERSATIONS, CHUNK):
        g0 = time.perf_counter()
        # Generate the next chunk in a thread while the previous chunk streams into the server.
        rows = await asyncio.to_thread(gen.chunk, rng, lo, min(CONVERSATIONS, lo + CHUNK))
        gen_s += time.perf_counter() - g0
        if pending is not None:
            await pending
        pending = asyncio.create_task(ship(*rows))
    if pending is not None:
        await pending
    await a.execute("DROP TABLE bench_conv_stage")
    copy_s = time.perf_counter() - t0
    stats["copy_phase_s"] = round(copy_s, 1)
    stats["copy_generate_s"] = round(gen_s, 1)
    stats["copy_rows"] = len(customers) + CONVERSATIONS + MESSAGES
    stats["copy_rows_per_s"] = round(stats["copy_rows"] / copy_s)
    stats["copy_note"] = (
        "wall time of generating + COPYing customers, conversations (staging + INSERT ... to_tsvector) and "
        "messages, pipelined; PK and unique constraints present, secondary indexes dropped, FK triggers off"
    )

    # Rebuild the secondary indexes, two at a time (2 cores), biggest first.
    t1 = time.perf_counter()
    queue = sorted(indexes, key=lambda r: ("gin" not in r[1], not r[1].startswith("CREATE INDEX ix_messages")))
    todo = list(queue)

    async def builder(conn: asyncpg.Connection) -> None:
        while todo:
            _, ddl = todo.pop(0)
            await conn.execute(ddl)

    await asyncio.gather(builder(a), builder(b))
    stats["index_build_s"] = round(time.perf_counter() - t1, 1)
    rebuilt = await a.fetch(SECONDARY_INDEXES, tables)
    assert [tuple(r) for r in rebuilt] == [tuple(r) for r in indexes], "rebuilt indexes differ from the migration's"

    t2 = time.perf_counter()
    await asyncio.gather(a.execute("VACUUM (ANALYZE) conversations"), b.execute("VACUUM (ANALYZE) messages"))
    await a.execute("VACUUM (ANALYZE) customers")
    await a.execute("CHECKPOINT")
    stats["vacuum_analyze_checkpoint_s"] = round(time.perf_counter() - t2, 1)
    sizes = await a.fetch(
        "SELECT relname, pg_total_relation_size(oid) AS bytes FROM pg_class WHERE relname = ANY($1::text[])", tables
    )
    stats["total_size_mb"] = {r["relname"]: round(r["bytes"] / 2**20) for r in sizes}
    await a.close()
    await b.close()
    return stats


# --------------------------------------------------------------------------------------------------
# Cases, SQL capture, measurement
# --------------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    params: dict[str, str]
    path: str = "/v1/conversations"
    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    matches: int | None = None
    after: tuple[Any, uuid.UUID] | None = None  # the keyset position `cursor` stands for


async def capture_sql(url: str, world: World, case: Case) -> None:
    """Run the endpoint's own repository/service calls in-process with a cursor hook and keep the exact
    (statement, parameters) pairs SQLAlchemy sends to asyncpg."""
    from sqlalchemy import event

    from api.config import Settings
    from api.conversation import repository
    from api.conversation.views import ConversationFilters
    from api.db import create_engine, create_sessionmaker

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def hook(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, tuple(parameters or ())))

    event.listen(engine.sync_engine, "before_cursor_execute", hook)
    p = case.params
    assignee = p.get("assignee")
    filters = ConversationFilters(
        marketplace=p.get("marketplace"), assignee_id=uuid.UUID(assignee) if assignee else None, q=p.get("q")
    )
    async with create_sessionmaker(engine)() as s:
        seen.clear()
        if case.path.endswith("/counts"):
            await repository.counts(s, world.org_id, filters)
        else:
            after = case.after
            # The list is one statement: the page with its customers joined (api/conversation/rows.py
            # turns the rows into JSON without further SQL).
            await repository.page(s, world.org_id, p.get("view", "all"), filters, after, PAGE + 1)
        case.statements = [(sql, args) for sql, args in seen if not sql.lstrip().upper().startswith("SELECT 1")]
        await s.rollback()
    await engine.dispose()


@dataclass
class Timing:
    latencies_ms: list[float] = field(default_factory=list)
    first_statement_ms: list[float] = field(default_factory=list)
    errors: int = 0
    wall_s: float = 0.0


async def _drive(op: Callable[[int], Any], n: int) -> Timing:
    """`n` timed calls of `op` spread over CONCURRENCY clients, stopping early at CASE_BUDGET_S."""
    out = Timing()
    next_i = 0
    start = time.perf_counter()
    deadline = start + CASE_BUDGET_S

    async def client() -> None:
        nonlocal next_i
        while next_i < n and time.perf_counter() < deadline:
            i = next_i
            next_i += 1
            t = time.perf_counter()
            try:
                await op(i)
            except Exception:  # counted; the run goes on
                out.errors += 1
                continue
            out.latencies_ms.append((time.perf_counter() - t) * 1000)

    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    out.wall_s = time.perf_counter() - start
    return out


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the API process (and any children) so far."""
    import psutil

    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        t = p.cpu_times()
        total += t.user + t.system
    return total


async def measure_api(conns: list[KeepAliveConnection], case: Case, pid: int) -> tuple[Timing, int, float]:
    """Latencies, items per page, and the API process's CPU ms per request over the timed calls.

    The client is `KeepAliveConnection` (one per concurrent caller), not httpx: httpx spent ~2 ms of CPU
    per call on the same two cores as the API and PostgreSQL, and the direct side pays no HTTP client
    at all. The bodies of the timed calls are not parsed (the warm-up's are, for the item count)."""
    target = case.path + ("?" + urlencode(case.params) if case.params else "")
    idle: asyncio.Queue[KeepAliveConnection] = asyncio.Queue()
    for conn in conns:
        idle.put_nowait(conn)

    async def op(_: int) -> bytes:
        conn = await idle.get()
        try:
            status, body = await conn.get(target)
        finally:
            idle.put_nowait(conn)
        if status != 200:
            raise RuntimeError(f"{status} {body[:200]!r}")
        return body

    items = -1
    for _ in range(WARMUP):
        try:
            body = json.loads(await op(0))
            items = len(body["items"]) if "items" in body else len(body)
        except Exception as exc:  # reported; the timed calls count their errors
            print(f"inbox_list: {case.name}: warm-up error {exc!r}", flush=True)
    cpu_before = process_cpu_s(pid)
    timing = await _drive(op, REQUESTS)
    cpu_ms = (process_cpu_s(pid) - cpu_before) * 1000 / max(1, len(timing.latencies_ms) + timing.errors)
    return timing, items, cpu_ms


def _is_setting(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SET LOCAL")


async def measure_direct(pool: asyncpg.Pool, case: Case) -> tuple[Timing, dict[str, int]]:
    first_ms: list[float] = []

    # A search sets its plan mode for its own transaction first (api/conversation/repository.py
    # PLAN_PER_CALL): replayed the same way, in a transaction, so that it has an effect here too.
    in_transaction = any(_is_setting(sql) for sql, _ in case.statements)
    first = next(k for k, (sql, _) in enumerate(case.statements) if not _is_setting(sql))

    async def run(conn: asyncpg.Connection) -> None:
        for k, (sql, args) in enumerate(case.statements):
            t = time.perf_counter()
            await conn.fetch(sql, *args)
            if k == first:
                first_ms.append((time.perf_counter() - t) * 1000)

    async def op(_: int) -> None:
        async with pool.acquire() as conn:
            if in_transaction:
                async with conn.transaction():
                    await run(conn)
            else:
                await run(conn)

    for _ in range(WARMUP * CONCURRENCY):
        await op(0)
    first_ms.clear()
    timing = await _drive(op, REQUESTS)
    timing.first_statement_ms = first_ms
    # Which plan did the server settle on for the prepared list statement: custom or generic? (per connection)
    plans = {"generic_plans": 0, "custom_plans": 0}
    conns = [await pool.acquire() for _ in range(CONCURRENCY)]
    try:
        for conn in conns:
            row = await conn.fetchrow(
                "SELECT coalesce(sum(generic_plans), 0) AS g, coalesce(sum(custom_plans), 0) AS c "
                "FROM pg_prepared_statements WHERE statement = $1",
                case.statements[first][0],
            )
            plans["generic_plans"] += int(row["g"])
            plans["custom_plans"] += int(row["c"])
    finally:
        for conn in conns:
            await pool.release(conn)
    return timing, plans


async def build_cases(url: str, world: World) -> list[Case]:
    from dataclasses import asdict

    from api.conversation.views import ConversationFilters
    from api.kit.pagination import CursorScope, configure_cursor_key

    # Signed the way the API process signs (it inherits HOURGLASS_SECRET_KEY, set by benchmarks.common).
    configure_cursor_key(os.environ["HOURGLASS_SECRET_KEY"])
    all_scope = CursorScope(
        "conversations:last_message", {"org": world.org_id, "view": "all", **asdict(ConversationFilters())}
    )
    conn = await asyncpg.connect(url)
    deep = await conn.fetchrow(
        "SELECT last_message_at, id FROM conversations WHERE organization_id = $1 AND spam_reason IS NULL "
        "ORDER BY last_message_at DESC, id DESC OFFSET $2 LIMIT 1",
        world.org_id,
        CONVERSATIONS // 2,
    )
    await conn.close()
    assignee = str(world.users[1])
    order_prefix = (world.sample_amazon_order or "111-1234567")[:11]
    cases = [Case(f"view={v}", {"view": v, "limit": str(PAGE)}) for v in VIEW_NAMES]
    cases += [
        Case(
            "filter marketplace=walmart&assignee=<agent1>",
            {"view": "all", "marketplace": "walmart", "assignee": assignee, "limit": str(PAGE)},
        ),
        Case(
            "view=all deep page (cursor at 50%)",
            {"view": "all", "cursor": all_scope.issue(deep["last_message_at"], deep["id"]), "limit": str(PAGE)},
            after=(deep["last_message_at"], deep["id"]),
        ),
        Case("q=<order id prefix>", {"view": "all", "q": order_prefix, "limit": str(PAGE)}),
        Case(f"q={WORD_1} (~1%)", {"view": "all", "q": WORD_1, "limit": str(PAGE)}),
        Case(f"q={WORD_2} (~0.01%)", {"view": "all", "q": WORD_2, "limit": str(PAGE)}),
        Case(f"q={ZH_QUERY} (Chinese bigram)", {"view": "all", "q": ZH_QUERY, "limit": str(PAGE)}),
        Case("counts", {}, path="/v1/conversations/counts"),
    ]
    return cases


VIEW_NAMES = ["all", "unread", "response_needed", "customer_care", "failed", "spam"]


async def distribution(url: str, world: World) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    row = await conn.fetchrow(
        """SELECT count(*) AS conversations,
                  avg(unread::int) AS unread, avg((waiting_since IS NOT NULL)::int) AS waiting,
                  avg((category = 'walmart_customer_care')::int) AS customer_care,
                  avg(has_failed_delivery::int) AS failed, avg((spam_reason IS NOT NULL)::int) AS spam,
                  avg((assignee_id IS NULL)::int) AS unassigned, avg((language = 'zh')::int) AS chinese,
                  avg((order_external_id IS NOT NULL)::int) AS with_order
           FROM conversations WHERE organization_id = $1""",
        world.org_id,
    )
    messages = await conn.fetchval("SELECT count(*) FROM messages")
    marketplaces = await conn.fetch("SELECT marketplace, count(*) FROM conversations GROUP BY 1 ORDER BY 2 DESC")
    matches = {}
    for word in (WORD_1, WORD_2, ZH_QUERY):
        matches[word] = await conn.fetchval(
            "SELECT count(*) FROM conversations WHERE search_vector @@ to_tsquery('simple', $1)", f"'{word}'"
        )
    await conn.close()
    out = {k: (round(float(v), 4) if k != "conversations" else v) for k, v in dict(row).items()}
    out["messages"] = messages
    out["marketplaces"] = {r[0]: r[1] for r in marketplaces}
    out["fts_matches"] = matches
    return out


async def explain(url: str, case: Case) -> list[str]:
    conn = await asyncpg.connect(url)
    sql, args = next((sql, args) for sql, args in case.statements if not _is_setting(sql))
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
    await conn.close()
    return [r[0] for r in rows]


def _p(values: list[float], p: float) -> float:
    return percentile(values, p) if values else 0.0


async def drop_database() -> None:
    from sqlalchemy.engine import make_url

    base = make_url(server_url())
    conn = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False))
    await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    t_start = time.perf_counter()
    url = await fresh_database(DB_NAME)
    try:
        world = await _seed(url)
        print(f"inbox_list: loading {CONVERSATIONS:,} conversations, {MESSAGES:,} messages ...", flush=True)
        load_stats = await load(url, world)
        print(f"inbox_list: load {load_stats}", flush=True)
        dist = await distribution(url, world)
        print(f"inbox_list: data {dist}", flush=True)
        cases = await build_cases(url, world)
        for case in cases:
            await capture_sql(url, world, case)

        results: list[dict[str, Any]] = []
        api = ApiProcess(url.replace("postgresql://", "postgresql+asyncpg://"))
        pool = await asyncpg.create_pool(url, min_size=CONCURRENCY, max_size=CONCURRENCY)
        try:
            await api.wait_ready()
            conns = [KeepAliveConnection(api.url, {"Authorization": f"Bearer {world.key}"}) for _ in range(CONCURRENCY)]
            try:
                for case in cases:
                    api_t, items, cpu_ms = await measure_api(conns, case, api.proc.pid)
                    direct_t, plans = await measure_direct(pool, case)
                    res = {
                        "case": case.name,
                        "query": urlencode(case.params),
                        "path": case.path,
                        "items": items,
                        "api": {
                            "count": len(api_t.latencies_ms),
                            "errors": api_t.errors,
                            "p50_ms": _p(api_t.latencies_ms, 50),
                            "p99_ms": _p(api_t.latencies_ms, 99),
                            "wall_s": round(api_t.wall_s, 2),
                            "requests_per_s": round(len(api_t.latencies_ms) / api_t.wall_s, 1),
                            "cpu_ms_per_request": round(cpu_ms, 2),
                        },
                        "direct": {
                            "count": len(direct_t.latencies_ms),
                            "errors": direct_t.errors,
                            "p50_ms": _p(direct_t.latencies_ms, 50),
                            "p99_ms": _p(direct_t.latencies_ms, 99),
                            "list_statement_p50_ms": _p(direct_t.first_statement_ms, 50),
                            "wall_s": round(direct_t.wall_s, 2),
                            "requests_per_s": round(len(direct_t.latencies_ms) / direct_t.wall_s, 1),
                            **plans,
                        },
                        "statements": [sql for sql, _ in case.statements],
                    }
                    results.append(res)
                    print(
                        f"inbox_list: {case.name}: api p50 {res['api']['p50_ms']:.1f} p99 {res['api']['p99_ms']:.1f}"
                        f" ms (n={res['api']['count']}, err={api_t.errors}, cpu {cpu_ms:.1f} ms/req) | direct p50 "
                        f"{res['direct']['p50_ms']:.1f} p99 {res['direct']['p99_ms']:.1f} ms "
                        f"(n={res['direct']['count']}, err={direct_t.errors}) items={items} {plans}",
                        flush=True,
                    )
            finally:
                for conn in conns:
                    await conn.close()
        finally:
            await pool.close()
            api.stop()

        slowest = sorted(zip(cases, results, strict=True), key=lambda cr: -cr[1]["direct"]["list_statement_p50_ms"])
        plans_out = {case.name: await explain(url, case) for case, _ in slowest[:3]}

        figures = []
        for r in results:
            figures.append(
                figure(
                    f"GET {r['path']} [{r['case']}] p50",
                    r["api"]["p50_ms"],
                    "ms",
                    r["direct"]["p50_ms"],
                    "same SQL direct via asyncpg, p50",
                    higher_is_better=False,
                )
            )
            figures.append(
                figure(
                    f"GET {r['path']} [{r['case']}] p99",
                    r["api"]["p99_ms"],
                    "ms",
                    r["direct"]["p99_ms"],
                    "same SQL direct via asyncpg, p99",
                    higher_is_better=False,
                )
            )
        save(
            "inbox_list",
            figures,
            {
                "conversations": CONVERSATIONS,
                "messages": MESSAGES,
                "customers": CUSTOMERS,
                "requests_per_case": REQUESTS,
                "concurrency": CONCURRENCY,
                "case_budget_s": CASE_BUDGET_S,
                "page_limit": PAGE,
                "api_workers": 1,
                "direct_definition": "the statements the endpoint's repository issues (the page, customers joined), "
                "captured from SQLAlchemy and replayed with asyncpg prepared statements on a pool of "
                "`concurrency` connections; no auth, transaction or JSON work",
                "load": load_stats,
                "data": dist,
                "cases": results,
                "explain_slowest_3": plans_out,
                "total_s": round(time.perf_counter() - t_start, 1),
            },
        )
    finally:
        if not KEEP_DB:
            await drop_database()


if __name__ == "__main__":
    asyncio.run(main())
