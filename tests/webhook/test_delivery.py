"""Deliveries against real receivers on loopback, with time controlled by passing `now`: down, slow,
throttling, gone, failing for days; signatures verified with the `standardwebhooks` package."""

import asyncio
from datetime import timedelta

from sqlalchemy import select
from standardwebhooks import Webhook

from api.kit.time import utc_now
from api.models import Notification, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from api.webhook.delivery import LEASE, claim_due
from api.webhook.retry import JITTER, SCHEDULE
from tests.helpers import make_channel, push
from tests.webhook.receiver import bound_socket, receiver, serve
from workers.tasks.webhooks import run_dispatch_loop


async def _subscribe(tenant, url, types=("message.received",)):
    r = await tenant.admin.post("/v1/webhooks", json={"url": url, "event_types": list(types)})
    assert r.status_code == 201, r.text
    return r.json()


async def _one_event(tenant, relay):
    channel = await make_channel(tenant.api)
    await push(tenant.api, channel["id"])
    await relay()


async def _delivery(sessionmaker):
    async with sessionmaker() as s:
        return (await s.execute(select(WebhookDelivery))).scalar_one()


async def test_survives_the_receiver_being_down_then_verifies(tenant, relay, dispatcher, sessionmaker):
    sock = bound_socket()  # reserve a port, listen on it only later: until then, connection refused
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    endpoint = await _subscribe(tenant, url)
    await _one_event(tenant, relay)
    t0 = utc_now()

    [first] = await dispatcher.deliver_due(now=t0)
    assert first.result.status_code is None and first.result.error
    d = await _delivery(sessionmaker)
    assert d.status == "pending" and d.attempts == 1
    assert t0 + SCHEDULE[0] * (1 - JITTER) <= d.next_attempt_at <= t0 + SCHEDULE[0] * (1 + JITTER)

    assert await dispatcher.deliver_due(now=t0 + timedelta(seconds=2)) == []  # not due yet
    [second] = await dispatcher.deliver_due(now=t0 + timedelta(seconds=7))
    assert second.result.error
    d = await _delivery(sessionmaker)
    assert d.attempts == 2 and d.next_attempt_at - (t0 + timedelta(seconds=7)) >= SCHEDULE[1] * (1 - JITTER)

    from tests.webhook.receiver import Receiver

    r = Receiver()
    async with serve(r, sock):
        [third] = await dispatcher.deliver_due(now=t0 + timedelta(minutes=7))
    assert third.result.status_code == 200
    d = await _delivery(sessionmaker)
    assert d.status == "succeeded" and d.attempts == 3 and d.next_attempt_at is None
    received = r.requests[0]
    payload = Webhook(endpoint["secret"]).verify(received.body, received.headers)
    assert payload["type"] == "message.received" and payload["event_id"] == d.event_id
    assert received.headers["webhook-id"] == str(d.id)
    assert received.headers["content-type"] == "application/json"
    async with sessionmaker() as s:
        attempts = (await s.execute(select(WebhookAttempt).order_by(WebhookAttempt.id))).scalars().all()
        ep = (await s.execute(select(WebhookEndpoint))).scalar_one()
    assert [a.status_code for a in attempts] == [None, None, 200]
    assert all(f"webhook-id: {d.id}" in a.request_excerpt for a in attempts)
    assert ep.failing_since is None and ep.is_active


async def test_a_slow_receiver_times_out_and_is_retried(tenant, relay, dispatcher, sessionmaker):
    async with receiver(delay=3.0) as r:  # the dispatcher fixture's timeout is 2 s
        await _subscribe(tenant, r.url)
        await _one_event(tenant, relay)
        [outcome] = await dispatcher.deliver_due()
        # Order, not a stopwatch: the dispatcher gave up while the receiver still held the request
        # unanswered; without the timeout it would have waited for the 200 and counted it.
        assert len(r.requests) == 1 and r.answered == 0
    assert outcome.result.error.startswith("timed out") and outcome.result.status_code is None
    d = await _delivery(sessionmaker)
    assert d.status == "pending" and d.attempts == 1 and d.next_attempt_at is not None


async def test_429_retry_after_is_honoured(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=429, headers={"retry-after": "600"}) as r:
        await _subscribe(tenant, r.url)
        await _one_event(tenant, relay)
        now = utc_now()
        await dispatcher.deliver_due(now=now)
    d = await _delivery(sessionmaker)
    assert d.status == "pending" and d.last_status_code == 429
    assert d.next_attempt_at == now + timedelta(seconds=600)


async def test_503_with_an_http_date(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=503) as r:
        await _subscribe(tenant, r.url)
        await _one_event(tenant, relay)
        now = utc_now().replace(microsecond=0) + timedelta(seconds=1)
        r.headers["retry-after"] = (now + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        await dispatcher.deliver_due(now=now)
    assert (await _delivery(sessionmaker)).next_attempt_at == now + timedelta(hours=1)


async def test_410_disables_the_endpoint_and_tells_the_admins(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=410) as r:
        await _subscribe(tenant, r.url, types=("message.received", "conversation.created"))
        await _one_event(tenant, relay)
        outcomes = await dispatcher.deliver_due()
    assert {o.result.status_code for o in outcomes} == {410}
    async with sessionmaker() as s:
        ep = (await s.execute(select(WebhookEndpoint))).scalar_one()
        statuses = {d.status for d in (await s.execute(select(WebhookDelivery))).scalars()}
        notes = (await s.execute(select(Notification))).scalars().all()
        events = (await s.execute(select(OutboxEvent).where(OutboxEvent.event_type == "notification"))).scalars()
        events = events.all()
    assert not ep.is_active and "410" in ep.disabled_reason
    assert statuses == {"failed"}
    assert [n.user_id for n in notes] == [tenant.admin_id] and notes[0].kind == "webhook.disabled"
    assert [e.payload["data"]["user_id"] for e in events] == [str(tenant.admin_id)]


async def test_the_schedule_runs_out_after_ten_attempts(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=500) as r:
        await _subscribe(tenant, r.url)
        await _one_event(tenant, relay)
        now = utc_now()
        for _ in range(10):
            [_outcome] = await dispatcher.deliver_due(now=now)
            d = await _delivery(sessionmaker)
            if d.next_attempt_at:
                now = d.next_attempt_at
        assert len(r.requests) == 10
        assert await dispatcher.deliver_due(now=now + timedelta(days=2)) == []
    d = await _delivery(sessionmaker)
    assert d.status == "failed" and d.attempts == 10 and d.next_attempt_at is None
    # ~75.6 h of retries (the schedule's sum, jittered), short of the 5 days that disable an endpoint
    async with sessionmaker() as s:
        ep = (await s.execute(select(WebhookEndpoint))).scalar_one()
    assert ep.is_active and ep.failing_since is not None


async def test_five_days_of_failures_disable_the_endpoint(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=500) as r:
        await _subscribe(tenant, r.url)
        await _one_event(tenant, relay)
        t0 = utc_now()
        await dispatcher.deliver_due(now=t0)
        await dispatcher.deliver_due(now=t0 + timedelta(days=1))
        await _one_event(tenant, relay)
        await dispatcher.deliver_due(now=t0 + timedelta(days=5, seconds=1))
    async with sessionmaker() as s:
        ep = (await s.execute(select(WebhookEndpoint))).scalar_one()
        statuses = [d.status for d in (await s.execute(select(WebhookDelivery))).scalars()]
        note = (await s.execute(select(Notification))).scalar_one()
    assert not ep.is_active and "5 days" in ep.disabled_reason
    assert statuses == ["failed", "failed"]
    assert note.user_id == tenant.admin_id and ep.url in note.body


async def test_a_lost_sender_is_retried_after_the_lease(tenant, relay, dispatcher, sessionmaker, app):
    """A dispatcher that claimed and died: the delivery is sent again once the lease is over."""
    async with receiver() as r:
        await _subscribe(tenant, r.url)
        await _one_event(tenant, relay)
        now = utc_now()
        async with sessionmaker.begin() as s:
            assert len(await claim_due(s, app.state.cipher, now, 10)) == 1
        assert await dispatcher.deliver_due(now=now + LEASE - timedelta(seconds=1)) == []
        [outcome] = await dispatcher.deliver_due(now=now + LEASE)
    assert outcome.result.status_code == 200 and (await _delivery(sessionmaker)).status == "succeeded"


async def test_the_streaming_loop_delivers_as_events_arrive(tenant, relay, dispatcher, sessionmaker):
    async with receiver() as r:
        await _subscribe(tenant, r.url)
        stop = asyncio.Event()
        loop = asyncio.create_task(run_dispatch_loop(dispatcher, stop))
        channel = await make_channel(tenant.api)
        for _ in range(20):
            await push(tenant.api, channel["id"])
        await relay()
        dispatcher.wake.set()
        # A bounded wait for the outcome (every delivery recorded as succeeded), not a guess at how
        # long recording takes: it fails only if the loop never gets there.
        statuses: list[str] = []
        for _ in range(400):
            async with sessionmaker() as s:
                statuses = [d.status for d in (await s.execute(select(WebhookDelivery))).scalars()]
            if statuses == ["succeeded"] * 20:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, 10)
    assert statuses == ["succeeded"] * 20
    assert len(r.requests) == 20  # each exactly once
    assert len({req.headers["webhook-id"] for req in r.requests}) == 20
