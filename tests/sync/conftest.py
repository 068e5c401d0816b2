"""Sync tests: a real sandbox in-process, the app on a real port (the sandbox pushes to it), and the
sync services driven directly (the worker process is exercised in test_faults)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from api.kit.outbound import OutboundPolicy
from api.sync import delivery, polling, pushes
from sandbox import Sandbox
from tests.connectors.helpers import channel_body, sandbox_config
from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(sandbox_config(push_retry_scale=0.01)) as sandbox:
        yield sandbox


@pytest.fixture
async def rt(app, engine, sessionmaker, settings) -> AsyncIterator[SyncRuntime]:  # type: ignore[no-untyped-def]
    runtime = SyncRuntime(engine, sessionmaker, app.state.cipher, outbound=OutboundPolicy(settings.outbound_allowed))
    yield runtime
    await runtime.aclose()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


@pytest.fixture
async def live_url(app) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The app on a loopback port, so the sandbox can push to it."""
    # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on such sockets (else every keep-alive
    # response waits ~40 ms on the peer's delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def connect(client: Any, sb: Sandbox, marketplace: str, **settings: Any) -> dict[str, Any]:
    """Create the Hourglass channel for the sandbox's store of `marketplace` through the API."""
    body = channel_body(sb, marketplace, **settings)
    r = await client.post("/v1/channels", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def push_to(sb: Sandbox, live_url: str, marketplace: str, channel: dict[str, Any]) -> None:
    sb.store(marketplace).push_target = f"{live_url}/v1/hooks/{marketplace}/{channel['id']}"


async def poll(rt: SyncRuntime, channel: dict[str, Any]) -> polling.PollOutcome:
    import uuid

    return await polling.poll_channel(rt, uuid.UUID(channel["id"]))


async def process_pushes(rt: SyncRuntime) -> int:
    done = 0
    touched = set()
    while (channel_id := await pushes.process_next(rt)) is not None:
        touched.add(channel_id)
        done += 1
    await pushes.mark_synced(rt, touched)
    return done


async def deliver_all(rt: SyncRuntime, rounds: int = 1) -> list[delivery.Outcome]:
    outcomes = []
    for _ in range(rounds):
        for message_id in await delivery.claim(rt, 100):
            outcomes.append(await delivery.deliver(rt, message_id))
    return outcomes
