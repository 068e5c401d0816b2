"""Exports (api/export/writer.py writes them; these hold sessions and settings).

Started by the outbox relay when it relays `export.created` (after the creating transaction
committed). An export left queued or running (a killed worker, a queue entry lost with Redis) is run
again by the resume sweep once its heartbeat is `STALE_AFTER` old. The expiry sweep deletes files
7 days after they were written, and `.part` files nobody will finish."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from api.config import get_settings
from api.export import repository, sweep, writer
from api.kit.time import utc_now
from api.outbox import repository as outbox_repository

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
# A multi-million-row export takes minutes.
JOB_TIMEOUT_SECONDS = 3600


def _settings(ctx: dict[str, Any]) -> Any:
    return ctx.get("settings") or get_settings()


async def export_created_job(ctx: dict[str, Any], outbox_id: int) -> str | None:
    async with ctx["sessionmaker"]() as session:
        export_id = await outbox_repository.subject_of(session, outbox_id)
    if export_id is None:
        return None
    return await writer.run(ctx["sessionmaker"], _settings(ctx), export_id)


async def resume_exports(sessionmaker: Any, settings: Any) -> int:
    async with sessionmaker() as session:
        stale = await repository.stalled(session, utc_now() - STALE_AFTER)
    for export_id in stale:
        log.warning("export %s: resuming (no progress for %s)", export_id, STALE_AFTER)
        await writer.run(sessionmaker, settings, export_id)
    return len(stale)


async def resume_exports_job(ctx: dict[str, Any]) -> int:
    return await resume_exports(ctx["sessionmaker"], _settings(ctx))


async def sweep_exports_job(ctx: dict[str, Any]) -> int:
    result = await sweep.sweep(ctx["sessionmaker"], _settings(ctx), utc_now())
    return result.expired + result.orphans
