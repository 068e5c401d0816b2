"""SLA timer engine: lateness (fired_at - due_at) p50/p99/max with 100,000 and 1,000,000 open
deadlines while a steady stream falls due, missed and duplicated fires (both must be 0), and the
backlog fire rate beside the raw PostgreSQL SKIP LOCKED claim rate measured in the same run."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from benchmarks.common import ROOT, figure, fresh_database, percentile, redis_url, save

STREAM = int(os.environ.get("BENCH_STREAM", "3000"))
STREAM_RATE = float(os.environ.get("BENCH_STREAM_RATE", "200"))  # timers falling due per second
SCALES = [int(x) for x in os.environ.get("BENCH_OPEN_DEADLINES", "100000,1000000").split(",")]
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "20000"))

RAW_CLAIM = """
WITH due AS (SELECT id FROM sla_timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= now()
             ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED)
UPDATE sla_timers SET fired_at = clock_timestamp() FROM due WHERE sla_timers.id = due.id RETURNING sla_timers.id
"""


async def _load(conn: asyncpg.Connection, n: int, stream_start: datetime) -> tuple[uuid.UUID, list[uuid.UUID]]:
    org = uuid.uuid4()
    channel = uuid.uuid4()
    await conn.execute("INSERT INTO organizations (id, name, slug) VALUES ($1, 'Bench', 'bench')", org)
    await conn.execute(
        "INSERT INTO channels (id, organization_id, marketplace, name) VALUES ($1, $2, 'shopee', 's')", channel, org
    )
    now = datetime.now(UTC)
    conv_ids = [uuid.uuid4() for _ in range(n)]
    clock_ids = [uuid.uuid4() for _ in range(n)]
    await conn.copy_records_to_table(
        "conversations",
        columns=[
            "id",
            "organization_id",
            "channel_id",
            "marketplace",
            "thread_key",
            "last_message_at",
            "waiting_since",
        ],
        records=((c, org, channel, "shopee", f"t:{i}", now, now) for i, c in enumerate(conv_ids)),
    )
    snapshot = json.dumps({"name": "Shopee (12 h)", "target_seconds": 43200, "tiers": []})

    def due(i: int) -> datetime:
        if i < STREAM:
            return stream_start + timedelta(seconds=i / STREAM_RATE)
        return now + timedelta(days=1, seconds=i)

    await conn.copy_records_to_table(
        "sla_clocks",
        columns=[
            "id",
            "organization_id",
            "conversation_id",
            "kind",
            "policy_snapshot",
            "reason",
            "marketplace",
            "channel_id",
            "started_at",
            "due_at",
            "due_soon_at",
        ],
        records=(
            (
                clock_ids[i],
                org,
                conv_ids[i],
                "marketplace_first_response",
                snapshot,
                "bench",
                "shopee",
                channel,
                now,
                due(i),
                due(i),
            )
            for i in range(n)
        ),
    )
    await conn.copy_records_to_table(
        "sla_timers",
        columns=["organization_id", "clock_id", "tier", "action", "due_at"],
        records=((org, clock_ids[i], 1000, "breach", due(i)) for i in range(n)),
    )
    await conn.execute("ANALYZE")
    return org, conv_ids


def _worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOURGLASS_DATABASE_URL": database_url.replace("postgresql://", "postgresql+asyncpg://"),
        "HOURGLASS_REDIS_URL": redis_url(),
        "HOURGLASS_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def run_scale(n: int) -> list[dict[str, object]]:
    url = await fresh_database("hourglass_bench_timers")
    conn = await asyncpg.connect(url)
    stream_start = datetime.now(UTC) + timedelta(seconds=25 + n / 100_000 * 8)
    t = time.monotonic()
    await _load(conn, n, stream_start)
    load_s = time.monotonic() - t
    worker = _worker(url)
    try:
        wait = (stream_start - datetime.now(UTC)).total_seconds() + STREAM / STREAM_RATE + 5
        await asyncio.sleep(max(wait, 1))
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        rows = await conn.fetch(
            "SELECT extract(epoch FROM fired_at - due_at) AS late FROM sla_timers "
            "WHERE due_at <= $1 AND fired_at IS NOT NULL",
            stream_start + timedelta(seconds=STREAM / STREAM_RATE),
        )
        lateness = [max(0.0, float(r["late"])) for r in rows]
        missed = STREAM - len(lateness)
        duplicates = await conn.fetchval(
            "SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) c FROM outbox_events "
            "WHERE event_type = 'sla.overdue' "
            "GROUP BY conversation_id) x"
        )
        # Backlog drain: BACKLOG timers become due at once; the worker's fire rate.
        await conn.execute(
            "UPDATE sla_timers SET due_at = now() WHERE id IN (SELECT id FROM sla_timers "
            "WHERE fired_at IS NULL ORDER BY id LIMIT $1)",
            BACKLOG,
        )
        t = time.monotonic()
        while await conn.fetchval("SELECT count(*) FROM sla_timers WHERE fired_at IS NULL AND due_at <= now()"):
            if worker.poll() is not None or time.monotonic() - t > 300:
                raise RuntimeError("the worker died or could not drain the backlog within 5 minutes")
            await asyncio.sleep(0.05)
        engine_rate = BACKLOG / (time.monotonic() - t)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # Raw claim rate, same table, no effects, after the worker stopped.
    await conn.execute(
        "UPDATE sla_timers SET due_at = now() WHERE id IN (SELECT id FROM sla_timers "
        "WHERE fired_at IS NULL ORDER BY id LIMIT $1)",
        BACKLOG,
    )
    t = time.monotonic()
    claimed = 0
    while True:
        got = len(await conn.fetch(RAW_CLAIM))
        if not got:
            break
        claimed += got
    raw_rate = claimed / (time.monotonic() - t)
    await conn.close()
    tag = f"{n:,} open deadlines"
    p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
    limit_s = 1.0  # the bound on p99 lateness
    return [
        figure(f"lateness p50 ({tag})", p50 * 1000, "ms", limit_s * 1000, "required p99 bound (1 s)", False),
        figure(f"lateness p99 ({tag})", p99 * 1000, "ms", limit_s * 1000, "required p99 bound (1 s)", False),
        figure(f"lateness max ({tag})", max(lateness) * 1000, "ms", limit_s * 1000, "required p99 bound (1 s)", False),
        figure(
            f"backlog fire rate with effects ({tag})",
            engine_rate,
            "timers/s",
            raw_rate,
            "raw SKIP LOCKED claim, same table, no effects",
        ),
        {
            "name": f"missed fires ({tag})",
            "value": missed,
            "unit": "timers",
            "limit": 0,
            "limit_name": "must be 0",
            "ratio": 1.0 if missed == 0 else 0.0,
        },
        {
            "name": f"duplicated fires ({tag})",
            "value": int(duplicates),
            "unit": "timers",
            "limit": 0,
            "limit_name": "must be 0",
            "ratio": 1.0 if duplicates == 0 else 0.0,
        },
        {
            "name": f"load time ({tag})",
            "value": load_s,
            "unit": "s",
            "limit": 0,
            "limit_name": "COPY of conversations, clocks and timers",
            "ratio": 0.0,
        },
    ]


async def main() -> None:
    figures: list[dict[str, object]] = []
    for n in SCALES:
        figures += await run_scale(n)
    save(
        "sla_timers",
        figures,
        {
            "stream": STREAM,
            "stream_rate_per_s": STREAM_RATE,
            "backlog": BACKLOG,
            "open_deadlines": SCALES,
            "worker_processes": 1,
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
