"""Sync loops that run beside the arq jobs in every worker process (like the SLA timer loop):

- the poll scheduler claims channels whose `next_poll_at` has come and polls each under an advisory
  lock (one poller per channel cluster-wide, freed at once if its process dies);
- the push processor wakes on `NOTIFY hourglass_sync` (sent when a push is stored) and also sweeps
  every second, so a lost notification or a flushed Redis delays a push by a second, never loses it.

State lives in Postgres (cursors in channels.sync_cursor, pushes in inbound_pushes): any number of
workers share the work, and a worker killed mid-page leaves nothing half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, OperationalError

if TYPE_CHECKING:
    from api.sync.runtime import SyncRuntime

# The sync services (connectors, HTTP, crypto) are imported when the loops start, after the worker
# has checked the schema: they add ~0.4 s to the import, which a worker should not spend before
# it can tell whether its database is there.

log = logging.getLogger(__name__)

SCHEDULER_TICK = 0.25
PUSH_SWEEP = 1.0
MAX_CONCURRENT_POLLS = 6
# A claimed channel is skipped by other workers this long (its poll then sets the real next time).
# Short on purpose: it only spreads work; if this worker dies, the channel is due again this soon
# (a longer poll is protected by its lease, and a worker that claims it meanwhile just skips it).
CLAIM_HOLD = timedelta(seconds=10)
PUSH_WORKERS = 4


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_poll_scheduler(rt: SyncRuntime, stop: asyncio.Event) -> None:
    from api.sync.state import claim_due_channels

    running: dict[uuid.UUID, asyncio.Task[Any]] = {}
    while not stop.is_set():
        try:
            free = MAX_CONCURRENT_POLLS - len(running)
            if free > 0:
                async with rt.sessionmaker.begin() as session:
                    due = await claim_due_channels(session, free, CLAIM_HOLD)
                for channel_id in due:
                    if channel_id not in running:
                        running[channel_id] = asyncio.create_task(_poll_safely(rt, channel_id, running))
        except (OperationalError, DBAPIError, OSError) as exc:
            log.warning("poll scheduler: database unavailable (%s); retrying", type(exc).__name__)
        await _sleep(stop, SCHEDULER_TICK)
    for task in list(running.values()):
        task.cancel()
    await asyncio.gather(*running.values(), return_exceptions=True)


async def _poll_safely(rt: SyncRuntime, channel_id: uuid.UUID, running: dict[uuid.UUID, Any]) -> None:
    from api.sync import polling

    try:
        outcome = await polling.poll_channel(rt, channel_id)
        if outcome.created:
            log.info("channel %s: %d new messages (%d pages)", channel_id, outcome.created, outcome.pages)
    except asyncio.CancelledError:
        raise
    except Exception:
        # A bug or an unreachable database must not kill the scheduler, nor make it spin on one channel.
        log.exception("polling channel %s failed", channel_id)
        await polling.defer(rt, channel_id, 5.0)
    finally:
        running.pop(channel_id, None)


async def run_push_processor(rt: SyncRuntime, stop: asyncio.Event) -> None:
    from api.sync import pushes

    wake = asyncio.Event()
    listener = asyncio.create_task(_listen(rt, wake, stop))
    try:
        while not stop.is_set():
            wake.clear()
            touched: set[uuid.UUID] = set()
            try:
                # A few claimers in parallel: pushes for different conversations do not wait on each other.
                while not stop.is_set():
                    done = await asyncio.gather(*(pushes.process_next(rt) for _ in range(PUSH_WORKERS)))
                    touched |= {c for c in done if c is not None}
                    if not any(done):
                        break
                await pushes.mark_synced(rt, touched)
            except (OperationalError, DBAPIError, OSError) as exc:
                log.warning("push processor: database unavailable (%s); retrying", type(exc).__name__)
            except Exception:
                log.exception("push processing failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=PUSH_SWEEP)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def _listen(rt: SyncRuntime, wake: asyncio.Event, stop: asyncio.Event) -> None:
    """LISTEN on a connection of its own; reconnect after a database restart."""
    from api.sync import pushes

    while not stop.is_set():
        try:
            async with rt.engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection

                def notified(*_: object) -> None:
                    wake.set()

                await driver.add_listener(pushes.NOTIFY_CHANNEL, notified)
                try:
                    while not stop.is_set() and not driver.is_closed():
                        await _sleep(stop, 5.0)
                finally:
                    with contextlib.suppress(Exception):
                        await driver.remove_listener(pushes.NOTIFY_CHANNEL, notified)
                    await conn.invalidate()  # never hand a listening connection back to the pool
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("push listener: %s; reconnecting", type(exc).__name__)
            await _sleep(stop, 1.0)


def start(ctx: dict[str, Any]) -> None:
    """Start the sync and delivery loops in this worker (called from workers.context.startup)."""
    from api.kit.crypto import CredentialCipher
    from api.kit.outbound import policy_for
    from api.sync.runtime import SyncRuntime
    from workers.tasks.delivery import run_delivery_loop

    settings = ctx["settings"]
    rt = SyncRuntime(
        ctx["engine"],
        ctx["sessionmaker"],
        CredentialCipher(settings.secret_key.get_secret_value()),
        outbound=policy_for(settings.outbound_allowed),
    )
    ctx["sync_runtime"] = rt
    ctx["sync_loops"] = [
        asyncio.create_task(run_poll_scheduler(rt, ctx["stop"])),
        asyncio.create_task(run_push_processor(rt, ctx["stop"])),
        asyncio.create_task(run_delivery_loop(rt, ctx["stop"])),
    ]


async def stop(ctx: dict[str, Any]) -> None:
    loops = ctx.pop("sync_loops", [])
    if loops:
        await asyncio.wait(loops, timeout=40)
    rt = ctx.pop("sync_runtime", None)
    if rt is not None:
        await rt.aclose()


async def sync_channel_job(ctx: dict[str, Any], channel_id: str) -> dict[str, Any]:
    """Poll one channel now (arq job; the API's sync trigger sets next_poll_at instead)."""
    from api.sync import polling

    outcome = await polling.poll_channel(ctx["sync_runtime"], uuid.UUID(channel_id))
    return {"created": outcome.created, "duplicates": outcome.duplicates, "error": outcome.error}


async def purge_pushes_job(ctx: dict[str, Any]) -> int:
    """Processed pushes are kept 30 days (for audit and replay), then deleted."""
    from api.sync import pushes

    async with ctx["sessionmaker"].begin() as session:
        return await pushes.purge_processed(session)
