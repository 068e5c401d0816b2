"""WebSocket fan-out: the most sockets one API process serves with p95 delivery <= 500 ms (the
Hashrocket websocket-shootout metric), beside a bare `websockets` server doing `broadcast()` from the
same Redis channel, measured in the same run with the same client processes.

Each step opens N sockets (split over two client processes so a starved client does not skew the
result), publishes BROADCASTS frames on the organization's Redis channel (what the outbox relay does)
at RATE per second, and measures publish -> client receive latency for every frame on every socket;
then a burst of BURST back-to-back frames gives frames/s. Loopback only, bounded sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, ApiProcess, figure, free_port, fresh_database, percentile, redis_url, save

SIZES = [int(x) for x in os.environ.get("BENCH_WS_SIZES", "500,1000,2000,3000,4000,6000").split(",")]
BROADCASTS = int(os.environ.get("BENCH_WS_BROADCASTS", "20"))
RATE = float(os.environ.get("BENCH_WS_RATE", "5"))
BURST = int(os.environ.get("BENCH_WS_BURST", "10"))
CLIENT_PROCESSES = 2
P95_LIMIT_S = 0.5
SEQ_BASE = 10**12  # above any real seq, so the socket's duplicate filter lets every frame through


# -- client process: N sockets, record latency of every `bench` frame ------------------------------


async def client_main(url: str, n: int, expected: int) -> None:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(100)
    latencies: list[float] = []
    burst_arrivals: list[float] = []

    async def one() -> Any:
        async with gate:
            conn = await connect(url, compression=None, open_timeout=60, max_queue=None)
            await conn.recv()  # hello
            return conn

    conns = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    alive = [c for c in conns if not isinstance(c, BaseException)]
    print(json.dumps({"ready": len(alive)}), flush=True)

    async def read(conn: Any) -> None:
        got = 0
        async for raw in conn:
            now = time.time()
            frame = json.loads(raw)
            if frame.get("type") != "bench":
                continue
            data = frame["data"]
            if data.get("burst"):
                burst_arrivals.append(now)
            else:
                latencies.append(now - data["t"])
            got += 1
            if got == expected:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(read(c) for c in alive)), timeout=120)
    print(json.dumps({"latencies": latencies, "burst_arrivals": burst_arrivals}), flush=True)
    for c in alive:
        await c.close()


# -- baseline server: bare websockets + broadcast() from the same Redis channel ---------------------


async def baseline_main(port: int, redis: str, channel: str) -> None:
    from redis.asyncio import Redis
    from websockets.asyncio.server import broadcast, serve

    connections: set[Any] = set()

    async def handler(ws: Any) -> None:
        connections.add(ws)
        try:
            await ws.send(json.dumps({"type": "hello"}))
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    client = Redis.from_url(redis)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        print("ready", flush=True)
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            frame = json.loads(message["data"])  # the same work as ours: parse, stamp, render once
            frame["server_time"] = time.time()
            broadcast(connections, json.dumps(frame))


# -- the benchmark -------------------------------------------------------------------------------


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.ws_fanout", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def _cpu_s(pid: int) -> float:
    """User + system CPU time of a process: unlike latency, barely moved by other load on the box."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


async def _readline(proc: subprocess.Popen[str], within: float) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), within)
    if not line:
        raise RuntimeError("client process ended early")
    return line


async def run_step(url: str, n: int, channel: str, server_pid: int, idle_rss: int) -> dict[str, Any]:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url())
    share = [n // CLIENT_PROCESSES + (1 if i < n % CLIENT_PROCESSES else 0) for i in range(CLIENT_PROCESSES)]
    expected = BROADCASTS + BURST
    started = time.monotonic()
    clients = [_spawn("client", url, str(k), str(expected)) for k in share]
    try:
        connected = sum([json.loads(await _readline(c, 300))["ready"] for c in clients])
        connect_s = time.monotonic() - started
        rss = _rss_kib(server_pid)
        await asyncio.sleep(0.5)
        cpu_before = _cpu_s(server_pid)
        for i in range(BROADCASTS):
            frame = {"type": "bench", "seq": SEQ_BASE + i, "event_id": 0, "conversation_id": None}
            await redis.publish(channel, json.dumps({**frame, "data": {"t": time.time(), "i": i}}))
            await asyncio.sleep(1 / RATE)
        burst_start = time.time()
        for i in range(BURST):
            frame = {"type": "bench", "seq": SEQ_BASE + BROADCASTS + i, "event_id": 0, "conversation_id": None}
            await redis.publish(channel, json.dumps({**frame, "data": {"t": time.time(), "burst": True}}))
        results = [json.loads(await _readline(c, 180)) for c in clients]
        cpu = _cpu_s(server_pid) - cpu_before
    finally:
        for c in clients:
            if c.poll() is None:
                c.terminate()
            c.wait(timeout=30)
        await redis.aclose()
    latencies = [x for r in results for x in r["latencies"]]
    arrivals = [x for r in results for x in r["burst_arrivals"]]
    delivered = len(latencies)
    burst_fps = (len(arrivals) / (max(arrivals) - burst_start)) if arrivals else 0.0
    return {
        "sockets": n,
        "connected": connected,
        "connect_s": round(connect_s, 2),
        "frames_expected": connected * BROADCASTS,
        "frames_delivered": delivered,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "burst_frames_per_s": round(burst_fps),
        # Server CPU while it fanned out (broadcasts and burst; includes heartbeats and pings).
        "server_cpu_us_per_frame": round(cpu * 1e6 / max(delivered + len(arrivals), 1), 1),
        # Growth over the idle process (allocator arenas freed by a previous step may be reused).
        "server_rss_kib_per_socket": round(max(rss - idle_rss, 0) / max(connected, 1), 1),
    }


def _ok(step: dict[str, Any]) -> bool:
    complete = step["connected"] == step["sockets"] and step["frames_delivered"] >= 0.999 * step["frames_expected"]
    return complete and step["p95_ms"] is not None and step["p95_ms"] <= P95_LIMIT_S * 1000


async def _sweep(url: str, channel: str, pid: int, label: str) -> list[dict[str, Any]]:
    steps = []
    idle_rss = _rss_kib(pid)
    for n in SIZES:
        step = await run_step(url, n, channel, pid, idle_rss)
        print(f"{label}: {step}", flush=True)
        steps.append(step)
        if not _ok(step):
            break
    return steps


async def _seed(url: str) -> tuple[str, uuid.UUID]:
    from api.auth import service
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    async with create_sessionmaker(engine).begin() as s:
        org = await service.create_organization(s, "Bench", "bench")
        _, key = await service.create_api_key(s, org.id, "bench", ["conversations:read"])
        org_id = org.id
    await engine.dispose()
    return key, org_id


async def main() -> None:
    url = await fresh_database("hourglass_bench_ws")
    key, org_id = await _seed(url)
    channel = f"hg:org:{org_id}"

    # Every benchmark socket uses the same API key: lift the per-credential socket cap
    # (realtime_max_sockets_per_credential) above the largest step, or all but 20 are refused.
    os.environ["HOURGLASS_REALTIME_MAX_SOCKETS_PER_CREDENTIAL"] = str(max(SIZES) + 100)
    api = ApiProcess(url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        await api.wait_ready()
        ours = await _sweep(f"ws://127.0.0.1:{api.port}/v1/ws?token={key}", channel, api.proc.pid, "hourglass")
    finally:
        api.stop()

    port = free_port()
    bare_channel = f"hg:bench:{uuid.uuid4()}"
    baseline = _spawn("baseline", str(port), redis_url(), bare_channel)
    try:
        await _readline(baseline, 30)
        bare = await _sweep(f"ws://127.0.0.1:{port}/", bare_channel, baseline.pid, "bare websockets")
    finally:
        baseline.terminate()
        baseline.wait(timeout=30)

    def largest(steps: list[dict[str, Any]]) -> int:
        return max((s["sockets"] for s in steps if _ok(s)), default=0)

    ours_n, bare_n = largest(ours), largest(bare)
    common = min(ours_n, bare_n) or SIZES[0]
    ours_at = next((s for s in ours if s["sockets"] == common), ours[0])
    bare_at = next((s for s in bare if s["sockets"] == common), bare[0])
    save(
        "ws_fanout",
        [
            figure(
                "sockets per API process with p95 delivery <= 500 ms",
                ours_n,
                "sockets",
                bare_n,
                "bare websockets broadcast() server, same clients, same run",
            ),
            figure(
                f"p95 delivery at {common} sockets",
                ours_at["p95_ms"] or 0.0,
                "ms",
                bare_at["p95_ms"] or 0.0,
                "bare websockets broadcast() at the same size",
                higher_is_better=False,
            ),
            figure(
                f"server CPU per delivered frame at {common} sockets",
                ours_at["server_cpu_us_per_frame"],
                "µs",
                bare_at["server_cpu_us_per_frame"],
                "bare websockets broadcast() at the same size",
                higher_is_better=False,
            ),
            figure(
                f"server memory per socket at {common} sockets (RSS growth over the idle process)",
                ours_at["server_rss_kib_per_socket"],
                "KiB",
                bare_at["server_rss_kib_per_socket"],
                "bare websockets broadcast() at the same size",
                higher_is_better=False,
            ),
            figure(
                f"burst fan-out at {common} sockets",
                ours_at["burst_frames_per_s"],
                "frames/s",
                bare_at["burst_frames_per_s"],
                "bare websockets broadcast() at the same size",
            ),
        ],
        {
            "sizes": SIZES,
            "broadcasts": BROADCASTS,
            "rate_per_s": RATE,
            "burst": BURST,
            "client_processes": CLIENT_PROCESSES,
            "compression": None,
            "hourglass_steps": ours,
            "bare_websockets_steps": bare,
        },
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        asyncio.run(client_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    elif len(sys.argv) > 1 and sys.argv[1] == "baseline":
        asyncio.run(baseline_main(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(main())
