"""The expiry sweep (a worker cron): export files are deleted `EXPIRES_AFTER` after they were written
(the job row stays, `expired`), and so are files no running export will finish: `.part` files of jobs
that are not queued or running (a worker killed mid-write), and files of exports that no longer exist
(their organization deleted)."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from api.config import Settings
from api.db import Sessionmaker
from api.export import files, repository

log = logging.getLogger(__name__)

# A file younger than this is left alone even without a job row: its job may not be committed yet.
GRACE = timedelta(hours=1)


@dataclass
class SweepResult:
    expired: int = 0
    orphans: int = 0


async def sweep(sessionmaker: Sessionmaker, settings: Settings, now: datetime) -> SweepResult:
    result = SweepResult()
    async with sessionmaker.begin() as session:
        due = await repository.lock_expired(session, now)
        for export_id, org_id, fmt in due:
            files.final_path(settings, org_id, export_id, fmt).unlink(missing_ok=True)
        if due:
            await repository.mark_expired(session, [d[0] for d in due])
        result.expired = len(due)
    root = files.root(settings)
    if not root.is_dir():
        return result
    found: dict[uuid.UUID, list[Path]] = {}
    for org_dir in root.iterdir():
        if not org_dir.is_dir():
            continue
        for path in org_dir.iterdir():
            owner = files.export_id_of(path)
            if owner is not None:
                found.setdefault(owner, []).append(path)
    if not found:
        return result
    async with sessionmaker() as session:
        statuses = await repository.statuses(session, list(found))
    cutoff = time.time() - GRACE.total_seconds()
    for export_id, paths in found.items():
        status = statuses.get(export_id)
        for path in paths:
            is_part = path.name.endswith(files.PART_SUFFIX)
            if status in ("queued", "running"):
                continue
            if status == "done" and not is_part:
                continue
            if status is None and path.stat().st_mtime > cutoff:
                continue
            path.unlink(missing_ok=True)
            result.orphans += 1
            log.info("export sweep: deleted %s (export %s)", path, status or "unknown")
    return result
