"""Worker start-up: engine and sessionmaker in the arq context; refuse to run on an old schema."""

from __future__ import annotations

import logging
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from api.config import get_settings
from api.db import create_engine, create_sessionmaker
from api.embedded import resolve_service_urls

log = logging.getLogger(__name__)


def expected_revision() -> str | None:
    from pathlib import Path

    cfg = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    return ScriptDirectory.from_config(cfg).get_current_head()


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    urls = resolve_service_urls(settings)
    engine = create_engine(urls.database_url, settings, pool_size=10)
    async with engine.connect() as conn:
        current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    head = expected_revision()
    if current != head:
        await engine.dispose()
        raise RuntimeError(f"database schema is at {current}, this worker needs {head}: run `hourglass migrate`")
    ctx["settings"] = settings
    ctx["engine"] = engine
    ctx["sessionmaker"] = create_sessionmaker(engine)
    # The loops beside the arq jobs (their work is rows in Postgres), in one runner woken by NOTIFY.
    from workers.loops import Listener, LoopRunner, asyncpg_connect
    from workers.tasks import sync
    from workers.tasks.automation import automation_loop
    from workers.tasks.outbox import Relay, relay_loop
    from workers.tasks.sla_timers import timer_loop
    from workers.tasks.webhooks import build_dispatcher, dispatch_loop

    runner = LoopRunner(Listener(asyncpg_connect(engine)))
    runner.add(timer_loop(ctx["sessionmaker"]))
    runner.add(relay_loop(Relay(ctx["sessionmaker"], ctx["redis"], jobs=ctx["redis"], wake=runner.wake)))
    runner.add(dispatch_loop(build_dispatcher(settings, ctx["sessionmaker"])))
    runner.add(automation_loop(ctx["sessionmaker"]))
    # Marketplace sync: the poll scheduler, the push processor and reply delivery (state in Postgres).
    sync.start(runner, ctx)
    runner.start()
    ctx["loops"] = runner
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        # Loopback only: the worker has no authentication of its own (scrape it from the same host).
        start_http_server(settings.worker_metrics_port, addr="127.0.0.1")
    log.info("worker ready (schema %s)", head)


async def shutdown(ctx: dict[str, Any]) -> None:
    runner = ctx.pop("loops", None)
    if runner is not None:
        await runner.stop(grace=30)
        from workers.tasks import sync

        await sync.stop(ctx)
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()
