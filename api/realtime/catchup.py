"""Resuming a socket: what it missed since `seq`, read in one short transaction (no session stays
open with the socket).

The relay publishes to Redis before it commits, under an exclusive advisory lock. Catch-up first
takes the same lock in shared mode, which waits for a relay transaction in progress to finish; the
socket's subscription was confirmed before that, so an event is either committed by the time the
query runs (and replayed) or published after the subscription (and received live). The socket drops
live frames whose seq it already replayed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.db import Session
from api.realtime import repository
from api.realtime.frames import event_message


@dataclass
class CatchUp:
    start_seq: int  # the `seq` of the hello frame: later frames continue after it
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first, not yet filtered per user
    resync: bool = False  # too much or too old to replay: refetch from REST


async def catch_up(
    session: Session,
    organization_id: uuid.UUID,
    since: int | None,
    *,
    now: datetime,
    limit: int,
    max_age: timedelta,
) -> CatchUp:
    # A relay stuck mid-batch must not hang every reconnecting socket: give up (the client retries).
    await repository.wait_for_publishing(session)
    latest = await repository.latest_seq(session, organization_id)
    if since is None or since == latest:
        return CatchUp(start_seq=latest)
    if since > latest:  # a seq this organization never had (another database, a restore)
        return CatchUp(start_seq=latest, resync=True)
    if since > 0:
        # The resume point must be one of ours and recent: an unknown or purged seq cannot anchor.
        anchor = await repository.published_at_of(session, organization_id, since)
        if anchor is None or anchor < now - max_age:
            return CatchUp(start_seq=latest, resync=True)
    rows = await repository.published_after(session, organization_id, since, limit + 1)
    if len(rows) > limit or (rows and rows[0].published_at < now - max_age):
        return CatchUp(start_seq=latest, resync=True)
    return CatchUp(
        start_seq=since,
        messages=[event_message(r.event_type, r.seq, r.id, r.conversation_id, r.payload) for r in rows],
    )
