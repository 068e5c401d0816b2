"""Fault tests, bounded and on loopback: a worker killed with SIGKILL while tiers are due, Redis
flushed, PostgreSQL restarted (immediate shutdown). In each case every due timer fires exactly once.

Each test runs its own embedded PostgreSQL and Redis (under tmp_path) so restarting or flushing them
cannot disturb anything else.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, update

from api.auth import service as auth_service
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.message.inbound import InboundMessage
from api.message.pipeline import receive
from api.models import Channel, OutboxEvent, SlaTimer
from hourglass.embedded import start_embedded_postgres, start_embedded_redis, stop_embedded_redis

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = 300
pytestmark = pytest.mark.slow


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db_url = start_embedded_postgres(tmp)
        self.redis_url = start_embedded_redis(tmp)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")} | {
            "HOURGLASS_DATABASE_URL": self.db_url,
            "HOURGLASS_REDIS_URL": self.redis_url,
            "HOURGLASS_DATA_DIR": str(tmp),
            "HOURGLASS_LOG_LEVEL": "WARNING",
            # `hourglass migrate|worker` refuse the built-in development secret.
            "HOURGLASS_SECRET_KEY": "sla-fault-test-secret-key-0123456789abcdef",
        }
        subprocess.run(
            [sys.executable, "-m", "hourglass", "migrate"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_worker(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hourglass", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.workers.append(proc)
        return proc

    def restart_postgres(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "immediate", "restart"], pgdata=(self.tmp / "pg").resolve(), user="pgserver", timeout=60)

    def close(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        stop_embedded_redis(self.tmp)
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=(self.tmp / "pg").resolve(), user="pgserver", timeout=60)


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    yield s
    s.close()


async def _seed(stack: Stack, due_in: float) -> tuple[object, set[uuid.UUID]]:
    engine = create_engine(stack.db_url, Settings(), pool_size=2)
    maker = create_sessionmaker(engine)
    async with maker.begin() as s:
        org = await auth_service.create_organization(s, "Faults")
        channel = Channel(organization_id=org.id, marketplace="shopee", name="shop")
        s.add(channel)
        await s.flush()
        conversations = set()
        for i in range(CONVERSATIONS):
            result = await receive(
                s,
                channel,
                InboundMessage(
                    external_message_id=f"m{i}",
                    buyer_external_id=f"b{i}",
                    body="hello",
                    external_thread_id=f"t{i}",
                    sent_at=datetime.now(UTC),
                ),
            )
            conversations.add(result.message.conversation_id)
        # Everything falls due at once, a moment from now: the worker fires in many batches.
        await s.execute(update(SlaTimer).values(due_at=func.now() + timedelta(seconds=due_in)))
    return engine, conversations


async def _wait_all_fired(maker, within: float) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            async with maker() as s:
                left = (
                    await s.execute(
                        select(func.count())
                        .select_from(SlaTimer)
                        .where(SlaTimer.fired_at.is_(None), SlaTimer.cancelled_at.is_(None))
                    )
                ).scalar_one()
            if left == 0:
                return 0
        except Exception:
            left = -1
        await asyncio.sleep(0.2)
    return left


async def _assert_exactly_once(maker, conversations: set[uuid.UUID]) -> None:
    async with maker() as s:
        fired = (
            await s.execute(select(func.count()).select_from(SlaTimer).where(SlaTimer.fired_at.is_not(None)))
        ).scalar_one()
        per_conv = dict(
            (
                await s.execute(
                    select(OutboxEvent.conversation_id, func.count())
                    .where(OutboxEvent.event_type == "sla.overdue")
                    .group_by(OutboxEvent.conversation_id)
                )
            ).all()
        )
        warnings = (
            await s.execute(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "sla.warning")
            )
        ).scalar_one()
    assert fired == CONVERSATIONS * 4
    assert set(per_conv) == conversations and set(per_conv.values()) == {1}
    assert warnings == CONVERSATIONS * 3


async def test_worker_killed_while_tiers_are_due(stack):
    engine, conversations = await _seed(stack, due_in=4)
    maker = create_sessionmaker(engine)
    worker = stack.start_worker()
    # Kill it while it is firing: poll until some (not all) timers have fired, then SIGKILL.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        async with maker() as s:
            fired = (
                await s.execute(select(func.count()).select_from(SlaTimer).where(SlaTimer.fired_at.is_not(None)))
            ).scalar_one()
        if fired > 0:
            break
        await asyncio.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    stack.start_worker()
    assert await _wait_all_fired(maker, 60) == 0
    await _assert_exactly_once(maker, conversations)
    await engine.dispose()


async def test_redis_flushed_while_timers_are_pending(stack):
    engine, conversations = await _seed(stack, due_in=3)
    maker = create_sessionmaker(engine)
    stack.start_worker()
    await asyncio.sleep(1.5)
    redis = Redis.from_url(stack.redis_url)
    await redis.flushall()
    await redis.aclose()
    assert await _wait_all_fired(maker, 60) == 0
    await _assert_exactly_once(maker, conversations)
    await engine.dispose()


async def test_postgres_restarted_while_timers_fall_due(stack):
    engine, conversations = await _seed(stack, due_in=3)
    await engine.dispose()
    stack.start_worker()
    await asyncio.sleep(2.5)
    await asyncio.to_thread(stack.restart_postgres)
    engine = create_engine(stack.db_url, Settings(), pool_size=2)
    maker = create_sessionmaker(engine)
    assert await _wait_all_fired(maker, 90) == 0
    await _assert_exactly_once(maker, conversations)
    await engine.dispose()
