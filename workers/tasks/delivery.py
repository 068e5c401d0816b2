"""The delivery loop beside the arq jobs: claims queued replies on connector channels (SKIP LOCKED,
leased by advisory locks), sends them concurrently, records each outcome, and sweeps replies left
`sending` by a worker that died. See api.sync.delivery for the retry and duplicate rules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from sqlalchemy.exc import DBAPIError, OperationalError

from api.sync import delivery
from api.sync.runtime import SyncRuntime

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 16
IDLE_SLEEP = 0.2
RECOVERY_EVERY = 2.0


async def run_delivery_loop(rt: SyncRuntime, stop: asyncio.Event) -> None:
    in_flight: dict[uuid.UUID, asyncio.Task[delivery.Outcome]] = {}
    last_recovery = 0.0
    while not stop.is_set():
        claimed: list[uuid.UUID] = []
        try:
            if time.monotonic() - last_recovery >= RECOVERY_EVERY:
                last_recovery = time.monotonic()
                await delivery.recover_orphans(rt)
            claimed = await delivery.claim(rt, MAX_IN_FLIGHT - len(in_flight))
        except (OperationalError, DBAPIError, OSError) as exc:
            log.warning("delivery loop: database unavailable (%s); retrying", type(exc).__name__)
        for message_id in claimed:
            in_flight[message_id] = asyncio.create_task(_deliver_safely(rt, message_id, in_flight))
        if not claimed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=IDLE_SLEEP)
    # Let sends in progress finish (their outcome must be recorded), then stop.
    if in_flight:
        await asyncio.wait(list(in_flight.values()), timeout=30)


async def _deliver_safely(
    rt: SyncRuntime, message_id: uuid.UUID, in_flight: dict[uuid.UUID, asyncio.Task[delivery.Outcome]]
) -> delivery.Outcome:
    try:
        return await delivery.deliver(rt, message_id)
    except Exception:
        # Left `sending`, its lease released: the recovery sweep re-queues it (as ambiguous).
        log.exception("delivering reply %s failed unexpectedly", message_id)
        return delivery.Outcome(message_id, "lost", "unexpected error")
    finally:
        in_flight.pop(message_id, None)
