"""A channel's sync state in `channels.sync_cursor` (JSONB): the connector's cursor under "poll",
the schedule ("next_poll_at", "failures"), the read-sync watermark, marketplace metrics, and
"reconnect" when the marketplace needs the seller to reconnect granting a permission (polling
stops until the credentials are replaced or a sync is asked for). Written with a JSONB merge (`||`),
so the poller, the push handler and the API never overwrite each other's keys."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, cast, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from api.channel.connectors.base import ConnectorError, MissingScope, in_our_words
from api.channel.connectors.registry import CONNECTORS
from api.kit.time import utc_now
from api.models import Channel

MAX_BACKOFF = timedelta(minutes=15)


def next_poll_column() -> Any:
    return func.coalesce(
        cast(Channel.sync_cursor["next_poll_at"].astext, DateTime(timezone=True)),
        text("'-infinity'::timestamptz"),
    )


def _pollable() -> Any:
    """Channels the scheduler may poll: active, with credentials, a connector, and not waiting for
    the seller to reconnect (a missing permission no retry can add)."""
    return (
        Channel.status == "active",
        Channel.credentials_encrypted.is_not(None),
        Channel.marketplace.in_(list(CONNECTORS)),
        Channel.sync_cursor["reconnect"].astext.is_(None),
    )


def reconnect_state(exc: ConnectorError, name: str, now: datetime) -> dict[str, Any] | None:
    """The "reconnect" entry a connector error calls for, or None when retrying may help. The
    reason is in our words (the scopes the connector needs), never the marketplace's text."""
    if not isinstance(exc, MissingScope):
        return None
    return {"scopes": list(exc.scopes), "reason": in_our_words(exc, name), "since": now.isoformat()}


def _merged(state: dict[str, Any]) -> dict[str, Any]:
    """Column values that merge `state` into the channel's sync state. Sync bookkeeping is not a
    change of the channel's configuration: `updated_at` stays."""
    return {
        "sync_cursor": func.coalesce(Channel.sync_cursor, text("'{}'::jsonb")).op("||")(literal(state, JSONB)),
        "updated_at": Channel.updated_at,
    }


async def patch(session: AsyncSession, channel_id: uuid.UUID, state: dict[str, Any], **columns: Any) -> None:
    await session.execute(update(Channel).where(Channel.id == channel_id).values(**_merged(state), **columns))


async def claim_due_channels(session: AsyncSession, limit: int, hold: timedelta) -> list[uuid.UUID]:
    """Due channels for this worker: each one's next poll is pushed `hold` ahead as it is claimed
    (the poll sets the real one when it ends), so other workers' lists skip it and move on to the
    next channels instead of all taking the same earliest ones. SKIP LOCKED: no waiting on a row
    another worker is claiming; a worker that dies mid-poll delays that channel by `hold` at most."""
    due = (
        select(Channel.id)
        .where(*_pollable(), next_poll_column() <= func.now())
        .order_by(next_poll_column())
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await session.execute(
        update(Channel)
        .where(Channel.id.in_(due))
        .values(**_merged({"next_poll_at": (utc_now() + hold).isoformat()}))
        .returning(Channel.id)
    )
    return list(rows.scalars())


async def seconds_to_next_poll(session: AsyncSession) -> float | None:
    """Seconds until the earliest channel falls due for its next poll (negative: overdue; None: no
    channel to poll)."""
    return (
        await session.execute(
            select(func.extract("epoch", func.min(next_poll_column()) - func.now())).where(*_pollable())
        )
    ).scalar_one_or_none()


def backoff(interval: float, failures: int, retry_after: float | None) -> timedelta:
    delay = min(timedelta(seconds=interval * 2 ** min(failures, 12)), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def iso(value: datetime) -> str:
    return value.isoformat()
