"""The clean-up of unsent uploads: an agent's upload that, a grace period after it was uploaded, no
reply lists and no case links was left behind (a draft abandoned, a file picked by mistake). Its row
goes, and its bytes too unless another row (any organization: the store is content-addressed) holds
the same content.

Each upload is looked at once after its grace period: in use, it is marked settled and never looked at
again (unlinking it from a case clears the mark, see repository.unlink_from_case); unused, deleted.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.attachment import repository
from api.attachment.store import FileStore
from api.db import Sessionmaker

log = logging.getLogger(__name__)

BATCH = 200
# A file stored (or stored again by an upload of the same content) this recently is kept even when no
# committed row holds it: the row of an upload in flight may be about to commit. Requests are bounded
# far below this; a file kept by it is looked at again when another upload of it goes.
RECENT_SECONDS = 3600.0


@dataclass
class Swept:
    settled: int = 0
    deleted: int = 0
    files_removed: int = 0

    @property
    def examined(self) -> int:
        return self.settled + self.deleted


async def sweep(
    sessionmaker: Sessionmaker,
    store: FileStore,
    grace: timedelta,
    now: datetime,
    *,
    batch: int = BATCH,
) -> Swept:
    """One batch of uploads past their grace period, in one transaction (rows claimed with SKIP
    LOCKED: workers share the queue)."""
    swept = Swept()
    async with sessionmaker.begin() as session:
        rows = await repository.claim_unsettled_uploads(session, now - grace, batch)
        freed: set[str] = set()
        for row in rows:
            if await repository.upload_in_use(session, row):
                row.settled_at = now
                swept.settled += 1
                continue
            await repository.delete_attachment(session, row)
            swept.deleted += 1
            if row.sha256:
                freed.add(row.sha256)
        await session.flush()
        unreferenced = [sha for sha in sorted(freed) if not await repository.content_referenced(session, sha)]
    # After the commit (a rolled-back sweep removes nothing). A row that another transaction committed
    # meanwhile with the same content stored its bytes again, recently: `remove_unless_recent` keeps them.
    for sha in unreferenced:
        if await asyncio.to_thread(store.remove_unless_recent, sha, RECENT_SECONDS):
            swept.files_removed += 1
    if swept.deleted:
        log.info(
            "attachment clean-up: %d unsent upload(s) deleted, %d file(s) removed", swept.deleted, swept.files_removed
        )
    return swept
