"""The retention job: delete conversations whose last activity is older than the organization's
retention period, in bounded batches, with one audit entry per organization and run.

The metric rollups outlive the raw rows (past reports must not change): before deleting, the job
refolds the organization's hours still marked before the cutoff and sets the freeze line
(`privacy_settings.rollups_frozen_before`); api/reports/rollup.py never recomputes an hour before that
line again. The cutoff is floored to the hour, so a frozen hour holds only facts of deleted or
deletable conversations, and a conversation with any fact from the cutoff on is kept whole.

Idempotent: a second run finds nothing older left to delete (only its audit entry is new), and a run
killed midway leaves committed batches deleted and the rest for the next run.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from api import audit
from api.db import Session, Sessionmaker
from api.privacy import repository
from api.reports import buckets, rollup

log = logging.getLogger(__name__)

BATCH = 200  # conversations per transaction: short locks, bounded cascades
MAX_BATCHES = 500  # per organization and run; what is left waits for tomorrow's run


@dataclass(frozen=True)
class RetentionRun:
    organization_id: uuid.UUID
    retention_days: int
    cutoff: datetime
    conversations: int
    messages: int
    kept_open: int
    complete: bool


def cutoff_for(now: datetime, retention_days: int) -> datetime:
    """The start of the hour `retention_days` before now: rollup hours are whole on either side."""
    return buckets.hour_floor(now - timedelta(days=retention_days))


async def freeze_rollups(session: Session, organization_id: uuid.UUID, cutoff: datetime) -> None:
    """Refold the hours before the cutoff still waiting for a fold, then move the freeze line there
    (never back: what was deleted before an earlier, later line is gone)."""
    await repository.wait_for_rollup_folds(session, rollup.FOLD_LOCK)
    row = await repository.settings_locked(session, organization_id)
    if row is None:
        return
    pending = await repository.pending_hours_before(session, organization_id, cutoff)
    if pending:
        await rollup.recompute(session, organization_id, pending)
    if row.rollups_frozen_before is None or row.rollups_frozen_before < cutoff:
        row.rollups_frozen_before = cutoff
    await session.flush()


async def apply(
    sessionmaker: Sessionmaker,
    organization_id: uuid.UUID,
    retention_days: int,
    now: datetime,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
) -> RetentionRun:
    cutoff = cutoff_for(now, retention_days)
    async with sessionmaker.begin() as session:
        await freeze_rollups(session, organization_id, cutoff)
    conversations = messages = 0
    complete = False
    for _ in range(max_batches):
        async with sessionmaker.begin() as session:
            ids = await repository.eligible(session, organization_id, cutoff, batch)
            if ids:
                messages += await repository.delete_conversations(session, organization_id, ids)
                conversations += len(ids)
        if len(ids) < batch:
            complete = True
            break
    async with sessionmaker.begin() as session:
        kept = await repository.kept_open(session, organization_id, cutoff)
        audit.record(
            session,
            None,
            organization_id,
            "privacy.retention_applied",
            "organization",
            None,
            {
                "retention_days": retention_days,
                "cutoff": cutoff.isoformat(),
                "conversations_deleted": conversations,
                "messages_deleted": messages,
                "kept_open": kept,
                "complete": complete,
            },
            actor_type="system",
        )
    return RetentionRun(organization_id, retention_days, cutoff, conversations, messages, kept, complete)


async def run(sessionmaker: Sessionmaker, now: datetime) -> list[RetentionRun]:
    """Apply every organization's retention period (organizations without one keep everything)."""
    async with sessionmaker() as session:
        orgs = await repository.configured(session)
    runs = []
    for organization_id, days in orgs:
        try:
            runs.append(await apply(sessionmaker, organization_id, days, now))
        except Exception:
            # One organization's failure must not stop the others; tomorrow's run retries it.
            log.exception("retention failed for organization %s", organization_id)
    return runs
