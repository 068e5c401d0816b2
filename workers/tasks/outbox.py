"""The outbox relay loop (beside the arq jobs, like the SLA timer loop): see api/realtime/relay.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.realtime.relay import announce_reconnect, relay_once

log = logging.getLogger(__name__)

BATCH = 500
IDLE_SLEEP = 0.05  # an empty poll on the partial index costs ~0.1 ms; lag stays well under a second


async def run_relay_loop(
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    stop: asyncio.Event,
    *,
    jobs: Any = None,
    wake_dispatcher: asyncio.Event | None = None,
) -> None:
    """Relay batches until stopped. After Redis refused a batch, the next successful publish is
    preceded by a request to every API process to reconnect its sockets (they catch up from
    PostgreSQL), so nothing committed while Redis was away is lost to a live socket."""
    missed_publish = False
    while not stop.is_set():
        delay = IDLE_SLEEP
        try:
            if missed_publish:
                with contextlib.suppress(RedisError, OSError):
                    await announce_reconnect(redis, "events were relayed while Redis was unreachable")
                    missed_publish = False
            async with sessionmaker.begin() as session:
                result = await relay_once(session, redis, limit=BATCH, jobs=jobs)
            if not result.published:
                missed_publish = True
                delay = 1.0
            if result.deliveries and wake_dispatcher is not None:
                wake_dispatcher.set()
            if result.events == BATCH:
                continue
        except (RedisError, OSError) as exc:
            log.warning("outbox relay: Redis unavailable (%s); retrying", type(exc).__name__)
            delay = 1.0
        except (OperationalError, DBAPIError) as exc:
            log.warning("outbox relay: database unavailable (%s); retrying", type(exc).__name__)
            delay = 1.0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
