"""Delivers push notifications to each store's target URL and records every attempt in the truth.

A duplicate (fault `duplicate_pushes`) is the same notification, same id, sent again, as a
marketplace does when it did not see the acknowledgement. A dropped push (fault `drop_pushes_*`)
is recorded as attempt 0 and never sent: the consumer has to notice through polling.

Retries follow the marketplace's documented schedule, multiplied by `push_retry_scale`:
TikTok retries 2 min, 30 min, 3 h and 12 h after a failure and accepts 200 or 401 as an answer.
eBay's and Shopee's retry schedules are not documented (UNVERIFIED), so they are sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from sandbox.truth import PushRecord

if TYPE_CHECKING:
    from sandbox.state import SandboxState

RETRY_SCHEDULES: dict[str, tuple[float, ...]] = {"tiktok": (120.0, 1800.0, 10800.0, 43200.0)}
ACKNOWLEDGED: dict[str, frozenset[int]] = {"tiktok": frozenset({200, 401})}


@dataclass
class PushJob:
    push_id: str
    marketplace: str
    store_id: str
    event: str
    message_id: str | None
    thread_id: str | None
    url: str
    # attempt number -> (raw body, headers); the body may carry the attempt count (eBay does).
    render: Callable[[int], tuple[bytes, dict[str, str]]]
    # Called with the body when the push was dropped or every attempt failed (Shopee keeps those
    # for v2.push.get_lost_push_message).
    on_lost: Callable[[bytes], None] | None = None


class PushDispatcher:
    def __init__(self, state: SandboxState, timeout_seconds: float, retry_scale: float) -> None:
        self._state = state
        self._timeout = timeout_seconds
        self._retry_scale = retry_scale
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        # trust_env=False: a proxy configured in the environment must not swallow loopback pushes.
        self._client = httpx.AsyncClient(timeout=self._timeout, trust_env=False)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def drain(self, wait_seconds: float = 10.0) -> None:
        """Wait until every push in flight has been delivered (or given up); tests use this."""
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while self._tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await asyncio.wait(list(self._tasks), timeout=remaining)

    def submit(self, job: PushJob) -> None:
        state = self._state
        copies = state.faults.push_copies(job.marketplace, job.store_id)
        if copies == 0:
            self._record(job, attempt=0, duplicate=False, status=None, error="dropped by fault")
            if job.on_lost is not None:
                job.on_lost(job.render(1)[0])
            return
        for copy in range(copies):
            task = asyncio.get_running_loop().create_task(self._deliver(job, duplicate=copy > 0))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, job: PushJob, duplicate: bool) -> None:
        schedule = RETRY_SCHEDULES.get(job.marketplace, ())
        ok_statuses = ACKNOWLEDGED.get(job.marketplace)
        attempt = 1
        while True:
            body, headers = job.render(attempt)
            status: int | None = None
            error: str | None = None
            try:
                assert self._client is not None
                response = await self._client.post(job.url, content=body, headers=headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            self._record(job, attempt=attempt, duplicate=duplicate, status=status, error=error)
            delivered = status is not None and (status in ok_statuses if ok_statuses else 200 <= status < 300)
            if delivered:
                return
            if attempt > len(schedule):
                if job.on_lost is not None and not duplicate:
                    job.on_lost(body)
                return
            await asyncio.sleep(schedule[attempt - 1] * self._retry_scale)
            attempt += 1

    def _record(self, job: PushJob, *, attempt: int, duplicate: bool, status: int | None, error: str | None) -> None:
        self._state.truth.pushes.append(
            PushRecord(
                push_id=job.push_id,
                marketplace=job.marketplace,
                store_id=job.store_id,
                event=job.event,
                message_id=job.message_id,
                thread_id=job.thread_id,
                url=job.url,
                attempt=attempt,
                duplicate=duplicate,
                status_code=status,
                error=error,
                at=self._state.clock.now(),
            )
        )
