"""The outbox relay loop (run by workers/loops.py, woken by NOTIFY hourglass_outbox): see api/outbox/relay.py.

The relay is the one place that sees every event as it commits, so it also wakes the loops of this
process that act on them: webhooks (deliveries were created), automation (a buyer message arrived) and
reply delivery (a reply was queued). Other workers' loops find the same work at their safety poll.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.db import Sessionmaker
from api.outbox.relay import announce_reconnect, relay_once
from workers.loops import MORE, OUTBOX, Loop, StepResult

log = logging.getLogger(__name__)

BATCH = 500
POLL = 10.0  # safety poll only: every outbox insert notifies at commit
REDIS_RETRY = 1.0
# event type -> the loop that has work when it is relayed
WAKES = {"message.received": "automation", "message.queued": "delivery"}


class Relay:
    """After Redis refused a batch, the next successful publish is preceded by a request to every API
    process to reconnect its sockets (they catch up from PostgreSQL), so nothing committed while Redis
    was away is lost to a live socket."""

    def __init__(
        self,
        sessionmaker: Sessionmaker,
        redis: Redis,
        *,
        jobs: Any = None,
        wake: Callable[[str], None] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.redis = redis
        self.jobs = jobs
        self.wake = wake
        self.missed_publish = False

    async def step(self) -> StepResult:
        if self.missed_publish:
            with contextlib.suppress(RedisError, OSError):
                await announce_reconnect(self.redis, "events were relayed while Redis was unreachable")
                self.missed_publish = False
        async with self.sessionmaker.begin() as session:
            result = await relay_once(session, self.redis, limit=BATCH, jobs=self.jobs)
        if self.wake is not None:
            if result.deliveries:
                self.wake("webhooks")
            for event_type in result.event_types:
                if event_type in WAKES:
                    self.wake(WAKES[event_type])
        if not result.published:
            self.missed_publish = True
            return REDIS_RETRY
        return MORE if result.events == BATCH else None


def relay_loop(relay: Relay) -> Loop:
    return Loop("relay", relay.step, channels=(OUTBOX,), poll=POLL)
