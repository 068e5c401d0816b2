"""Webhooks: outbox lag and delivery latency with 500 events/s offered for 10 s, then the rate at which
a 5,000-event backlog drains, through a real worker (relay + dispatcher) to a local sink that answers
200 after 0-50 ms and verifies every signature with `standardwebhooks`; beside the raw rate of the
same sink (plain httpx POSTs at the dispatcher's per-endpoint concurrency), measured in the same run."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.webhook.sender import PER_ENDPOINT
from benchmarks.common import ROOT, figure, free_port, fresh_database, percentile, redis_url, save

RATE = int(os.environ.get("BENCH_WEBHOOK_RATE", "500"))
DURATION_S = float(os.environ.get("BENCH_WEBHOOK_DURATION_S", "10"))
BACKLOG = int(os.environ.get("BENCH_WEBHOOK_BACKLOG", "5000"))
SINK_DELAY_S = (0.0, 0.05)
CONCURRENCY = PER_ENDPOINT  # the dispatcher's per-endpoint cap
SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789"
LAG_LIMIT_S = 2.0


class Sink:
    """Answers 200 after 0-50 ms; records arrival time, event time, webhook-id; verifies signatures."""

    def __init__(self, secret: str | None) -> None:
        from standardwebhooks import Webhook

        self.verifier = Webhook(secret) if secret else None
        self.arrivals: list[tuple[float, str, str]] = []  # (arrival, occurred_at, webhook-id)
        self.bad_signatures = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        now = time.time()
        if scope["method"] == "GET":  # the benchmark collects what arrived, and resets
            stats = json.dumps({"arrivals": self.arrivals, "bad_signatures": self.bad_signatures}).encode()
            if scope["path"] == "/reset":
                self.arrivals, self.bad_signatures = [], 0
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": stats})
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        if self.verifier is not None and "webhook-signature" in headers:  # the raw-rate probe sends none
            try:
                payload = self.verifier.verify(body, headers)
                self.arrivals.append((now, payload["timestamp"], headers["webhook-id"]))
            except Exception:
                self.bad_signatures += 1
        await asyncio.sleep(random.uniform(*SINK_DELAY_S))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


def sink_main(port: int, secret: str) -> None:
    import uvicorn

    uvicorn.run(Sink(secret), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


class SinkProcess:
    """The sink in a process of its own, so it does not share a core's time with the producer."""

    def __init__(self, port: int, secret: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.webhooks", "sink", str(port), secret], cwd=ROOT)

    async def stats(self, reset: bool = False) -> dict[str, Any]:
        async with httpx.AsyncClient(trust_env=False) as c:
            for _ in range(100):
                try:
                    r = await c.get(self.url + ("/reset" if reset else "/stats"), timeout=30)
                    return dict(r.json())
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("sink not answering")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


async def _seed(url: str, sink_url: str) -> tuple[uuid.UUID, str]:
    from api.auth import service
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.kit.crypto import CredentialCipher
    from api.models import WebhookEndpoint
    from api.webhook.signing import new_secret

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    secret = new_secret()
    async with create_sessionmaker(engine).begin() as s:
        org = await service.create_organization(s, "Bench", "bench")
        s.add(
            WebhookEndpoint(
                organization_id=org.id,
                url=sink_url,
                event_types=["sla.overdue"],
                secret_encrypted=CredentialCipher(SECRET_KEY).encrypt({"secret": secret}),
            )
        )
        org_id = org.id
    await engine.dispose()
    return org_id, secret


def _worker(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOURGLASS_DATABASE_URL": url.replace("postgresql://", "postgresql+asyncpg://"),
        "HOURGLASS_REDIS_URL": redis_url(),
        "HOURGLASS_SECRET_KEY": SECRET_KEY,
        "HOURGLASS_OUTBOUND_ALLOWED": json.dumps(["127.0.0.0/8"]),
        "HOURGLASS_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "hourglass", "worker"], cwd=ROOT, env=env)


async def _produce(maker: Any, org_id: uuid.UUID, count: int, per_tx: int, interval: float) -> None:
    from api.outbox import events

    data = {
        "conversation_id": str(uuid.uuid4()),
        "clock_kind": "marketplace_first_response",
        "marketplace": "walmart",
        "action": "breach",
        "subject": "Where is my order?",
        "due_at": datetime.now(UTC).isoformat(),
    }
    start = time.monotonic()
    for i in range(0, count, per_tx):
        async with maker.begin() as s:
            for _ in range(min(per_tx, count - i)):
                events.emit(s, org_id, "sla.overdue", data)
        if interval:
            await asyncio.sleep(max(0.0, start + (i + per_tx) / per_tx * interval - time.monotonic()))


async def _wait_for(sink: SinkProcess, total: int, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    stats = await sink.stats()
    while len(stats["arrivals"]) + stats["bad_signatures"] < total and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        stats = await sink.stats()
    return stats


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def raw_rate(sink_url: str, seconds: float = 5.0) -> float:
    done = 0
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as c:

        async def client() -> None:
            nonlocal done
            while time.monotonic() < stop_at:
                await c.post(sink_url, content=b"{}")
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        return done / (time.monotonic() - started)


async def main() -> None:
    from sqlalchemy import text

    from api.config import Settings
    from api.db import create_engine, create_sessionmaker

    url = await fresh_database("hourglass_bench_webhooks")
    port = free_port()
    org_id, secret = await _seed(url, f"http://127.0.0.1:{port}/hook")
    sink = SinkProcess(port, secret)
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=4)
    maker = create_sessionmaker(engine)
    worker = _worker(url)
    try:
        await _produce(maker, org_id, 1, 1, 0)  # warm-up: the worker is up once this arrives
        if not (await _wait_for(sink, 1, 90))["arrivals"]:
            raise RuntimeError("the worker delivered nothing")
        await sink.stats(reset=True)

        steady = int(RATE * DURATION_S)
        started = time.time()
        await _produce(maker, org_id, steady, max(1, RATE // 50), 0.02)  # 50 transactions a second
        steady_stats = await _wait_for(sink, steady, 120)
        steady_arrivals = steady_stats["arrivals"]
        latencies = [a - datetime.fromisoformat(t).timestamp() for a, t, _ in steady_arrivals]
        steady_rate = len(steady_arrivals) / max(max(a for a, _, _ in steady_arrivals) - started, 1e-9)
        await sink.stats(reset=True)

        await _produce(maker, org_id, BACKLOG, 500, 0)
        backlog_start = time.time()
        drained_stats = await _wait_for(sink, BACKLOG, 180)
        drained = drained_stats["arrivals"]
        drain_rate = len(drained) / max(max(a for a, _, _ in drained) - backlog_start, 1e-9)
        duplicates = len(drained) - len({w for _, _, w in drained})
        bad_signatures = steady_stats["bad_signatures"] + drained_stats["bad_signatures"]
        worker_cpu_s = _cpu_seconds(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    async with engine.connect() as conn:
        lags = [
            float(r[0])
            for r in await conn.execute(
                text(
                    "SELECT extract(epoch FROM published_at - created_at) FROM outbox_events "
                    "WHERE published_at IS NOT NULL ORDER BY id OFFSET 1 LIMIT :n"
                ),
                {"n": steady},
            )
        ]
    await engine.dispose()
    try:
        raw = await raw_rate(sink.url + "/hook")
    finally:
        sink.stop()

    lag_p50, lag_p99 = percentile(lags, 50), percentile(lags, 99)
    e2e_p50, e2e_p99 = percentile(latencies, 50), percentile(latencies, 99)
    save(
        "webhooks",
        [
            figure(
                f"outbox lag p99 at {RATE} events/s",
                lag_p99,
                "s",
                LAG_LIMIT_S,
                "target: lag p99 under 2 s",
                higher_is_better=False,
            ),
            figure(
                f"event to signed delivery p99 at {RATE} events/s",
                e2e_p99,
                "s",
                LAG_LIMIT_S,
                "target: under 2 s",
                higher_is_better=False,
            ),
            figure(
                f"deliveries/s draining a {BACKLOG}-event backlog",
                drain_rate,
                "deliveries/s",
                raw,
                f"raw httpx POSTs to the same sink, {CONCURRENCY} concurrent",
            ),
        ],
        {
            "offered_events_per_s": RATE,
            "duration_s": DURATION_S,
            "steady_deliveries_per_s": round(steady_rate, 1),
            "delivered_steady": len(steady_arrivals),
            "outbox_lag_p50_s": round(lag_p50, 4),
            "outbox_lag_p99_s": round(lag_p99, 4),
            "event_to_delivery_p50_s": round(e2e_p50, 4),
            "event_to_delivery_p99_s": round(e2e_p99, 4),
            "backlog": BACKLOG,
            "delivered_backlog": len(drained),
            "duplicates": duplicates,
            "bad_signatures": bad_signatures,
            "sink_delay_s": list(SINK_DELAY_S),
            "worker_processes": 1,
            # the whole worker (relay, dispatcher, idle loops), warm-up to drained backlog
            "worker_cpu_ms_per_delivery": round(1000 * worker_cpu_s / max(1, len(steady_arrivals) + len(drained)), 3),
        },
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sink":
        sink_main(int(sys.argv[2]), sys.argv[3])
    else:
        asyncio.run(main())
