"""SLA timer engine: lateness (fired_at - due_at) p50/p99/max with 100,000 and 1,000,000 open
deadlines while a steady stream falls due, missed and duplicated fires (both must be 0), and the
backlog fire rate beside the raw PostgreSQL SKIP LOCKED claim rate measured in the same run (same rows,
same claim size as the worker's batch), and the seconds to drain BENCH_BACKLOG timers falling due at once
(goal: 100,000 in 10 s, i.e. 10,000 timers/s)."""

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

from api.kit.ids import uuid7
from benchmarks.common import ROOT, figure, fresh_database, percentile, redis_url, save
from workers.tasks.sla_timers import BATCH

STREAM = int(os.environ.get("BENCH_STREAM", "3000"))
STREAM_RATE = float(os.environ.get("BENCH_STREAM_RATE", "200"))  # timers falling due per second
SCALES = [int(x) for x in os.environ.get("BENCH_OPEN_DEADLINES", "100000,1000000").split(",")]
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "100000"))
# 10M open deadlines take most of an hour to load here: run them alone and keep them apart
# (BENCH_OPEN_DEADLINES=10000000 BENCH_RESULT=sla_timers_10m).
RESULT = os.environ.get("BENCH_RESULT", "sla_timers")
GOAL_RATE = 10_000.0  # timers/s: the 100k due at once drained in 10 s

RAW_CLAIM = f"""
WITH due AS (SELECT id FROM sla_timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= now()
             ORDER BY due_at LIMIT {BATCH} FOR UPDATE SKIP LOCKED)
UPDATE sla_timers SET fired_at = clock_timestamp() FROM due WHERE sla_timers.id = due.id RETURNING sla_timers.id
"""
DUE_PROBE = (
    "SELECT EXISTS (SELECT 1 FROM sla_timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= now())"
)


async def _load(conn: asyncpg.Connection, n: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """COPY n conversations with one open Walmart clock (48 h) and one breach timer each, due between
    24 and 48 hours from now, hence started over the last 24 hours as live traffic starts them;
    returns the stream's clock ids (scheduled later by _schedule_stream, once the worker is up: the
    load of 1M rows takes minutes, and a stream planned before it would start in the past)."""
    org = uuid.uuid4()
    channel = uuid.uuid4()
    await conn.execute("INSERT INTO organizations (id, name, slug) VALUES ($1, 'Bench', 'bench')", org)
    await conn.execute(
        "INSERT INTO channels (id, organization_id, marketplace, name) VALUES ($1, $2, 'walmart', 'w')", channel, org
    )
    now = datetime.now(UTC)
    target = timedelta(hours=48)
    snapshot = json.dumps({"name": "Walmart (48 h)", "target_seconds": int(target.total_seconds()), "tiers": []})
    # Spread over a day, not stamped at one instant: the reports' hourly fold re-reads the clocks that
    # started in an hour a breach or a stop marks, and a million starts in the current hour (what this
    # loader wrote before 2026-12-07) made every refold of that hour read them all. Here an hour holds
    # about n/24 starts (42k at 1M), twice what 1M open 48-hour deadlines started evenly over 48 hours
    # would put in it: on the heavy side of live traffic.
    step = 86400 / max(n, 1)

    def due(i: int) -> datetime:
        return now + timedelta(days=1, seconds=i * step)

    def started(i: int) -> datetime:
        return due(i) - target

    # Time-ordered ids, as the product makes them (api.kit.ids): random ones put every clock and
    # conversation written by a batch on a different leaf of its primary-key index, which production
    # never does, and a third of the burst's WAL was full-page images of those leaves.
    conv_ids = [uuid7() for _ in range(n)]
    clock_ids = [uuid7() for _ in range(n)]
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
        records=((c, org, channel, "walmart", f"t:{i}", started(i), started(i)) for i, c in enumerate(conv_ids)),
    )

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
                "walmart",
                channel,
                started(i),
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
    # As after any bulk load: vacuum (visibility map, hint bits) and a checkpoint, so the run measures the
    # timer engine, not autovacuum's first pass over a million fresh rows or the load's dirty pages.
    await conn.execute("VACUUM (ANALYZE)")
    await conn.execute("CHECKPOINT")
    return org, clock_ids[:STREAM]


async def _fold_loaded_hours(url: str) -> None:
    """Fold the metric hours the load marked, with the product's fold, before the worker starts. The
    load writes a day of starts at one instant, which live traffic never does; left marked, the
    worker's first folds (at its start, then at :15 and :45) re-read every loaded clock while the stream
    was measured: at 1M the stream's late timers clustered at second :15 (94-182 ms), and the 100k burst
    drained in 14.4-14.7 s against 10.4 s once the load is folded first. That is the catch-up after a
    bulk load, not the timer engine under load; the folds of the hours the run itself marks stay in."""
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.reports.rollup_repository import any_dirty_hours
    from workers.tasks.metrics import fold_batches

    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"), Settings(), pool_size=1)
    try:
        while await fold_batches(engine):
            pass
        # Nothing folded with marks left: another fold holds the lock (nothing else runs on this fresh
        # database); stop rather than measure with them.
        async with create_sessionmaker(engine)() as session:
            if await any_dirty_hours(session):
                raise RuntimeError("the loaded hours could not be folded: the fold lock is held elsewhere")
    finally:
        await engine.dispose()


async def _wait_until_firing(conn: asyncpg.Connection, worker: subprocess.Popen[bytes], clock_id: uuid.UUID) -> None:
    """Make one timer due now (a canary) and wait until the worker has fired it."""
    await conn.execute("UPDATE sla_timers SET due_at = now() WHERE clock_id = $1", clock_id)
    deadline = time.monotonic() + 120
    while not await conn.fetchval("SELECT fired_at IS NOT NULL FROM sla_timers WHERE clock_id = $1", clock_id):
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError("the worker fired nothing within 2 minutes of starting")
        await asyncio.sleep(0.05)


async def _schedule_stream(conn: asyncpg.Connection, clock_ids: list[uuid.UUID], start: datetime) -> None:
    """The stream: one timer falling due every 1/STREAM_RATE s from `start`."""
    for table in ("sla_clocks", "sla_timers"):
        key = "id" if table == "sla_clocks" else "clock_id"
        await conn.execute(
            f"UPDATE {table} t SET due_at = $1::timestamptz + (x.i - 1) / $3::float8 * interval '1 second' "
            f"FROM unnest($2::uuid[]) WITH ORDINALITY AS x(clock_id, i) WHERE t.{key} = x.clock_id",
            start,
            clock_ids,
            STREAM_RATE,
        )


def _worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOURGLASS_DATABASE_URL": database_url.replace("postgresql://", "postgresql+asyncpg://"),
        "HOURGLASS_REDIS_URL": redis_url(),
        "HOURGLASS_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "hourglass", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def run_scale(n: int) -> list[dict[str, object]]:
    url = await fresh_database("hourglass_bench_timers")
    conn = await asyncpg.connect(url)
    t = time.monotonic()
    _, stream = await _load(conn, n)
    load_s = time.monotonic() - t
    t = time.monotonic()
    await _fold_loaded_hours(url)
    fold_s = time.monotonic() - t
    print(f"sla_timers: {n:,} open deadlines loaded in {load_s:.0f} s; measuring", file=sys.stderr, flush=True)
    worker = _worker(url)
    try:
        canary, stream = stream[0], stream[1:]
        await _wait_until_firing(conn, worker, canary)
        stream_start = datetime.now(UTC) + timedelta(seconds=3)
        await _schedule_stream(conn, stream, stream_start)
        await asyncio.sleep((stream_start - datetime.now(UTC)).total_seconds() + len(stream) / STREAM_RATE + 5)
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        rows = await conn.fetch(
            "SELECT extract(epoch FROM fired_at - due_at) AS late FROM sla_timers "
            "WHERE clock_id = ANY($1::uuid[]) AND fired_at IS NOT NULL",
            stream,
        )
        lateness = [max(0.0, float(r["late"])) for r in rows]
        if not lateness:
            raise RuntimeError("no timer of the stream fired")
        missed = len(stream) - len(lateness)
        duplicates = await conn.fetchval(
            "SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) c FROM outbox_events "
            "WHERE event_type = 'sla.overdue' "
            "GROUP BY conversation_id) x"
        )
        # Backlog drain: BACKLOG timers (or as many as are still open) become due at once.
        backlog = [
            r["id"]
            for r in await conn.fetch(
                "UPDATE sla_timers SET due_at = now() WHERE id IN (SELECT id FROM sla_timers "
                "WHERE fired_at IS NULL ORDER BY id LIMIT $1) RETURNING id",
                BACKLOG,
            )
        ]
        t = time.monotonic()
        # The probe reads the worker's own partial index (unfired, uncancelled, by due time), as cheap
        # as the worker's claim: a count(*) without `cancelled_at IS NULL` scanned every timer each 50 ms,
        # a core of PostgreSQL at 1M open deadlines, taken from the worker being measured.
        while await conn.fetchval(DUE_PROBE):
            if worker.poll() is not None or time.monotonic() - t > 300:
                raise RuntimeError("the worker died or could not drain the backlog within 5 minutes")
            await asyncio.sleep(0.05)
        drain_s = time.monotonic() - t
        engine_rate = len(backlog) / drain_s
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # Raw claim rate, no effects, after the worker stopped: the same rows made due and unfired again.
    await conn.execute("UPDATE sla_timers SET due_at = now(), fired_at = NULL WHERE id = ANY($1::bigint[])", backlog)
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
    limit_s = 0.1  # the bound on p99 lateness
    return [
        figure(f"lateness p50 ({tag})", p50 * 1000, "ms", limit_s * 1000, "required p99 bound (100 ms)", False),
        figure(f"lateness p99 ({tag})", p99 * 1000, "ms", limit_s * 1000, "required p99 bound (100 ms)", False),
        figure(
            f"lateness max ({tag})", max(lateness) * 1000, "ms", limit_s * 1000, "required p99 bound (100 ms)", False
        ),
        figure(
            f"backlog fire rate with effects ({tag})",
            engine_rate,
            "timers/s",
            raw_rate,
            "raw SKIP LOCKED claim, same rows and batch size, no effects",
        ),
        figure(
            f"{len(backlog):,} due at once: seconds to drain ({tag})",
            drain_s,
            "s",
            len(backlog) / GOAL_RATE,
            "goal: 10,000 timers/s (100k in 10 s)",
            False,
        ),
        figure(
            f"{len(backlog):,} due at once: raw claim seconds ({tag})",
            len(backlog) / raw_rate if raw_rate else 0.0,
            "s",
            len(backlog) / GOAL_RATE,
            "goal: 10,000 timers/s (100k in 10 s)",
            False,
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
        {
            "name": f"fold of the loaded hours ({tag})",
            "value": fold_s,
            "unit": "s",
            "limit": 0,
            "limit_name": "the metric hours the load marked, folded before the worker starts",
            "ratio": 0.0,
        },
    ]


async def main() -> None:
    figures: list[dict[str, object]] = []
    for n in SCALES:
        figures += await run_scale(n)
    save(
        RESULT,
        figures,
        {
            "stream": STREAM,
            "stream_rate_per_s": STREAM_RATE,
            "backlog": BACKLOG,
            "open_deadlines": SCALES,
            "worker_processes": 1,
            "worker_batch": BATCH,
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
