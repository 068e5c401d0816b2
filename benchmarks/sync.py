"""Marketplace sync: end-to-end throughput and inbound latency, against the sandbox in its own process.

1. Throughput: N buyer messages waiting in the sandbox (five stores: eBay, Shopee and TikTok over
   their APIs, Amazon and Walmart over IMAP), polled by the sync service into conversations in
   Postgres — messages/s beside raw asyncpg COPY of the same number of rows into the same table,
   measured in the same run.
   Beside it, the ingest alone: the same number of messages handed to the pipeline in pages of
   INGEST_PAGE (what a poll page costs once fetched: api/sync/inbound.py `ingest_batch`), with the
   same COPY as its limit; the gap between the two figures is the fetching (sandbox, HTTP, IMAP).
2. Inbound latency, marketplace timestamp -> visible through `GET /v1/messages`, with the API and a
   worker as processes: an eBay store pushing NEW_MESSAGE to the hook (push path) and another eBay
   store polled every POLL_S seconds (polling path), p50 / p99. eBay's timestamps carry
   milliseconds. The limits are the design targets (a push visible within a second, a polled
   message within its interval); the ratio is target / measured.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text

from benchmarks.common import ROOT, ApiProcess, figure, free_port, fresh_database, percentile, redis_url, save

MESSAGES = int(os.environ.get("BENCH_SYNC_MESSAGES", "2000"))
LATENCY_MESSAGES = int(os.environ.get("BENCH_SYNC_LATENCY_MESSAGES", "60"))
LATENCY_RATE = float(os.environ.get("BENCH_SYNC_LATENCY_RATE", "4"))  # injected per second, per path
POLL_S = float(os.environ.get("BENCH_SYNC_POLL_S", "2"))
INGEST_PAGE = int(os.environ.get("BENCH_SYNC_INGEST_PAGE", "100"))


class SandboxProcess:
    def __init__(self) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "sandbox", "--http-port", str(self.port), "--imap-port",
               str(free_port()), "--smtp-port", str(free_port()), "--seed", "11"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = httpx.AsyncClient(base_url=self.url, timeout=120, trust_env=False)

    async def ready(self) -> None:
        for _ in range(300):
            try:
                if (await self.client.get("/_sandbox/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("sandbox did not start")

    async def stop(self) -> None:
        await self.client.aclose()
        self.proc.terminate()
        self.proc.wait(timeout=20)


class WorkerProcess:
    def __init__(self, database_url: str) -> None:
        env = {**os.environ, "HOURGLASS_DATABASE_URL": database_url, "HOURGLASS_REDIS_URL": redis_url(),
               "HOURGLASS_LOG_LEVEL": "WARNING", "HOURGLASS_OUTBOUND_ALLOWED": "127.0.0.0/8"}  # fmt: skip
        self.proc = subprocess.Popen([sys.executable, "-m", "hourglass", "worker"], cwd=ROOT, env=env)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=40)


async def _channels(
    url: str, stores: list[dict[str, Any]], **settings: Any
) -> tuple[uuid.UUID, dict[str, uuid.UUID], str]:
    """An organization with one channel per store (credentials checked with the sandbox), and an API key."""
    from api.auth import service
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.kit.crypto import CredentialCipher
    from api.kit.outbound import OutboundPolicy
    from api.models import Channel
    from api.sync import onboarding
    from hourglass.sandbox_profiles import sandbox_channel

    loopback = OutboundPolicy(["127.0.0.0/8"])  # the sandbox runs on loopback

    config = Settings()
    cipher = CredentialCipher(config.secret_key.get_secret_value())
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), config, pool_size=1)
    ids: dict[str, uuid.UUID] = {}
    async with create_sessionmaker(engine).begin() as s:
        org = await service.create_organization(s, "Bench sync", f"bench-sync-{uuid.uuid4().hex[:6]}")
        for store in stores:
            body = sandbox_channel(store, **settings, **store.get("_settings", {}))
            checked = await onboarding.check(
                body["marketplace"], body["settings"], body["credentials"], verify=True, outbound=loopback
            )
            assert checked is not None and checked.warning is None, checked
            channel = Channel(
                organization_id=org.id, marketplace=body["marketplace"], name=body["name"],
                settings=body["settings"], credentials_encrypted=cipher.encrypt(checked.credentials),
                sync_cursor={"next_poll_at": "2999-01-01T00:00:00+00:00"},
            )  # fmt: skip
            s.add(channel)
            await s.flush()
            ids[str(store["id"])] = channel.id
        org_id = org.id
        _, key = await service.create_api_key(s, org.id, "bench", ["conversations:read"])
    await engine.dispose()
    return org_id, ids, key


async def throughput(url: str, sandbox: SandboxProcess) -> tuple[float, int, float]:
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.kit.crypto import CredentialCipher
    from api.kit.outbound import OutboundPolicy
    from api.sync import polling
    from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime

    stores = (await sandbox.client.get("/_sandbox/stores")).json()["stores"]
    _, channels, _ = await _channels(url, stores)
    await sandbox.client.post("/_sandbox/traffic/burst", json={"count": MESSAGES})
    expected = len((await sandbox.client.get("/_sandbox/truth")).json()["buyer_messages"])
    config = Settings()
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), config, pool_size=10)
    cipher = CredentialCipher(config.secret_key.get_secret_value())
    rt = SyncRuntime(engine, create_sessionmaker(engine), cipher, outbound=OutboundPolicy(["127.0.0.0/8"]))
    conn = await asyncpg.connect(url)
    start = time.monotonic()
    while True:
        outcomes = await asyncio.gather(*(polling.poll_channel(rt, c) for c in channels.values()))
        if await conn.fetchval("SELECT count(*) FROM messages WHERE direction = 'inbound'") >= expected:
            break
        if time.monotonic() - start > 600:
            raise RuntimeError(f"not all {expected} messages arrived: {[o.error for o in outcomes if o.error]}")
        if any(o.error for o in outcomes):
            await asyncio.sleep(1)  # a throttled marketplace: do not hammer it
    elapsed = time.monotonic() - start
    await conn.close()
    await rt.aclose()
    await engine.dispose()
    return expected / elapsed, expected, elapsed


async def ingest_rate(url: str, rows: int) -> float:
    """`rows` buyer messages (two per thread, a buyer per thread) ingested in pages of INGEST_PAGE,
    one transaction per page as polling commits them."""
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.message.inbound import InboundMessage
    from api.models import Channel
    from api.sync.inbound import ingest_batch

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    maker = create_sessionmaker(engine)
    async with maker.begin() as s:
        org_id = (await s.execute(text("SELECT id FROM organizations LIMIT 1"))).scalar_one()
        channel = Channel(organization_id=org_id, marketplace="shopee", name="Ingest only", settings={}, sync_cursor={})
        s.add(channel)
        await s.flush()
        channel_id = channel.id
    now = datetime.now(UTC)
    pages = [
        [
            InboundMessage(
                external_message_id=f"ingest-{i}",
                external_thread_id=f"ingest-t{i // 2}",
                buyer_external_id=f"ingest-b{i // 2}",
                buyer_name="Bench buyer",
                subject="Order question",
                body="Hello, when will my order ship? 请尽快发货，谢谢。",
                sent_at=now,
            )
            for i in range(start, min(start + INGEST_PAGE, rows))
        ]
        for start in range(0, rows, INGEST_PAGE)
    ]
    started = time.monotonic()
    for page in pages:
        async with maker.begin() as s:
            bound = await s.get(Channel, channel_id)
            assert bound is not None
            await ingest_batch(s, bound, page)
    elapsed = time.monotonic() - started
    await engine.dispose()
    return rows / elapsed


async def copy_rate(url: str, rows: int) -> float:
    """Raw asyncpg COPY of `rows` inbound messages into the same messages table (same conversations)."""
    conn = await asyncpg.connect(url)
    convs = await conn.fetch("SELECT id, organization_id, channel_id FROM conversations LIMIT 500")
    now = datetime.now(UTC)
    records = [
        (uuid.uuid4(), c["organization_id"], c["id"], c["channel_id"], "inbound", "buyer", f"copy-{i}",
         "Hello, when will my order ship? 请尽快发货，谢谢。", now)
        for i in range(rows)
        for c in [convs[i % len(convs)]]
    ]  # fmt: skip
    columns = ["id", "organization_id", "conversation_id", "channel_id", "direction", "author_kind", "external_id",
               "body", "sent_at"]  # fmt: skip
    start = time.monotonic()
    await conn.copy_records_to_table("messages", records=records, columns=columns)
    elapsed = time.monotonic() - start
    await conn.execute("DELETE FROM messages WHERE external_id LIKE 'copy-%'")
    await conn.close()
    return rows / elapsed


async def latency(url: str, sandbox: SandboxProcess) -> dict[str, list[float]]:
    pushed = (await sandbox.client.post("/_sandbox/stores", json={"marketplace": "ebay", "name": "bench_push"})).json()
    polled = (await sandbox.client.post("/_sandbox/stores", json={"marketplace": "ebay", "name": "bench_poll"})).json()
    pushed["_settings"] = {"push": True}
    polled["_settings"] = {"poll_interval_seconds": POLL_S}
    org_id, channels, key = await _channels(url, [pushed, polled])
    api = ApiProcess(url.replace("postgresql://", "postgresql+asyncpg://"))
    worker = WorkerProcess(url.replace("postgresql://", "postgresql+asyncpg://"))
    conn = await asyncpg.connect(url)
    try:
        await api.wait_ready()
        target = f"{api.url}/v1/hooks/ebay/{channels[pushed['id']]}"
        await sandbox.client.patch(f"/_sandbox/stores/{pushed['id']}", json={"push_target": target})
        await conn.execute("UPDATE channels SET sync_cursor = '{}' WHERE organization_id = $1", org_id)
        await asyncio.sleep(5)  # the worker starts and takes its first polls
        created: dict[str, tuple[str, float]] = {}
        seen: dict[str, float] = {}
        done = asyncio.Event()

        async def watch(client: httpx.AsyncClient) -> None:
            """What an API client sees: GET /v1/messages every 20 ms."""
            while not (done.is_set() and (len(seen) >= len(created) or time.monotonic() > deadline)):
                # The organization has only the two probe channels: one request sees both.
                r = await client.get("/v1/messages", params={"direction": "inbound", "limit": 200})
                stamp = time.time()
                for item in r.json()["items"]:
                    seen.setdefault(item["external_id"], stamp)
                await asyncio.sleep(0.02)

        deadline = time.monotonic() + LATENCY_MESSAGES / LATENCY_RATE + POLL_S * 3 + 30
        async with httpx.AsyncClient(
            base_url=api.url, timeout=30, headers={"Authorization": f"Bearer {key}"}
        ) as client:
            watcher = asyncio.create_task(watch(client))
            for i in range(LATENCY_MESSAGES):
                for store, path in ((pushed, "push"), (polled, "poll")):
                    r = await sandbox.client.post(
                        f"/_sandbox/stores/{store['id']}/messages", json={"body": f"Latency probe {i}"}
                    )
                    data = r.json()
                    created[data["message_id"]] = (path, datetime.fromisoformat(data["created_at"]).timestamp())
                await asyncio.sleep(1 / LATENCY_RATE)
            done.set()
            await watcher
        out: dict[str, list[float]] = {"push": [], "poll": []}
        for message_id, (path, at) in created.items():
            if message_id in seen:
                out[path].append((seen[message_id] - at) * 1000)
        return out
    finally:
        await conn.close()
        worker.stop()
        api.stop()


async def main() -> None:
    url = await fresh_database("hourglass_bench_sync")
    sandbox = SandboxProcess()
    try:
        await sandbox.ready()
        rate, count, elapsed = await throughput(url, sandbox)
        copy = await copy_rate(url, count)
        ingest = await ingest_rate(url, count)
        delays = await latency(url, sandbox)
    finally:
        await sandbox.stop()
    figures = [
        figure(
            "sync sandbox -> conversations (poll, 5 marketplaces)",
            rate,
            "messages/s",
            copy,
            "raw asyncpg COPY into messages, same rows",
        ),
        figure(
            f"sync ingest alone (pipeline, pages of {INGEST_PAGE})",
            ingest,
            "messages/s",
            copy,
            "raw asyncpg COPY into messages, same rows",
        ),
    ]
    params: dict[str, Any] = {"messages": count, "seconds": round(elapsed, 2), "poll_interval_s": POLL_S}
    for path, target in (("push", 1000.0), ("poll", POLL_S * 1000)):
        values = delays[path]
        params[f"{path}_received"] = f"{len(values)}/{LATENCY_MESSAGES}"
        if not values:
            continue
        for p in (50, 99):
            figures.append(
                figure(f"inbound latency {path} p{p}", percentile(values, p), "ms", target,
                       f"design target ({'1 s' if path == 'push' else 'the poll interval'})", higher_is_better=False)
            )  # fmt: skip
    save("sync", figures, params)


if __name__ == "__main__":
    asyncio.run(main())
