"""Bulk jobs on conversations (api/bulk/runner.py does the work; these only hold sessions).

Started by the outbox relay when it relays `bulk_job.created` (after the creating transaction
committed). A job left unfinished (a killed worker; a queue entry lost with Redis) is picked up by
the resume sweep once nobody has advanced it for `STALE_AFTER`; the runner's per-chunk transactions
make a second runner, or a re-run, harmless."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from api.bulk import repository, runner
from api.kit.time import utc_now
from api.outbox import repository as outbox_repository

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
# A 10,000-item template job takes minutes: far longer than the default job timeout.
JOB_TIMEOUT_SECONDS = 3600


async def bulk_job_created_job(ctx: dict[str, Any], outbox_id: int) -> str | None:
    async with ctx["sessionmaker"].begin() as session:
        job_id = await outbox_repository.subject_of(session, outbox_id)
    if job_id is None:
        return None
    await runner.run(ctx["sessionmaker"], job_id)
    return str(job_id)


async def resume_bulk_jobs(sessionmaker: Any) -> int:
    async with sessionmaker.begin() as session:
        stale = await repository.stale_unfinished(session, utc_now() - STALE_AFTER)
    for job_id in stale:
        log.warning("bulk job %s: resuming (no progress for %s)", job_id, STALE_AFTER)
        await runner.run(sessionmaker, job_id)
    return len(stale)


async def resume_bulk_jobs_job(ctx: dict[str, Any]) -> int:
    return await resume_bulk_jobs(ctx["sessionmaker"])
