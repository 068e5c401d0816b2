"""ERP pushes to one channel that arrive together are stored together (group commit).

Each push (`POST /v1/channels/{id}/messages`) used to be a transaction of its own: the store call, the
SLA statement, the outbox insert, the statement triggers and a commit, for one message. Measured on
this machine kind, PostgreSQL spent 3.6-5.6 ms of CPU per pushed message that way, against 0.76 ms per
message for the same calls made for a page of 100 (benchmarks/inbound_push.py, benchmarks/sync.py).

So a push that arrives while a batch of its channel is being stored waits for that batch and goes in
with the next one: `receive_many` decides the batch as if its messages came one by one in the order
they arrived (api/message/pipeline.py), one transaction commits it, and every request gets its own
`Decision`, after the commit (a 2xx is never sent for a message that is not stored). A push that finds
nothing in flight is stored at once: nothing waits on a timer, so a lone push costs what it did, and
batches grow only with the load.

One batch per channel at a time, in each API process: a channel's pushes are stored in the order they
arrived, and two batches of one process never lock the same conversations in different orders (pushes
from other processes interleave by row lock, as before).

A batch that fails is retried one push at a time, each in its own transaction, so a message that
cannot be stored fails its own request only. What concerns the channel (unknown to the caller's
organization, disabled) is the same answer for every push of the batch and is given to each.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from api.channel import repository as channel_repository
from api.db import Sessionmaker
from api.kit.errors import HourglassError
from api.message.inbound import InboundMessage
from api.message.pipeline import Decision, ensure_active, receive_many
from api.ops.metrics import PUSH_BATCH_SIZE

log = logging.getLogger(__name__)

# Pushes stored per transaction at most: the size of a poll page, for which the pipeline is measured.
MAX_BATCH = 100

Key = tuple[uuid.UUID, uuid.UUID]  # (organization id, channel id)


@dataclass(eq=False)
class _Push:
    inbound: InboundMessage
    done: asyncio.Future[Decision] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def resolve(self, decision: Decision) -> None:
        if not self.done.done():  # the request may have been cancelled meanwhile
            self.done.set_result(decision)

    def fail(self, exc: BaseException) -> None:
        if not self.done.done():
            self.done.set_exception(exc)


class _ChannelRefused(Exception):
    """The channel's own answer (not found, disabled), the same for every push of the batch."""

    def __init__(self, error: HourglassError) -> None:
        super().__init__(str(error))
        self.error = error


class PushBatcher:
    def __init__(self, sessionmaker: Sessionmaker, *, max_batch: int = MAX_BATCH) -> None:
        self._maker = sessionmaker
        self._max_batch = max_batch
        # Pushes waiting per channel; a key is present while its drain task runs.
        self._queues: dict[Key, list[_Push]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def receive(self, organization_id: uuid.UUID, channel_id: uuid.UUID, inbound: InboundMessage) -> Decision:
        """Store `inbound` in the organization's channel; returns once its batch has committed."""
        key = (organization_id, channel_id)
        push = _Push(inbound)
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(push)
        else:
            self._queues[key] = [push]
            # A context of its own: the batch serves several requests and must not carry the first one's
            # context variables (e.g. its buyer-data masking flag) into the others' work.
            task = asyncio.create_task(
                self._drain(key), name=f"push-batches-{channel_id}", context=contextvars.Context()
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Shielded: a request cancelled while it waits must not cancel the batch's result for others.
        try:
            return await asyncio.shield(push.done)
        except asyncio.CancelledError:
            # Nobody reads this push's outcome now: take it when it comes, so a failure is not reported
            # as an exception never retrieved.
            push.done.add_done_callback(lambda done: done.cancelled() or done.exception())
            raise

    async def close(self) -> None:
        """Let the batches in flight finish (the requests waiting on them are answered)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _drain(self, key: Key) -> None:
        batch: list[_Push] = []
        try:
            while True:
                queue = self._queues[key]
                if not queue:
                    # No await between this check and the removal: a push arriving later starts a new drain.
                    del self._queues[key]
                    return
                batch, self._queues[key] = queue[: self._max_batch], queue[self._max_batch :]
                PUSH_BATCH_SIZE.observe(len(batch))
                await self._store(key, batch)
                batch = []
        except BaseException as exc:
            # Cancelled (shutdown) or a bug: nobody may wait forever on a push this task held.
            for push in [*batch, *self._queues.pop(key, [])]:
                push.fail(exc if isinstance(exc, Exception) else RuntimeError("the push batch was cancelled"))
            raise

    async def _store(self, key: Key, batch: Sequence[_Push]) -> None:
        try:
            decisions = await self._transaction(key, [p.inbound for p in batch])
        except _ChannelRefused as refused:
            for push in batch:
                push.fail(refused.error)
            return
        except Exception as exc:
            if len(batch) == 1:
                batch[0].fail(exc)
                return
            log.warning("push batch of %d failed (%s); storing its pushes one by one", len(batch), type(exc).__name__)
            for push in batch:
                await self._store(key, [push])
            return
        for push, decision in zip(batch, decisions, strict=True):
            push.resolve(decision)

    async def _transaction(self, key: Key, inbounds: list[InboundMessage]) -> list[Decision]:
        organization_id, channel_id = key
        async with self._maker.begin() as session:
            try:
                channel = await channel_repository.get(session, organization_id, channel_id)
                ensure_active(channel)
            except HourglassError as exc:
                raise _ChannelRefused(exc) from exc
            return await receive_many(session, channel, inbounds)
