"""The reply delivery loop (run by workers/loops.py): claims queued replies on connector channels (SKIP
LOCKED, leased by advisory locks), sends them concurrently, records each outcome, and sweeps replies left
`sending` by a worker that died, and confirms mail-relay replies whose bounce window passed. See
api.sync.delivery for the retry and duplicate rules.

Woken by the relay when it relays "message.queued" and by a send that frees a slot; the safety poll
picks up retries that fall due with time and replies queued through another worker."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from api.sync import delivery
from api.sync.runtime import SyncRuntime
from workers.loops import MORE, Loop, StepResult

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 16
POLL = 2.0
RECOVERY_EVERY = 10.0


class Delivery:
    def __init__(self, rt: SyncRuntime) -> None:
        self.rt = rt
        self.in_flight: dict[uuid.UUID, asyncio.Task[delivery.Outcome]] = {}
        self.last_recovery = 0.0
        self.loop = Loop("delivery", self.step, poll=POLL, drain=self.drain)

    async def step(self) -> StepResult:
        if time.monotonic() - self.last_recovery >= RECOVERY_EVERY:
            self.last_recovery = time.monotonic()
            await delivery.recover_orphans(self.rt)
            await delivery.confirm_accepted(self.rt)
        free = MAX_IN_FLIGHT - len(self.in_flight)
        claimed = await delivery.claim(self.rt, free)
        for message_id in claimed:
            self.in_flight[message_id] = asyncio.create_task(self._deliver_safely(message_id))
        return MORE if claimed and len(claimed) == free else None

    async def drain(self) -> None:
        """Let sends in progress finish (their outcome must be recorded)."""
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=30)

    async def _deliver_safely(self, message_id: uuid.UUID) -> delivery.Outcome:
        try:
            return await delivery.deliver(self.rt, message_id)
        except Exception:
            # Left `sending`, its lease released: the recovery sweep re-queues it (as ambiguous).
            log.exception("delivering reply %s failed unexpectedly", message_id)
            return delivery.Outcome(message_id, "lost", "unexpected error")
        finally:
            self.in_flight.pop(message_id, None)
            self.loop.wake.set()  # a slot is free: there may be more queued behind it


def delivery_loop(rt: SyncRuntime) -> Loop:
    return Delivery(rt).loop
