"""A channel's sync state in `channels.sync_cursor` (JSONB): the connector's cursor under "poll",
the schedule ("next_poll_at", "failures"), the read-sync watermark, marketplace metrics, and
"reconnect" when the marketplace needs the seller to reconnect granting a permission (polling
stops until the credentials are replaced or a sync is asked for). Written with a JSONB merge (`||`),
so the poller, the push handler and the API never overwrite each other's keys."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from api.channel.connectors.base import ConnectorError, MissingScope, in_our_words
from api.channel.connectors.registry import CONNECTORS
from api.db import Session
from api.kit.time import utc_now
from api.sync import repository

MAX_BACKOFF = timedelta(minutes=15)


def reconnect_state(exc: ConnectorError, name: str, now: datetime) -> dict[str, Any] | None:
    """The "reconnect" entry a connector error calls for, or None when retrying may help. The
    reason is in our words (the scopes the connector needs), never the marketplace's text."""
    if not isinstance(exc, MissingScope):
        return None
    return {"scopes": list(exc.scopes), "reason": in_our_words(exc, name), "since": now.isoformat()}


async def patch(session: Session, channel_id: uuid.UUID, state: dict[str, Any], **columns: Any) -> None:
    await repository.patch_sync_state(session, channel_id, state, **columns)


async def claim_due_channels(session: Session, limit: int, hold: timedelta) -> list[uuid.UUID]:
    """Due channels for this worker: each one's next poll is pushed `hold` ahead as it is claimed
    (the poll sets the real one when it ends), so other workers' lists skip it and move on to the
    next channels instead of all taking the same earliest ones. SKIP LOCKED: no waiting on a row
    another worker is claiming; a worker that dies mid-poll delays that channel by `hold` at most.
    Only channels the scheduler may poll: active, with credentials and a connector, and not waiting
    for the seller to reconnect (a missing permission no retry can add)."""
    return await repository.claim_due_channels(session, CONNECTORS, limit, (utc_now() + hold).isoformat())


async def seconds_to_next_poll(session: Session) -> float | None:
    """Seconds until the earliest channel falls due for its next poll (negative: overdue; None: no
    channel to poll)."""
    return await repository.seconds_to_next_poll(session, CONNECTORS)


def next_poll(started: datetime, finished: datetime, interval: float, more: bool) -> datetime:
    """When a channel is polled next after a successful poll that began at `started` and ended at
    `finished`: at once while the marketplace has more pages; else at a fixed rate, one interval
    after the last poll began (not after it ended: a message that arrived just after a page was read
    waits one interval, not one interval plus the poll's own time), and never in the past."""
    if more:
        return finished
    return max(started + timedelta(seconds=interval), finished)


def backoff(interval: float, failures: int, retry_after: float | None) -> timedelta:
    delay = min(timedelta(seconds=interval * 2 ** min(failures, 12)), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def iso(value: datetime) -> str:
    return value.isoformat()
