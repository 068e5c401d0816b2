"""Idle worker CPU: a real `hourglass worker` process on the demo organization (its SLA policies, rules and
API channel), measured from /proc as CPU seconds per wall second (% of one core):

1. idle: nothing arrives;
2. trickle: 12 buyer messages a minute pushed through `POST /v1/channels/{id}/messages` of an API
   process (each one is classified, gets its SLA clock and timers, runs the automation rules and is
   relayed as events), the demo's traffic.

The limit is the goal of issue 19 (2 % of a core); the ratio is limit / measured.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from benchmarks.common import ROOT, ApiProcess, figure, fresh_database, redis_url, save

WARMUP_S = float(os.environ.get("BENCH_IDLE_WARMUP_S", "15"))
IDLE_S = float(os.environ.get("BENCH_IDLE_S", "60"))
TRICKLE_S = float(os.environ.get("BENCH_IDLE_TRICKLE_S", "60"))
PER_MINUTE = 12
GOAL_PERCENT = 2.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system time of a process, all its threads included (fields 14 and 15 of /proc/<pid>/stat),
    with its children's: the live ones (the worker's metric fold process) and those it has waited for
    (fields 16 and 17)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:  # a child that ended meanwhile: its time is in its parent's fields 16-17
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    own = sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS
    return own + sum(cpu_seconds(child) for child in children(pid))


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


class WorkerProcess:
    def __init__(self, database_url: str) -> None:
        env = {**os.environ, "HOURGLASS_DATABASE_URL": database_url, "HOURGLASS_REDIS_URL": redis_url(),
               "HOURGLASS_LOG_LEVEL": "WARNING", "HOURGLASS_OUTBOUND_ALLOWED": "127.0.0.0/8"}  # fmt: skip
        self.proc = subprocess.Popen([sys.executable, "-m", "hourglass", "worker"], cwd=ROOT, env=env)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


async def measure(pid: int, seconds: float) -> float:
    """Percent of one core used by `pid` and its children over the next `seconds`."""
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0)


async def trickle(api_url: str, key: str, channel_id: uuid.UUID, seconds: float) -> int:
    sent = 0
    async with httpx.AsyncClient(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            n = uuid.uuid4().hex[:12]
            r = await c.post(
                f"/v1/channels/{channel_id}/messages",
                json={
                    "external_message_id": f"idle-{n}",
                    "external_thread_id": f"thread-{sent % 5}",
                    "buyer": {"external_id": f"buyer-{sent % 5}", "name": "Idle Bench Buyer"},
                    "subject": "Where is my order?",
                    "body": "Hello, when will my order ship?",
                    "sent_at": datetime.now(UTC).isoformat(),
                },
            )
            r.raise_for_status()
            sent += 1
            await asyncio.sleep(60 / PER_MINUTE)
    return sent


async def main() -> None:
    from hourglass.demo import seed_demo

    url = await fresh_database("hourglass_bench_idle_worker")
    sa_url = url.replace("postgresql://", "postgresql+asyncpg://")
    creds = await seed_demo(sa_url)
    conn = await asyncpg.connect(url)
    channel_id = await conn.fetchval("SELECT id FROM channels WHERE marketplace = 'api' LIMIT 1")
    await conn.close()
    api = ApiProcess(sa_url)
    worker = WorkerProcess(sa_url)
    try:
        await api.wait_ready()
        await asyncio.sleep(WARMUP_S)  # the worker starts, runs its start-up sweeps, settles
        if worker.proc.poll() is not None:
            raise RuntimeError("the worker exited")
        idle = await measure(worker.proc.pid, IDLE_S)
        pushing = asyncio.create_task(trickle(api.url, creds.api_key, channel_id, TRICKLE_S))
        busy = await measure(worker.proc.pid, TRICKLE_S)
        sent = await pushing
    finally:
        worker.stop()
        api.stop()
    save(
        "idle_worker",
        [
            figure("idle worker CPU, idle", idle, "% of a core", GOAL_PERCENT, "goal", higher_is_better=False),
            figure(
                f"idle worker CPU, {PER_MINUTE} messages/min",
                busy,
                "% of a core",
                GOAL_PERCENT,
                "goal",
                higher_is_better=False,
            ),
        ],
        {"warmup_s": WARMUP_S, "idle_s": IDLE_S, "trickle_s": TRICKLE_S, "messages_sent": sent},
    )


if __name__ == "__main__":
    asyncio.run(main())
