"""Export throughput: rows/s of a CSV export of conversations through the worker's writer (server-side
cursor, per-row masking off, formula escaping, BOM, .part + fsync + rename), beside PostgreSQL's own
`COPY (<the same SELECT>) TO STDOUT WITH CSV` of the same rows on the same machine, the limit.

BENCH_EXPORT_ROWS (default 100,000) conversations with a customer each are inserted with SQL (the
ingest path is not what is measured), into a fresh database. The export runs in this process, as the
worker would run it; COPY writes to a file in the same directory. The ratio says what the export's
Python side costs over the database's own CSV writer.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from benchmarks.common import figure, fresh_database, redis_url, save

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
DB_NAME = os.environ.get("BENCH_EXPORT_DB", "hourglass_bench_exports")

SEED = """
WITH buyers AS (
    INSERT INTO customers (id, organization_id, marketplace, external_buyer_id, display_name, email, phone)
    SELECT gen_random_uuid(), $1, 'api', 'buyer-' || g, 'Buyer ' || g || ' 张', 'buyer' || g || '@example.com',
           '+1555' || lpad(g::text, 7, '0')
    FROM generate_series(1, $3) g
    RETURNING id, external_buyer_id
)
INSERT INTO conversations (id, organization_id, channel_id, marketplace, thread_key, subject, category, status,
                           priority, labels, customer_id, order_external_id, message_count, last_message_at,
                           first_inbound_at, created_at)
SELECT gen_random_uuid(), $1, $2, 'api', 't-' || b.external_buyer_id,
       CASE WHEN random() < 0.01 THEN '=HYPERLINK("x")'
            ELSE '收到的商品破损了 order question ' || b.external_buyer_id END,
       'return_refund', 'open', 'normal', ARRAY['damaged', 'vip'], b.id, 'O-' || b.external_buyer_id, 3,
       now() - interval '1 hour', now() - interval '2 hours', now() - interval '2 hours'
FROM buyers b
"""


async def main() -> None:
    from sqlalchemy.dialects import postgresql

    from api.auth import service as auth_service
    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.export import files, writer
    from api.export.sources import Requester, source_for
    from api.models import Channel, ExportJob

    url = await fresh_database(DB_NAME)
    out_dir = Path(tempfile.mkdtemp(prefix="hourglass-bench-exports-"))
    settings = Settings(
        database_url=url.replace("postgresql://", "postgresql+asyncpg://"), redis_url=redis_url(), export_dir=out_dir
    )
    engine = create_engine(settings.database_url or "", settings, pool_size=3)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        org = await auth_service.create_organization(session, "Bench")
        channel = Channel(organization_id=org.id, marketplace="api", name="ERP")
        session.add(channel)
        await session.flush()
        channel_id = channel.id
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    await conn.execute(SEED, org.id, channel_id, ROWS)
    await conn.execute("ANALYZE customers; ANALYZE conversations")
    print(f"exports: {ROWS} conversations seeded in {time.perf_counter() - started:.1f} s", flush=True)

    # The export, as the worker runs it.
    job_id = uuid.uuid4()
    async with sessionmaker.begin() as session:
        job = ExportJob(id=job_id, organization_id=org.id, kind="conversations", format="csv", status="queued")
        session.add(job)
    started = time.perf_counter()
    status = await writer.run(sessionmaker, settings, job_id)
    export_seconds = time.perf_counter() - started
    async with sessionmaker() as session:
        job = await session.get(ExportJob, job_id)
        assert job is not None and status == "done" and job.rows_written == ROWS, (status, job and job.error)
        size = job.size_bytes or 0
    export_rate = ROWS / export_seconds

    # The same SELECT through COPY ... TO STDOUT, into a file beside it.
    source = source_for("conversations", Requester(org.id, None, True), {}, None, None)
    compiled = source.statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
    args = [compiled.params[name] for name in compiled.positiontup or []]
    copy_path = out_dir / "copy.csv"
    started = time.perf_counter()
    with copy_path.open("wb") as handle:

        async def sink(chunk: bytes) -> None:
            handle.write(chunk)

        await conn.copy_from_query(str(compiled), *args, output=sink, format="csv", header=True)
        handle.flush()
        os.fsync(handle.fileno())
    copy_seconds = time.perf_counter() - started
    copy_rate = ROWS / copy_seconds
    copy_size = copy_path.stat().st_size
    await conn.close()
    files.final_path(settings, org.id, job_id, "csv").unlink(missing_ok=True)
    copy_path.unlink(missing_ok=True)
    await engine.dispose()
    save(
        "exports",
        [figure("conversations CSV export", export_rate, "rows/s", copy_rate, "COPY (same SELECT) TO STDOUT CSV")],
        {
            "rows": ROWS,
            "export_seconds": round(export_seconds, 2),
            "copy_seconds": round(copy_seconds, 2),
            "export_bytes": size,
            "copy_bytes": copy_size,
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
