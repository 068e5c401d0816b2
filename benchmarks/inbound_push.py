"""Inbound push: messages/s through POST /v1/channels/{id}/messages at 32 concurrent clients, beside raw
asyncpg single-row INSERTs into the messages table at the same concurrency, in the same run: first with
one API process, then with one per core (BENCH_API_WORKERS, default the machine's cores)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from benchmarks.common import ApiProcess, KeepAliveConnection, figure, fresh_database, save

CONCURRENCY = int(__import__("os").environ.get("BENCH_CONCURRENCY", "32"))
DURATION_S = float(__import__("os").environ.get("BENCH_DURATION_S", "10"))
# Not counted: the API process's pool opens its connections, and each new PostgreSQL backend loads its
# catalog caches and compiles the ingest function once (the raw limit's pool is opened before its clock
# starts too).
WARMUP_S = float(__import__("os").environ.get("BENCH_WARMUP_S", "3"))
WORKERS = int(__import__("os").environ.get("BENCH_API_WORKERS", str(__import__("os").cpu_count() or 1)))


async def _seed(url: str) -> tuple[str, str, uuid.UUID, uuid.UUID]:
    from api.auth import service
    from api.auth.principal import SCOPES
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.models import Channel

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    async with create_sessionmaker(engine).begin() as s:
        org = await service.create_organization(s, "Bench", "bench")
        _, key = await service.create_api_key(s, org.id, "bench", list(SCOPES))
        channel = Channel(organization_id=org.id, marketplace="api", name="bench")
        s.add(channel)
        await s.flush()
        org_id, channel_id = org.id, channel.id
    await engine.dispose()
    return key, str(channel_id), org_id, channel_id


async def api_rate(api_url: str, key: str, channel_id: str, prefix: str = "c") -> tuple[float, int]:
    """Messages/s over DURATION_S after WARMUP_S of the same load, and the errors of both."""
    done = 0
    errors = 0
    counting = False
    stop_at = time.monotonic() + WARMUP_S + DURATION_S

    async def client(n: int) -> None:
        nonlocal done, errors
        c = KeepAliveConnection(api_url, {"Authorization": f"Bearer {key}"})
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            status, _ = await c.post_json(
                f"/v1/channels/{channel_id}/messages",
                {
                    "external_message_id": f"{prefix}{n}-{i}",
                    "external_thread_id": f"{prefix}t{n}-{i % 50}",
                    "buyer": {"external_id": f"b{n}-{i % 50}", "name": "Bench Buyer"},
                    "subject": "Where is my order?",
                    "body": "Hello, when will my order ship? 请尽快发货，谢谢。",
                    "sent_at": datetime.now(UTC).isoformat(),
                },
            )
            if status != 201:
                errors += 1
            elif counting:
                done += 1
        await c.close()

    clients = asyncio.gather(*(client(n) for n in range(CONCURRENCY)))
    await asyncio.sleep(WARMUP_S)
    counting = True
    start = time.monotonic()
    await clients
    elapsed = time.monotonic() - start
    return done / elapsed, errors


async def raw_rate(url: str, org_id: uuid.UUID, channel_id: uuid.UUID) -> float:
    pool = await asyncpg.create_pool(url, min_size=CONCURRENCY, max_size=CONCURRENCY)
    conv_id = await pool.fetchval("SELECT id FROM conversations LIMIT 1")
    done = 0
    stop_at = time.monotonic() + DURATION_S

    async def client(n: int) -> None:
        nonlocal done
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            await pool.execute(
                "INSERT INTO messages (id, organization_id, conversation_id, channel_id, direction, author_kind, "
                "external_id, body, sent_at) VALUES ($1, $2, $3, $4, 'inbound', 'buyer', $5, $6, now())",
                uuid.uuid4(),
                org_id,
                conv_id,
                channel_id,
                f"raw{n}-{i}",
                "Hello, when will my order ship? 请尽快发货，谢谢。",
            )
            done += 1

    start = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(CONCURRENCY)))
    elapsed = time.monotonic() - start
    await pool.close()
    return done / elapsed


async def main() -> None:
    url = await fresh_database("hourglass_bench_push")
    key, channel_str, org_id, channel_id = await _seed(url)
    database = url.replace("postgresql://", "postgresql+asyncpg://")
    api = ApiProcess(database)
    try:
        await api.wait_ready()
        ours, errors = await api_rate(api.url, key, channel_str)
    finally:
        api.stop()
    # The same load on one API process per core (`hourglass serve --workers N`), as a deployment would
    # run it: the figure above is one Python process, this one what the machine's cores give.
    api = ApiProcess(database, workers=WORKERS)
    try:
        await api.wait_ready()
        scaled, scaled_errors = await api_rate(api.url, key, channel_str, prefix="w")
    finally:
        api.stop()
    raw = await raw_rate(url, org_id, channel_id)
    name = "POST /v1/channels/{id}/messages"
    limit_name = "raw asyncpg single-row INSERT, same table"
    save(
        "inbound_push",
        [
            figure(name, ours, "messages/s", raw, limit_name),
            figure(f"{name}, {WORKERS} API processes", scaled, "messages/s", raw, limit_name),
        ],
        {
            "concurrency": CONCURRENCY,
            "duration_s": DURATION_S,
            "warmup_s": WARMUP_S,
            "api_workers": [1, WORKERS],
            "errors": errors + scaled_errors,
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
