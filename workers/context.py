"""Worker start-up: engine and sessionmaker in the arq context; refuse to run on an old schema."""

from __future__ import annotations

import asyncio
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
    # The SLA timer loop runs beside the arq jobs: timers live in Postgres, not in Redis.
    from workers.tasks.sla_timers import run_timer_loop

    ctx["stop"] = asyncio.Event()
    ctx["timer_loop"] = asyncio.create_task(run_timer_loop(ctx["sessionmaker"], ctx["stop"]))
    # The outbox relay and the webhook dispatcher run beside the jobs too (their work is rows in Postgres).
    from workers.tasks.outbox import run_relay_loop
    from workers.tasks.webhooks import build_dispatcher, run_dispatch_loop

    dispatcher = build_dispatcher(settings, ctx["sessionmaker"])
    ctx["relay_loop"] = asyncio.create_task(
        run_relay_loop(
            ctx["sessionmaker"], ctx["redis"], ctx["stop"], jobs=ctx["redis"], wake_dispatcher=dispatcher.wake
        )
    )
    ctx["webhook_loop"] = asyncio.create_task(run_dispatch_loop(dispatcher, ctx["stop"]))
    from workers.tasks.automation import run_automation_loop

    ctx["automation_loop"] = asyncio.create_task(run_automation_loop(ctx["sessionmaker"], ctx["stop"]))
    # Marketplace sync: the poll scheduler, the push processor and reply delivery (state in Postgres).
    from workers.tasks import sync

    sync.start(ctx)
    log.info("worker ready (schema %s)", head)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "stop" in ctx:
        ctx["stop"].set()
        await asyncio.wait_for(ctx["timer_loop"], timeout=10)
        await asyncio.wait_for(ctx["relay_loop"], timeout=10)
        await asyncio.wait_for(ctx["webhook_loop"], timeout=30)
        await asyncio.wait_for(ctx["automation_loop"], timeout=10)
        from workers.tasks import sync

        await sync.stop(ctx)
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()
