"""Knowledge base: suggestion latency (GET /v1/conversations/{id}/suggestions' service: candidates from
the CJK-bigram full-text index, lexical ranking, rendering in the template sandbox, compliance lint) and
help-page search latency, and top questions' clustering time (BENCH_CLUSTER_QUESTIONS generated
questions, default 100,000), with BENCH_ARTICLES published articles (default 10,000, English and Chinese)
in one organization. Common words ("order", "shipping", 物流) appear in a large share of the articles, so
the any-term query matches thousands of rows: the case the candidate limit has to keep cheap.

The limit is the issue's goal (p99 <= 50 ms). The conversation store is small here (the latency does
not depend on it: the suggestion reads only the conversation's own latest messages by index).
"""

from __future__ import annotations

import os
import random
import time
import uuid

import asyncpg

from api.auth import service as auth_service
from api.auth.principal import Principal
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.kit.search import index_document
from api.knowledge import help as help_service
from api.knowledge import suggest
from api.knowledge.clustering import Question, cluster
from api.knowledge.service import ensure_starter_articles
from api.message.inbound import InboundMessage
from api.message.pipeline import receive
from api.models import Channel, HelpSite
from benchmarks.common import figure, fresh_database, percentile, save

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "10000"))
CALLS = int(os.environ.get("BENCH_SUGGESTIONS", "200"))
QUESTIONS_CLUSTERED = int(os.environ.get("BENCH_CLUSTER_QUESTIONS", "100000"))
COMMON = ["order", "shipping", "return", "refund", "package", "delivery", "item", "product"]
TOPICS = [
    "warranty", "battery", "charger", "cable", "lamp", "bulb", "size", "color", "colour", "fabric", "cotton",
    "assembly", "screws", "manual", "invoice", "receipt", "coupon", "discount", "gift", "wrapping", "customs",
    "tax", "duty", "address", "apartment", "signature", "pickup", "locker", "damaged", "broken", "missing",
    "wrong", "exchange", "replacement", "cancel", "subscription", "bundle", "voltage", "adapter", "plug",
]  # fmt: skip
CJK = "物流快递包裹退货退款发货取消订单商品损坏尺寸颜色电池充电保修地址发票优惠礼品安装说明"
QUESTIONS = [
    "Hi, where is my order? The tracking has not moved for 3 days.",
    "My lamp arrived broken, I want a replacement or a refund.",
    "Can I cancel my order before it ships?",
    "你好，我的包裹到哪了？物流一直没有更新",
    "收到的商品有损坏，可以退货退款吗？",
    "Does the charger work with 220 voltage and a European plug?",
    "Hola, ¿dónde está mi pedido? No ha llegado.",
    "Is there a warranty on the battery?",
]


def _article_text(rng: random.Random, i: int) -> tuple[str, str, str]:
    words = rng.sample(TOPICS, 3) + [w for w in COMMON if rng.random() < 0.3]
    if i % 3 == 0:
        chars = "".join(rng.choice(CJK) for _ in range(24))
        return "zh", f"{chars[:8]} {i}", f"{chars} {' '.join(words)}"
    title = f"{words[0].title()} and {words[1]} question {i}"
    body = f"About your {' '.join(words)}: we answer within one business day. Reference {i}."
    return "en", title, body


async def _seed_articles(url: str, org_id: uuid.UUID) -> None:
    rng = random.Random(12)
    articles, variants = [], []
    for i in range(ARTICLES):
        aid = uuid.uuid4()
        language, title, body = _article_text(rng, i)
        articles.append((aid, org_id, f"bench-{i}", language))
        variants.append((uuid.uuid4(), org_id, aid, language, title, body, index_document(title, body)))
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO knowledge_articles (id, organization_id, key, status, default_language, published_at)"
            " VALUES ($1, $2, $3, 'published', $4, now())",
            articles,
        )
        await conn.executemany(
            "INSERT INTO knowledge_variants (id, organization_id, article_id, language, title, body, search_vector)"
            " VALUES ($1, $2, $3, $4, $5, $6, to_tsvector('simple', $7))",
            variants,
        )
        await conn.execute("ANALYZE knowledge_articles; ANALYZE knowledge_variants")
    finally:
        await conn.close()


async def main() -> None:
    url = await fresh_database("hourglass_bench_knowledge")
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=2)
    maker = create_sessionmaker(engine)
    async with maker.begin() as s:
        org = await auth_service.create_organization(s, "Bench")
        channel = Channel(organization_id=org.id, marketplace="api", name="ERP")
        s.add(channel)
        await s.flush()
        principal = Principal(organization_id=org.id, scopes=frozenset(), name="bench")
        await ensure_starter_articles(s, principal)
        site = HelpSite(
            organization_id=org.id, slug="bench", title="Bench", channel_id=channel.id, intake_channel_id=channel.id
        )
        s.add(site)
    t = time.monotonic()
    await _seed_articles(url, org.id)
    seed_seconds = time.monotonic() - t
    conversations = []
    for i, question in enumerate(QUESTIONS):
        async with maker.begin() as s:
            fresh = await s.get(Channel, channel.id)
            assert fresh is not None
            decision = await receive(
                s,
                fresh,
                InboundMessage(external_message_id=f"q{i}", buyer_external_id=f"b{i}", body=question, sent_at=_now()),
            )
            assert decision.conversation is not None
            conversations.append(decision.conversation.id)

    # Warm-up (the render pool's processes, the plan cache), then measure.
    async with maker() as s:
        await suggest.suggestions(s, principal, conversations[0], 5)
    suggestion_ms, found_first = [], 0
    for n in range(CALLS):
        cid = conversations[n % len(conversations)]
        async with maker() as s:
            start = time.perf_counter()
            result = await suggest.suggestions(s, principal, cid, 5)
            suggestion_ms.append((time.perf_counter() - start) * 1000)
            await s.rollback()
        found_first += bool(result)
    search_ms = []
    async with maker() as s:
        site_row = await s.get(HelpSite, site.id)
        store = await s.get(Channel, channel.id)
        assert site_row is not None and store is not None
        for n in range(CALLS):
            start = time.perf_counter()
            await help_service.search(s, site_row, store, QUESTIONS[n % len(QUESTIONS)], "en", frozenset())
            search_ms.append((time.perf_counter() - start) * 1000)
    await engine.dispose()
    cluster_seconds, groups = clustering_seconds(QUESTIONS_CLUSTERED)

    goal = 50.0
    save(
        "knowledge",
        [
            figure("suggestions p50", percentile(suggestion_ms, 50), "ms", goal, "goal p99", higher_is_better=False),
            figure("suggestions p99", percentile(suggestion_ms, 99), "ms", goal, "goal p99", higher_is_better=False),
            figure("help-page search p99", percentile(search_ms, 99), "ms", goal, "goal p99", higher_is_better=False),
            figure(
                f"clustering time for {QUESTIONS_CLUSTERED:,} questions",
                cluster_seconds,
                "s",
                10.0,
                "limit",
                higher_is_better=False,
            ),
        ],
        {
            "articles": ARTICLES + 4,
            "calls": CALLS,
            "seed_seconds": round(seed_seconds, 1),
            "calls_with_suggestions": found_first,
            "top_question_groups": groups,
        },
    )


def _now():  # type: ignore[no-untyped-def]
    from api.kit.time import utc_now

    return utc_now()


def clustering_seconds(count: int) -> tuple[float, int]:
    """Cluster `count` generated buyer questions (English, Chinese, Spanish paraphrases of the common
    questions, with order ids, products and noise words), as top questions does for a period."""
    rng = random.Random(100)
    stems = [
        "Where is my order {n}? tracking not updated", "Hola, ¿dónde está mi pedido {n}?", "我的包裹{n}到哪了？",
        "Can I cancel order {n}?", "Quiero cancelar mi pedido {n}", "我想取消订单{n}",
        "The {p} arrived broken", "Llegó roto el {p}", "收到的{p}损坏了", "Does the {p} come in a larger size?",
        "¿Qué talla tiene el {p}?", "I want to return the {p} for a refund", "Quiero devolver el {p}",
        "退货退款怎么操作 {p}", "Is there a warranty on the {p} battery?", "Can I get an invoice for order {n}?",
        "The {p} is the wrong color", "Missing parts for the {p}", "Can you change my address for order {n}?",
    ]  # fmt: skip
    questions = [
        Question(
            message_id=uuid.UUID(int=i + 1),
            conversation_id=uuid.UUID(int=i + 1),
            text=rng.choice(stems).format(n=rng.randint(10**6, 10**7), p=rng.choice(TOPICS))
            + (f" {rng.choice(TOPICS)}" if rng.random() < 0.3 else ""),
            marketplace=rng.choice(("amazon", "walmart", "ebay")),
            sent_at=_now(),
        )
        for i in range(count)
    ]
    start = time.perf_counter()
    groups = cluster(questions)
    return time.perf_counter() - start, len(groups)
