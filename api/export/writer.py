"""Writing one export (a worker runs this): claim the job, stream its rows through a server-side cursor
in one REPEATABLE READ snapshot (the count and the rows agree), encode them a batch at a time into a
`.part` file, fsync, rename. Memory stays at one batch whatever the size of the export.

A runner that dies leaves the job `running` with a stale heartbeat; the resume sweep
(workers/tasks/exports.py) runs it again from the start, overwriting the `.part` file."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.config import Settings
from api.db import Session, Sessionmaker
from api.export import files, repository
from api.export.formats import encoder_for, masked_rows
from api.export.sources import Requester, source_for
from api.kit.time import utc_now
from api.models import ExportJob
from api.privacy.policy import MASKABLE_ROLES

log = logging.getLogger(__name__)

BATCH_ROWS = 2000
PROGRESS_EVERY_SECONDS = 1.0
EXPIRES_AFTER = timedelta(days=7)
SUPERVISING_ROLES = ("supervisor", "admin")
MAX_ATTEMPTS = 3


async def _claim(sessionmaker: Sessionmaker, job_id: uuid.UUID) -> ExportJob | None:
    async with sessionmaker.begin() as session:
        job = await repository.lock_runnable(session, job_id)
        if job is None:
            return None
        now = utc_now()
        if job.attempts >= MAX_ATTEMPTS:
            job.status = "failed"
            job.error = f"gave up after {job.attempts} attempts"
            job.finished_at = now
            return None
        job.status = "running"
        job.attempts += 1
        job.started_at = now
        job.heartbeat_at = now
        job.rows_written = 0
        job.error = None
        await session.flush()
        session.expunge(job)
        return job


async def masks_for(session: Session, job: ExportJob) -> bool:
    """Buyer contact data is masked when the requester's role is one the organization masks (read
    fresh, not from the per-process cache); API keys and admins are never masked."""
    if job.created_by_user_id is None or job.actor_role not in MASKABLE_ROLES:
        return False
    return job.actor_role in await repository.masked_roles(session, job.organization_id)


async def _progress(sessionmaker: Sessionmaker, job_id: uuid.UUID, **values: Any) -> None:
    async with sessionmaker.begin() as session:
        await repository.record_progress(session, job_id, heartbeat_at=utc_now(), **values)


def _open(path: Path) -> Any:
    return path.open("wb")


def _write(handle: Any, data: bytes) -> None:
    if data:
        handle.write(data)


def _finish_file(handle: Any, part: Path, final: Path) -> int:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(part, final)
    files.fsync_dir(final.parent)
    return final.stat().st_size


async def run(sessionmaker: Sessionmaker, settings: Settings, job_id: uuid.UUID) -> str | None:
    """Write the export; returns its final status (None when another runner has it or it is finished)."""
    job = await _claim(sessionmaker, job_id)
    if job is None:
        return None
    final = files.final_path(settings, job.organization_id, job.id, job.format)
    part = files.part_path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        written, size, masked = await _stream(sessionmaker, job, part, final)
    except Exception as exc:
        log.exception("export %s failed", job_id)
        part.unlink(missing_ok=True)
        await _progress(
            sessionmaker,
            job_id,
            status="failed",
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=utc_now(),
        )
        return "failed"
    now = utc_now()
    await _progress(
        sessionmaker,
        job_id,
        status="done",
        rows_written=written,
        size_bytes=size,
        masked=masked,
        finished_at=now,
        expires_at=now + EXPIRES_AFTER,
    )
    return "done"


async def _stream(sessionmaker: Sessionmaker, job: ExportJob, part: Path, final: Path) -> tuple[int, int, bool]:
    requester = Requester(
        organization_id=job.organization_id,
        user_id=job.created_by_user_id,
        supervises=job.created_by_user_id is None or job.actor_role in SUPERVISING_ROLES,
    )
    source = source_for(job.kind, requester, job.filters or {}, job.date_from, job.date_to)
    encoder = encoder_for(job.format, source.columns)
    loop = asyncio.get_running_loop()
    async with sessionmaker() as session:
        # One snapshot for the count and the rows; read only, so it never blocks writers.
        await repository.begin_snapshot(session)
        masked = await masks_for(session, job)
        maskers = source.maskers() if masked else {}
        total = await repository.count_rows(session, source.statement)
        await _progress(sessionmaker, job.id, rows_total=total, masked=masked)
        written = 0
        last_report = time.monotonic()
        handle = await loop.run_in_executor(None, _open, part)
        try:
            await loop.run_in_executor(None, _write, handle, encoder.header())
            batches = await repository.stream_batches(session, source.statement, BATCH_ROWS)
            async for rows in batches:
                data = encoder.rows(masked_rows(rows, maskers))
                await loop.run_in_executor(None, _write, handle, data)
                written += len(rows)
                if time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
                    await _progress(sessionmaker, job.id, rows_written=written)
                    last_report = time.monotonic()
            await session.rollback()
            size = await loop.run_in_executor(None, _finish_file, handle, part, final)
        except BaseException:
            if not handle.closed:
                handle.close()
            raise
    return written, size, masked
