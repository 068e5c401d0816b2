"""Translation: cache hit rate and the latency a translation adds per message, with the sandbox's
DeepL stand-in over real HTTP (through the outbound policy) and the PostgreSQL cache.

Each buyer message is opened by three agents (or one agent three times): the first view goes to the
provider, the others should be cache hits. Latency is the whole `translate` call (settings, glossary,
cache lookup, budget, provider round trip, cache write) in one transaction, as an endpoint runs it.
Beside it, in the same run, the same views in an organization with translation off (no provider
set: the call answers the original at once); "added" latency is the difference of the two.
"""

from __future__ import annotations

import asyncio
import os
import random
import time

import uvicorn

from api.auth import service as auth_service
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.kit.crypto import CredentialCipher
from api.kit.outbound import OutboundPolicy, outbound_client
from api.models import GlossaryTerm, TranslationSettings
from api.translation import service as translation
from benchmarks.common import figure, free_port, fresh_database, percentile, save
from sandbox import corpus
from sandbox.translate.app import TranslatorBook, create_app

MESSAGES = int(os.environ.get("BENCH_TRANSLATION_MESSAGES", "120"))
VIEWS = 3
INTENTS = ("pre_sale", "where_is_my_order", "return", "complaint", "order_change")


async def main() -> None:
    url = (await fresh_database("hourglass_bench_translation")).replace("postgresql://", "postgresql+asyncpg://")
    engine = create_engine(url, Settings(), pool_size=4)
    maker = create_sessionmaker(engine)
    cipher = CredentialCipher("bench-secret-key-bench-secret-key-0123456789")
    port = free_port()
    # No rate limit here: the bench measures our side, not the stand-in's 60 requests a minute.
    server = uvicorn.Server(
        uvicorn.Config(create_app(TranslatorBook(rate_limit=10**9)), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    async with maker.begin() as s:
        off_org = await auth_service.create_organization(s, "Bench, translation off")
        org = await auth_service.create_organization(s, "Bench")
        s.add(
            TranslationSettings(
                organization_id=org.id,
                provider="deepl",
                base_url=f"http://127.0.0.1:{port}",
                key_encrypted=cipher.encrypt({"key": "sbx-bench"}),
                monthly_character_budget=10**9,
            )
        )
        s.add_all(GlossaryTerm(organization_id=org.id, term=t) for t in ("Walmart", "Amazon", "BrightNest"))
    rng = random.Random(7)
    context = {"order": "112-0000000-0000001", "item": "BrightNest lamp", "days": "9", "carrier": "UPS", "stale": "4"}
    texts = [
        corpus.compose(rng, INTENTS[i % len(INTENTS)], "es", {**context, "order": f"112-{i:07d}-0000001"})
        for i in range(MESSAGES)
    ]
    views = [t for t in texts for _ in range(VIEWS)]
    random.Random(11).shuffle(views)
    off: list[float] = []
    miss: list[float] = []
    hit: list[float] = []
    failed = 0
    policy = OutboundPolicy([f"127.0.0.1:{port}"])
    async with outbound_client(policy, timeout=10) as client:
        for text in views:
            t = time.perf_counter()
            async with maker.begin() as s:
                await translation.translate(s, off_org.id, text, "zh-CN", client=client, cipher=cipher)
            off.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            async with maker.begin() as s:
                out = await translation.translate(s, org.id, text, "zh-CN", client=client, cipher=cipher)
            elapsed = (time.perf_counter() - t) * 1000
            if out.status == "cached":
                hit.append(elapsed)
            elif out.status == "translated":
                miss.append(elapsed)
            else:
                failed += 1
    server.should_exit = True
    await serving
    await engine.dispose()
    hit_rate = 100 * len(hit) / len(views)
    baseline = percentile(off, 50)
    # Every view after a text's first can be a hit (the corpus repeats some texts across messages).
    ideal = 100 * (1 - len(set(texts)) / len(views))
    save(
        "translation",
        [
            figure("cache hit rate (3 views per message)", hit_rate, "%", ideal, "every repeat a hit"),
            figure("latency per message, translation off (p50)", baseline, "ms", 50, "budget", False),
            figure(
                "added latency per message, cache miss (p50)",
                max(0.0, percentile(miss, 50) - baseline),
                "ms",
                250,
                "budget",
                False,
            ),
            figure(
                "added latency per message, cache miss (p95)",
                max(0.0, percentile(miss, 95) - baseline),
                "ms",
                500,
                "budget",
                False,
            ),
            figure(
                "added latency per message, cache hit (p50)",
                max(0.0, percentile(hit, 50) - baseline),
                "ms",
                50,
                "budget",
                False,
            ),
            figure(
                "added latency per message, cache hit (p95)",
                max(0.0, percentile(hit, 95) - baseline),
                "ms",
                100,
                "budget",
                False,
            ),
        ],
        {"messages": MESSAGES, "views_per_message": VIEWS, "distinct_texts": len(set(texts)), "failed": failed},
    )


if __name__ == "__main__":
    asyncio.run(main())
