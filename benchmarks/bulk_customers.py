"""Bulk template replies and the cross-marketplace customer profile.

1. A template reply to BENCH_BULK_CONVERSATIONS (1,000) conversations through POST
   /v1/conversations/bulk and the job runner (the worker's code, in this process): items/s, beside
   the same replies sent one by one through POST /v1/conversations/{id}/replies in the same run
   (BENCH_SINGLE_REPLIES of them). The ratio says what running a reply as a job item costs.
2. GET /v1/customers/{id} for a buyer with those 1,000 conversations and BENCH_PROFILE_ORDERS
   (5,000) orders: p50 and p99 over BENCH_PROFILE_CALLS calls, against a 250 ms target.

Everything runs in one process through the ASGI app (no HTTP server), against a fresh database.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from benchmarks.common import figure, fresh_database, percentile, redis_url, save

CONVERSATIONS = int(os.environ.get("BENCH_BULK_CONVERSATIONS", "1000"))
SINGLES = int(os.environ.get("BENCH_SINGLE_REPLIES", "200"))
ORDERS = int(os.environ.get("BENCH_PROFILE_ORDERS", "5000"))
CALLS = int(os.environ.get("BENCH_PROFILE_CALLS", "100"))
DB_NAME = os.environ.get("BENCH_BULK_DB", "hourglass_bench_bulk")
PROFILE_TARGET_MS = 250.0


async def main() -> None:
    from api.auth import service as auth_service
    from api.auth.principal import SCOPES
    from api.bulk import runner
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.main import create_app
    from api.models import Order

    url = await fresh_database(DB_NAME)
    settings = Settings(
        database_url=url.replace("postgresql://", "postgresql+asyncpg://"),
        redis_url=redis_url(),
        api_rate_limit_per_minute=100_000_000,
    )
    engine = create_engine(settings.database_url or "", settings, pool_size=5)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        org = await auth_service.create_organization(session, "Bench")
        _, key = await auth_service.create_api_key(session, org.id, "bench", list(SCOPES))
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers={"Authorization": f"Bearer {key}"}
        ) as api,
    ):
        channel = (await api.post("/v1/channels", json={"marketplace": "api", "name": "ERP"})).json()
        template = (await api.get("/v1/templates")).json()[0]
        sent_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        ids = []
        started = time.perf_counter()
        for n in range(CONVERSATIONS):
            r = await api.post(
                f"/v1/channels/{channel['id']}/messages",
                json={
                    "external_message_id": f"m-{n}",
                    "external_thread_id": f"t-{n}",
                    "buyer": {"external_id": "loyal-buyer", "name": "Loyal Buyer"},
                    "subject": f"Question {n}",
                    "body": "When will it ship?",
                    "sent_at": sent_at,
                },
            )
            ids.append(r.json()["conversation_id"])
        pushed_in = time.perf_counter() - started
        print(f"bulk_customers: {CONVERSATIONS} conversations pushed in {pushed_in:.1f} s", flush=True)

        # Single replies through the API, the baseline.
        started = time.perf_counter()
        for cid in ids[:SINGLES]:
            reply = {"body": "Thanks, it ships tomorrow.", "template_id": template["id"]}
            r = await api.post(f"/v1/conversations/{cid}/replies", json=reply)
            assert r.status_code == 201, r.text
        single_rate = SINGLES / (time.perf_counter() - started)

        # The same kind of reply to every conversation, as one bulk job.
        started = time.perf_counter()
        r = await api.post(
            "/v1/conversations/bulk",
            json={"conversation_ids": ids, "action": {"kind": "send_template", "template_id": template["id"]}},
        )
        assert r.status_code == 202, r.text
        job_id = uuid.UUID(r.json()["id"])
        await runner.run(sessionmaker, job_id)
        bulk_rate = CONVERSATIONS / (time.perf_counter() - started)
        job = (await api.get(f"/v1/conversations/bulk/{job_id}")).json()
        assert job["done"] == CONVERSATIONS, job

        # The profile: this buyer's 1,000 conversations and ORDERS orders.
        conversation = (await api.get(f"/v1/conversations/{ids[0]}")).json()
        customer_id = uuid.UUID(conversation["customer"]["id"])
        now = datetime.now(UTC)
        async with sessionmaker.begin() as session:
            session.add_all(
                Order(
                    organization_id=org.id,
                    external_id=f"O-{n}",
                    marketplace="api",
                    customer_id=customer_id,
                    status="delivered",
                    currency="USD",
                    total_amount=Decimal("25.00"),
                    placed_at=now - timedelta(hours=n),
                )
                for n in range(ORDERS)
            )
        timings = []
        for _ in range(CALLS):
            t0 = time.perf_counter()
            r = await api.get(f"/v1/customers/{customer_id}")
            timings.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        profile = r.json()
        assert profile["order_count"] == ORDERS and profile["conversation_count"] == CONVERSATIONS, profile
    await engine.dispose()
    p99 = percentile(timings, 99)
    save(
        "bulk_customers",
        [
            figure("bulk template reply", bulk_rate, "items/s", single_rate, "single replies through the API"),
            figure("profile p50", percentile(timings, 50), "ms", PROFILE_TARGET_MS, "target", higher_is_better=False),
            figure("profile p99", p99, "ms", PROFILE_TARGET_MS, "target", higher_is_better=False),
        ],
        {"conversations": CONVERSATIONS, "single_replies": SINGLES, "orders": ORDERS, "profile_calls": CALLS},
    )


if __name__ == "__main__":
    asyncio.run(main())
