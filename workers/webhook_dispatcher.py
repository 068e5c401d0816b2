"""The webhook dispatcher: sends due deliveries with bounded concurrency and records the outcomes in
batches, run by the worker's loop runner (workers/tasks/webhooks.py). One batch of work (claim, send,
record) is domain logic in api/webhook/delivery.py; see its docstring for leases, concurrency and order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import Counter
from datetime import datetime

from api.db import Sessionmaker
from api.kit.crypto import CredentialCipher
from api.kit.time import utc_now
from api.webhook.delivery import Claimed, Outcome, claim_due, record, send
from api.webhook.sender import PER_ENDPOINT, SendResult, WebhookSender

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends due deliveries with bounded concurrency, recording outcomes in batches."""

    def __init__(
        self,
        sessionmaker: Sessionmaker,
        sender: WebhookSender,
        cipher: CredentialCipher,
        *,
        concurrency: int = 200,
        per_endpoint: int = PER_ENDPOINT,
        # Safety poll: new deliveries wake the loop (the relay); retries fall due with time.
        idle_poll: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.sender = sender
        self.cipher = cipher
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.idle_poll = idle_poll
        self.rng = rng or random.Random()  # jitter, not secrecy
        self.wake = asyncio.Event()
        self._in_flight: Counter[uuid.UUID] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: list[Outcome] = []

    async def deliver_due(self, now: datetime | None = None, limit: int = 500) -> list[Outcome]:
        """Claim what is due at `now`, send it all, record the outcomes as of `now`; for tests and
        one-shot runs (the loop below streams instead)."""
        now = now or utc_now()
        async with self.sessionmaker.begin() as session:
            claimed = await claim_due(session, self.cipher, now, limit, per_endpoint=limit)
        results = await asyncio.gather(*(send(self.sender, c) for c in claimed))
        outcomes = [Outcome(c, r, now) for c, r in zip(claimed, results, strict=True)]
        async with self.sessionmaker.begin() as session:
            await record(session, outcomes, self.rng)
        return outcomes

    # The loop is run by the worker's loop runner (workers/tasks/webhooks.py): `step` once per round,
    # `drain` at shutdown. A finished request sets `wake`, so its outcome is recorded promptly.
    async def _deliver(self, c: Claimed) -> None:
        try:
            result = await send(self.sender, c)
        except Exception as exc:  # a bug must not lose the lease bookkeeping
            log.exception("webhook delivery %s crashed", c.id)
            result = SendResult(None, 0, "", "", f"internal error: {type(exc).__name__}")
        self._finished.append(Outcome(c, result, utc_now()))
        self._in_flight[c.endpoint_id] -= 1
        self.wake.set()

    async def step(self) -> float | None:
        """Record what finished, claim what is due; 0 when more may be due right now, else None (the
        runner sleeps until woken or `idle_poll`). Database errors propagate: the runner backs off."""
        in_flight, tasks, finished = self._in_flight, self._tasks, self._finished
        claimed: list[Claimed] = []
        if finished:
            batch, finished[:] = list(finished), []
            try:
                async with self.sessionmaker.begin() as session:
                    await record(session, batch, self.rng)
            except BaseException:
                finished[:0] = batch  # recorded nothing: try again next round
                raise
        free = self.concurrency - len(tasks)
        if free > 0:
            async with self.sessionmaker.begin() as session:
                claimed = await claim_due(
                    session, self.cipher, utc_now(), free, in_flight=in_flight, per_endpoint=self.per_endpoint
                )
        for c in claimed:
            in_flight[c.endpoint_id] += 1
            task = asyncio.create_task(self._deliver(c))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if claimed and len(claimed) == free:
            return 0.0  # more may be due right now
        return None

    async def drain(self) -> None:
        # Shutting down: let requests in flight finish (bounded by the sender's timeout), record them.
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self.sender.timeout + 1)
        if self._finished:
            with contextlib.suppress(Exception):
                async with self.sessionmaker.begin() as session:
                    await record(session, self._finished, self.rng)
