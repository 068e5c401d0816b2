"""Sync loops run by workers/loops.py in every worker process:

- the poll scheduler claims channels whose `next_poll_at` has come and polls each under an advisory
  lock (one poller per channel cluster-wide, freed at once if its process dies); between claims it
  sleeps until the next channel falls due, woken early by NOTIFY hourglass_channels (a channel was
  added or its sync state changed, e.g. "sync now");
- the push processor wakes on `NOTIFY hourglass_sync` (sent when a push is stored) and also sweeps
  every few seconds, so a lost notification or a flushed Redis delays a push, never loses it.

State lives in Postgres (cursors in channels.sync_cursor, pushes in inbound_pushes): any number of
workers share the work, and a worker killed mid-page leaves nothing half-done.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from workers.loops import CHANNELS, Loop, LoopRunner, StepResult

if TYPE_CHECKING:
    from api.sync.runtime import SyncRuntime

# The sync services (connectors, HTTP, crypto) are imported when the loops start, after the worker
# has checked the schema: they add ~0.4 s to the import, which a worker should not spend before
# it can tell whether its database is there.

log = logging.getLogger(__name__)

# Sleep bounds of the scheduler: due channels that could not be claimed (locked by another worker)
# are looked at again after MIN_WAIT; MAX_WAIT is the safety poll.
MIN_WAIT = 0.25
MAX_WAIT = 30.0
PUSH_SWEEP = 5.0
MAX_CONCURRENT_POLLS = 6
# A claimed channel is skipped by other workers this long (its poll then sets the real next time).
# Short on purpose: it only spreads work; if this worker dies, the channel is due again this soon
# (a longer poll is protected by its lease, and a worker that claims it meanwhile just skips it).
CLAIM_HOLD = timedelta(seconds=10)
PUSH_WORKERS = 4


class PollScheduler:
    def __init__(self, rt: SyncRuntime) -> None:
        self.rt = rt
        self.running: dict[uuid.UUID, asyncio.Task[Any]] = {}
        self.loop = Loop("sync_polls", self.step, channels=(CHANNELS,), poll=MAX_WAIT, drain=self.drain)

    async def step(self) -> StepResult:
        from api.sync.state import claim_due_channels, seconds_to_next_poll

        free = MAX_CONCURRENT_POLLS - len(self.running)
        if free > 0:
            async with self.rt.sessionmaker.begin() as session:
                due = await claim_due_channels(session, free, CLAIM_HOLD)
            for channel_id in due:
                if channel_id not in self.running:
                    self.running[channel_id] = asyncio.create_task(self._poll_safely(channel_id))
        if len(self.running) >= MAX_CONCURRENT_POLLS:
            return None  # a poll that ends frees a slot and wakes the loop
        async with self.rt.sessionmaker() as session:
            wait = await seconds_to_next_poll(session)
        return None if wait is None else min(MAX_WAIT, max(MIN_WAIT, float(wait)))

    async def drain(self) -> None:
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)

    async def _poll_safely(self, channel_id: uuid.UUID) -> None:
        from api.sync import polling

        try:
            outcome = await polling.poll_channel(self.rt, channel_id)
            if outcome.created:
                log.info("channel %s: %d new messages (%d pages)", channel_id, outcome.created, outcome.pages)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug or an unreachable database must not kill the scheduler, nor make it spin on one channel.
            log.exception("polling channel %s failed", channel_id)
            await polling.defer(self.rt, channel_id, 5.0)
        finally:
            self.running.pop(channel_id, None)
            self.loop.wake.set()


def push_loop(rt: SyncRuntime) -> Loop:
    from api.sync import pushes

    async def step() -> StepResult:
        touched: set[uuid.UUID] = set()
        # A few claimers in parallel: pushes for different conversations do not wait on each other.
        while True:
            done = await asyncio.gather(*(pushes.process_next(rt) for _ in range(PUSH_WORKERS)))
            touched |= {c for c in done if c is not None}
            if not any(done):
                break
        await pushes.mark_synced(rt, touched)
        return None

    return Loop("sync_pushes", step, channels=(pushes.NOTIFY_CHANNEL,), poll=PUSH_SWEEP)


def start(runner: LoopRunner, ctx: dict[str, Any]) -> None:
    """Register the sync and delivery loops of this worker (called from workers.context.startup)."""
    from api.kit.crypto import CredentialCipher
    from api.kit.outbound import policy_for
    from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime
    from workers.tasks.delivery import delivery_loop

    settings = ctx["settings"]
    rt = SyncRuntime(
        ctx["engine"],
        ctx["sessionmaker"],
        CredentialCipher(settings.secret_key.get_secret_value()),
        outbound=policy_for(settings.outbound_allowed, ca_file=settings.outbound_ca_file),
        bounce_window_seconds=settings.mail_bounce_window_seconds,
    )
    ctx["sync_runtime"] = rt
    runner.add(PollScheduler(rt).loop)
    runner.add(push_loop(rt))
    runner.add(delivery_loop(rt))


async def stop(ctx: dict[str, Any]) -> None:
    """Close what the sync loops share (after the runner has stopped them)."""
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
