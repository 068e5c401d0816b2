"""Fault tests with real worker processes (`python -m hourglass worker`), counted against the
sandbox's ground truth:

- a worker killed with SIGKILL mid-page while it polls five marketplaces (small pages, so the kill
  lands between a page's fetch and its commit), then a fresh worker: every buyer message the
  sandbox sent is in Postgres exactly once;
- a worker killed with SIGKILL while delivering a batch of replies through a 429 storm, with Redis
  flushed on top: every reply reaches the marketplace; exactly once on the API marketplaces (an
  ambiguous send is looked up before it is repeated), at least once by mail relay.

The workers use a database of their own on the test server and a Redis database of their own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.auth import service as auth_service
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.kit.crypto import CredentialCipher
from api.message.outbound import queue_reply
from api.models import Channel, Conversation, Message
from sandbox import Sandbox
from tests.connectors.helpers import channel_body, sandbox_config

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sync-fault-test-secret-key-0123456789abcdef"
MARKETPLACES = ("ebay", "shopee", "tiktok", "amazon", "walmart")
# Three worker processes start here; on a loaded 2-core machine that alone can take a minute.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]


@pytest.fixture(scope="module")
def stack_urls(service_urls):  # type: ignore[no-untyped-def]
    base = make_url(service_urls[0])
    name = "hourglass_test_sync_faults"

    async def recreate() -> None:
        admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()

    asyncio.run(recreate())
    url = base.set(database=name).render_as_string(hide_password=False)
    from api.ops.migrations import upgrade

    upgrade(url)
    redis = service_urls[1].rsplit("/", 1)[0] + "/11"
    return url, redis


class Workers:
    def __init__(self, db_url: str, redis_url: str, logs: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")} | {
            "HOURGLASS_DATABASE_URL": db_url,
            "HOURGLASS_REDIS_URL": redis_url,
            "HOURGLASS_SECRET_KEY": SECRET,
            "HOURGLASS_LOG_LEVEL": "WARNING",
            "HOURGLASS_OUTBOUND_ALLOWED": "127.0.0.0/8",  # the sandbox runs on loopback
        }
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"worker-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "hourglass", "worker"], cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


async def _wait(predicate, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_killed_workers_lose_and_duplicate_nothing(stack_urls, tmp_path):
    db_url, redis_url = stack_urls
    engine = create_engine(db_url, Settings(), pool_size=4)
    maker = create_sessionmaker(engine)
    cipher = CredentialCipher(SECRET)
    workers = Workers(db_url, redis_url, tmp_path)
    async with Sandbox(sandbox_config(orders_per_store=20)) as sb:
        try:
            # -- setup: five channels, small pages, polled every half second ----------------------------
            async with maker.begin() as s:
                org = await auth_service.create_organization(s, "Sync faults")
                channels: dict[str, uuid.UUID] = {}
                for marketplace in MARKETPLACES:
                    body = channel_body(
                        sb,
                        marketplace,
                        page_budget=5,
                        poll_interval_seconds=0.5,
                        timeout_seconds=3,
                        delivery_backoff_seconds=0.3,
                        delivery_max_attempts=30,
                        # Mail replies count as delivered at the first read of the mailbox after
                        # the relay took them (the delivery loop's confirmation sweep).
                        bounce_window_seconds=0,
                    )
                    channel = Channel(
                        organization_id=org.id,
                        marketplace=marketplace,
                        name=body["name"],
                        settings=body["settings"],
                        credentials_encrypted=cipher.encrypt(body["credentials"]),
                        sync_cursor={},
                    )
                    s.add(channel)
                    await s.flush()
                    channels[marketplace] = channel.id
            assert sb.state.traffic is not None
            sb.state.traffic.burst(250)
            truth = sb.state.truth.buyer_messages
            expected = Counter(r.mail_message_id or r.message_id for r in truth)
            assert sum(expected.values()) == 250 + sum(
                1 for r in truth if not r.expects_reply and r.body.startswith("{")
            )

            async def ingested() -> int:
                async with maker() as s:
                    return int(
                        (
                            await s.execute(
                                select(func.count()).select_from(Message).where(Message.direction == "inbound")
                            )
                        ).scalar_one()
                    )

            # -- phase 1: SIGKILL mid-polling ---------------------------------------------------------------
            first = workers.start()
            await _wait(lambda: _above(ingested, 40), 60, "the first worker to ingest some messages")
            workers.kill(first)
            at_kill = await ingested()
            assert at_kill < len(expected), "the kill came too late to land mid-sync"
            workers.start()
            await _wait(lambda: _equals(ingested, len(expected)), 120, "every message to be ingested")
            async with maker() as s:
                rows = (
                    (await s.execute(select(Message.external_id).where(Message.direction == "inbound"))).scalars().all()
                )
            assert Counter(rows) == Counter({k: 1 for k in expected}), "lost or duplicated messages"

            # -- phase 2: SIGKILL mid-delivery, through a 429 storm, with Redis flushed ---------------------
            async with maker() as s:
                waiting = (
                    (await s.execute(select(Conversation.id).where(Conversation.waiting_since.is_not(None)).limit(60)))
                    .scalars()
                    .all()
                )
            bodies = {}
            # One transaction per reply, the conversation locked first, as the API does: the workers
            # are still running, and one transaction over 60 rows would deadlock with them.
            for i, conversation_id in enumerate(waiting):
                async with maker.begin() as s:
                    conversation = (
                        await s.execute(
                            select(Conversation).where(Conversation.id == conversation_id).with_for_update()
                        )
                    ).scalar_one()
                    message = await queue_reply(s, None, conversation, f"Reply {i}: thank you, it is on its way.")
                    bodies[message.id] = (conversation.marketplace, message.body)
            for marketplace in ("ebay", "shopee", "tiktok"):
                sb.set_fault(marketplace, rate_limit_per_second=4, rate_limit_burst=2, retry_after_seconds=1)

            async def sent() -> int:
                async with maker() as s:
                    return int(
                        (
                            await s.execute(
                                select(func.count()).select_from(Message).where(Message.delivery_status == "sent")
                            )
                        ).scalar_one()
                    )

            await _wait(lambda: _above(sent, 5), 60, "some replies to be sent")
            killed = workers.procs[-1]
            workers.kill(killed)
            redis = Redis.from_url(redis_url)
            await redis.flushdb()
            await redis.aclose()
            assert await sent() < len(bodies), "the kill came too late to land mid-delivery"
            workers.start()
            await _wait(lambda: _equals(sent, len(bodies)), 180, "every reply to be delivered")
            copies = Counter(r.body for r in sb.state.truth.seller_replies)
            for marketplace, body in bodies.values():
                if marketplace in ("amazon", "walmart"):
                    assert 1 <= copies[body] <= 2, (marketplace, body, copies[body])
                else:
                    assert copies[body] == 1, (marketplace, body, copies[body])
            async with maker() as s:
                failed = (
                    await s.execute(
                        select(func.count()).select_from(Message).where(Message.delivery_status == "failed")
                    )
                ).scalar_one()
            assert failed == 0
            doubled = sum(1 for _, body in bodies.values() if copies[body] > 1)
            print(
                f"\nkilled at {at_kill}/{len(expected)} messages; {len(bodies)} replies, {doubled} mail copies doubled"
            )
        finally:
            workers.close()
            await engine.dispose()


async def _above(counter, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await counter() > n


async def _equals(counter, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await counter() == n
