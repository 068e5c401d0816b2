"""Worker start-up: engine and sessionmaker in the arq context; refuse to run on an old schema."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from prometheus_client import start_http_server

from api.attachment import service as attachment_service
from api.config import get_settings, service_urls
from api.db import DATABASE_UNAVAILABLE, Engine, create_engine, create_sessionmaker, schema_revision
from api.kit.heap import freeze_start_up_heap
from workers.loops import Listener, LoopRunner, asyncpg_connect
from workers.tasks import sync
from workers.tasks.attachments import attachment_loop, upload_cleanup_loop
from workers.tasks.automation import automation_loop
from workers.tasks.cases import case_timer_loop
from workers.tasks.metrics import FoldProcess
from workers.tasks.outbox import Relay, relay_loop
from workers.tasks.overflow import overflow_loop
from workers.tasks.sla_timers import timer_loop
from workers.tasks.snooze import snooze_loop
from workers.tasks.translation import translation_retry_loop
from workers.tasks.webhooks import build_dispatcher, dispatch_loop

log = logging.getLogger(__name__)


# How long start-up waits for a PostgreSQL that is starting, restarting or in recovery ("the database
# system is starting up"): a worker started beside its database must not die of the race.
SCHEMA_WAIT_SECONDS = 60.0


def expected_revision() -> str | None:
    cfg = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    return ScriptDirectory.from_config(cfg).get_current_head()


async def _schema_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, waiting (bounded) while PostgreSQL cannot take connections yet."""
    deadline = time.monotonic() + SCHEMA_WAIT_SECONDS
    while True:
        try:
            return await schema_revision(engine)
        except DATABASE_UNAVAILABLE as exc:
            # A missing alembic_version table is a schema problem, not a start-up race: fail at once.
            if "alembic_version" in str(exc) or time.monotonic() > deadline:
                raise
            log.warning("worker start-up: database not ready (%s); retrying", type(exc).__name__)
            await asyncio.sleep(0.5)


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    urls = service_urls(settings)
    engine = create_engine(urls.database_url, settings, pool_size=10)
    current = await _schema_revision(engine)
    head = expected_revision()
    if current != head:
        await engine.dispose()
        raise RuntimeError(f"database schema is at {current}, this worker needs {head}: run `hourglass migrate`")
    ctx["settings"] = settings
    attachment_service.configure(settings)
    ctx["engine"] = engine
    ctx["sessionmaker"] = create_sessionmaker(engine)
    ctx["fold"] = FoldProcess(urls.database_url)
    # The loops beside the arq jobs (their work is rows in Postgres), in one runner woken by NOTIFY.
    runner = LoopRunner(Listener(asyncpg_connect(engine)))
    for n in range(settings.sla_timer_loops):
        runner.add(timer_loop(ctx["sessionmaker"], name="sla_timers" if n == 0 else f"sla_timers_{n + 1}"))
    runner.add(relay_loop(Relay(ctx["sessionmaker"], ctx["redis"], jobs=ctx["redis"], wake=runner.wake)))
    runner.add(dispatch_loop(build_dispatcher(settings, ctx["sessionmaker"])))
    runner.add(automation_loop(ctx["sessionmaker"]))
    runner.add(case_timer_loop(ctx["sessionmaker"]))
    runner.add(snooze_loop(ctx["sessionmaker"]))
    runner.add(overflow_loop(ctx["sessionmaker"]))
    runner.add(attachment_loop(ctx["sessionmaker"], settings))
    runner.add(upload_cleanup_loop(ctx["sessionmaker"], settings))
    runner.add(translation_retry_loop(ctx["sessionmaker"], settings))
    # Marketplace sync: the poll scheduler, the push processor and reply delivery (state in Postgres).
    sync.start(runner, ctx)
    freeze_start_up_heap()
    runner.start()
    ctx["loops"] = runner
    if settings.worker_metrics_port:
        # Loopback only: the worker has no authentication of its own (scrape it from the same host).
        start_http_server(settings.worker_metrics_port, addr="127.0.0.1")
    log.info("worker ready (schema %s)", head)


async def shutdown(ctx: dict[str, Any]) -> None:
    runner = ctx.pop("loops", None)
    if runner is not None:
        await runner.stop(grace=30)
        await sync.stop(ctx)
    fold = ctx.pop("fold", None)
    if fold is not None:
        fold.close()
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()
