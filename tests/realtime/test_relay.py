"""The outbox relay: order, exactly-one publication per run, late commits, competing relays, Redis
refusing, webhook deliveries created once, follow-up jobs."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select

from api.models import OutboxEvent, WebhookDelivery
from api.outbox import events
from api.outbox import relay as relay_module
from api.outbox.relay import relay_once
from api.realtime.catchup import catch_up
from api.realtime.frames import org_channel


async def _emit(sessionmaker, org_id, n=1, event_type="note.created"):
    async with sessionmaker.begin() as s:
        for i in range(n):
            events.emit(s, org_id, event_type, {"i": i})


async def _relay(sessionmaker, redis, **kwargs):
    async with sessionmaker.begin() as s:
        return await relay_once(s, redis, **kwargs)


class Listener:
    """Collects what is published on an organization's channel."""

    def __init__(self, redis, org_id):
        self.pubsub = redis.pubsub()
        self.channel = org_channel(org_id)
        self.messages = []

    async def __aenter__(self):
        await self.pubsub.subscribe(self.channel)
        await self.pubsub.get_message(timeout=1)  # the confirmation
        return self

    async def drain(self, expected, within=5.0):
        deadline = asyncio.get_running_loop().time() + within
        while len(self.messages) < expected and asyncio.get_running_loop().time() < deadline:
            m = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if m:
                self.messages.append(json.loads(m["data"]))
        return self.messages

    async def __aexit__(self, *exc):
        await self.pubsub.aclose()


async def test_publishes_in_order_once(tenant, sessionmaker, redis):
    await _emit(sessionmaker, tenant.org_id, 5)
    async with Listener(redis, tenant.org_id) as listener:
        result = await _relay(sessionmaker, redis)
        again = await _relay(sessionmaker, redis)
        messages = await listener.drain(5)
    assert result.events == 5 and again.events == 0
    assert [m["data"]["i"] for m in messages] == [0, 1, 2, 3, 4]
    seqs = [m["seq"] for m in messages]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    async with sessionmaker() as s:
        rows = (await s.execute(select(OutboxEvent).order_by(OutboxEvent.id))).scalars().all()
    assert all(r.published_at is not None for r in rows)
    assert [r.seq for r in rows] == seqs and [m["event_id"] for m in messages] == [r.id for r in rows]


async def test_message_events_are_renamed_for_sockets(tenant, sessionmaker, redis):
    async with sessionmaker.begin() as s:
        for kind in ("message.received", "message.queued", "message.sent", "message.failed", "sla.overdue"):
            events.emit(s, tenant.org_id, kind, {})
    async with Listener(redis, tenant.org_id) as listener:
        await _relay(sessionmaker, redis)
        messages = await listener.drain(5)
    assert [m["type"] for m in messages] == [
        "message.created",
        "message.created",
        "message.delivery_updated",
        "message.delivery_updated",
        "sla.overdue",
    ]


async def test_a_late_commit_with_a_smaller_id_is_numbered_after_and_caught_up(tenant, sessionmaker, redis):
    """Ids follow insert order, not commit order: seq follows publication, so resuming never skips."""
    slow = sessionmaker()
    await slow.begin()
    events.emit(slow, tenant.org_id, "note.created", {"who": "slow"})
    await slow.flush()  # id allocated, not committed
    await _emit(sessionmaker, tenant.org_id)  # a larger id, committed first
    first = await _relay(sessionmaker, redis)
    await slow.commit()
    await slow.close()
    second = await _relay(sessionmaker, redis)
    assert first.events == 1 and second.events == 1
    async with sessionmaker() as s:
        rows = {r.payload["data"].get("who"): r for r in (await s.execute(select(OutboxEvent))).scalars()}
    slow_row, fast_row = rows["slow"], rows[None]
    assert slow_row.id < fast_row.id and slow_row.seq > fast_row.seq
    async with sessionmaker.begin() as s:
        resumed = await catch_up(
            s, tenant.org_id, fast_row.seq, now=datetime.now(UTC), limit=100, max_age=timedelta(hours=1)
        )
    assert [m["event_id"] for m in resumed.messages] == [slow_row.id]


async def test_competing_relays_publish_each_event_once_in_seq_order(tenant, sessionmaker, redis):
    async with Listener(redis, tenant.org_id) as listener:

        async def producer():
            for _ in range(20):
                await _emit(sessionmaker, tenant.org_id, 10)
                await asyncio.sleep(0)

        async def relay_loop():
            for _ in range(60):
                await _relay(sessionmaker, redis, limit=7)
                await asyncio.sleep(0)

        await asyncio.gather(producer(), relay_loop(), relay_loop(), relay_loop())
        while (await _relay(sessionmaker, redis)).events:
            pass
        messages = await listener.drain(200)
    seqs = [m["seq"] for m in messages]
    assert len(messages) == 200 and len({m["event_id"] for m in messages}) == 200
    assert seqs == sorted(seqs), "published out of seq order"


async def test_redis_refusing_still_commits_and_creates_deliveries(tenant, sessionmaker):
    r = await tenant.admin.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "event_types": ["note.created"]})
    assert r.status_code == 201
    await _emit(sessionmaker, tenant.org_id, 3)
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    result = await _relay(sessionmaker, dead)
    await dead.aclose()
    assert result.events == 3 and not result.published
    async with sessionmaker() as s:
        unpublished = (
            await s.execute(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None)))
        ).scalar_one()
        deliveries = (await s.execute(select(func.count()).select_from(WebhookDelivery))).scalar_one()
    assert unpublished == 0 and deliveries == 3


async def test_deliveries_are_created_once_per_endpoint_and_subscribed_type(tenant, other_tenant, sessionmaker, redis):
    for client, types in ((tenant.admin, ["note.created"]), (tenant.admin, ["sla.overdue"])):
        await client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "event_types": types})
    await other_tenant.admin.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "event_types": ["note.created"]})
    await _emit(sessionmaker, tenant.org_id, 2)
    await _emit(sessionmaker, tenant.org_id, 1, "notification")  # never a webhook
    result = await _relay(sessionmaker, redis)
    assert result.deliveries == 2
    async with sessionmaker() as s:
        rows = (await s.execute(select(WebhookDelivery))).scalars().all()
    assert len(rows) == 2 and {d.organization_id for d in rows} == {tenant.org_id}


async def test_follow_up_jobs_are_enqueued_with_a_stable_id(tenant, sessionmaker, redis, monkeypatch):
    class Jobs:
        def __init__(self):
            self.calls = []

        async def enqueue_job(self, name, *args, **kwargs):
            self.calls.append((name, args, kwargs["_job_id"]))

    monkeypatch.setitem(relay_module.FOLLOW_UP_JOBS, "note.created", ("index_note",))
    jobs = Jobs()
    await _emit(sessionmaker, tenant.org_id, 2)
    await _emit(sessionmaker, tenant.org_id, 1, "sla.warning")
    await _relay(sessionmaker, redis, jobs=jobs)
    async with sessionmaker() as s:
        ids = (
            await s.execute(
                select(OutboxEvent.id).where(OutboxEvent.event_type == "note.created").order_by(OutboxEvent.id)
            )
        ).scalars()
        ids = list(ids)
    assert jobs.calls == [("index_note", (i,), f"index_note:{i}") for i in ids]
