"""Concurrency of the streaming dispatcher, shown by order and outcome (never by a stopwatch): a
receiver that holds its requests takes at most its endpoint's share of requests and lanes, and
another endpoint, even one on the same host and port, receives everything meanwhile.

Ordering: the design promises none (like Stripe and Svix): deliveries of one endpoint run
concurrently and retries interleave, so receivers order by the payload's `timestamp`/`event_id`
and deduplicate by `webhook-id` (see api/webhook/docs.py). Nothing here asserts an order."""

import asyncio
import random
from typing import Any

from sqlalchemy import select

from api.kit.outbound import OutboundPolicy
from api.kit.time import utc_now
from api.models import WebhookDelivery
from api.webhook.delivery import claim_due
from api.webhook.sender import WebhookSender
from tests.helpers import make_channel, push
from tests.webhook.receiver import serve
from workers.tasks.webhooks import run_dispatch_loop
from workers.webhook_dispatcher import Dispatcher

EVENTS = 12
CAP = 2


class GatedReceiver:
    """`/slow` holds every request until `gate` opens; `/fast` answers at once. One server, so both
    endpoints are the same host, port and address: only the path tells them apart."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.arrived: dict[str, int] = {"/slow": 0, "/fast": 0}
        self.answered: dict[str, int] = {"/slow": 0, "/fast": 0}
        self.port = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        path = scope["path"]
        self.arrived[path] += 1
        if path == "/slow":
            await self.gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        self.answered[path] += 1


async def _statuses(sessionmaker, endpoint_id: str) -> list[str]:
    async with sessionmaker() as s:
        rows = await s.execute(select(WebhookDelivery.status).where(WebhookDelivery.endpoint_id == endpoint_id))
        return [r[0] for r in rows]


async def _until(predicate, attempts: int = 600) -> bool:
    # A bounded wait for an outcome: it only fails if the outcome never comes.
    for _ in range(attempts):
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_held_endpoint_does_not_delay_another_on_the_same_host(tenant, relay, sessionmaker, settings, app):
    app_under_test = GatedReceiver()
    sender = WebhookSender(OutboundPolicy(settings.outbound_allowed), timeout=30.0, connections_per_host=CAP)
    dispatcher = Dispatcher(sessionmaker, sender, app.state.cipher, per_endpoint=CAP, rng=random.Random(7))
    stop = asyncio.Event()
    async with serve(app_under_test) as port:
        base = f"http://127.0.0.1:{port}"
        endpoints = {}
        for path in ("/slow", "/fast"):
            r = await tenant.admin.post("/v1/webhooks", json={"url": base + path, "event_types": ["message.received"]})
            assert r.status_code == 201, r.text
            endpoints[path] = r.json()["id"]
        channel = await make_channel(tenant.api)
        for _ in range(EVENTS):
            await push(tenant.api, channel["id"])
        await relay()
        loop = asyncio.create_task(run_dispatch_loop(dispatcher, stop))
        try:

            async def fast_all_recorded() -> bool:
                return await _statuses(sessionmaker, endpoints["/fast"]) == ["succeeded"] * EVENTS

            assert await _until(fast_all_recorded)
            # Every fast delivery was received and recorded while the slow endpoint still held its
            # first requests: exactly its cap of them, none answered, the rest not even sent.
            assert app_under_test.answered == {"/slow": 0, "/fast": EVENTS}
            assert app_under_test.arrived["/slow"] == CAP
            assert sorted(await _statuses(sessionmaker, endpoints["/slow"])) == ["pending"] * EVENTS

            app_under_test.gate.set()

            async def slow_all_recorded() -> bool:
                return await _statuses(sessionmaker, endpoints["/slow"]) == ["succeeded"] * EVENTS

            assert await _until(slow_all_recorded)
            assert app_under_test.arrived == {"/slow": EVENTS, "/fast": EVENTS}  # each exactly once
        finally:
            app_under_test.gate.set()
            stop.set()
            await asyncio.wait_for(loop, 30)
            await sender.aclose()


async def test_two_dispatchers_claiming_at_once_never_share_a_delivery_nor_wait(tenant, relay, sessionmaker, app):
    """One dispatcher's claim is still uncommitted while another claims the same due rows: the second
    neither waits for the first nor takes any of its rows; what is left goes to the next claim."""
    r = await tenant.admin.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["message.received"]}
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api)
    for _ in range(EVENTS):
        await push(tenant.api, channel["id"])
    await relay()
    now = utc_now()
    async with sessionmaker.begin() as first:
        mine = await claim_due(first, app.state.cipher, now, EVENTS // 2)
        async with sessionmaker.begin() as second:
            # Bounded, not a stopwatch: a claim that waited on the first's row locks would never return.
            theirs = await asyncio.wait_for(claim_due(second, app.state.cipher, now, EVENTS // 2), 30)
    async with sessionmaker.begin() as third:
        rest = await claim_due(third, app.state.cipher, now, EVENTS)
    ids = [c.id for c in mine + theirs + rest]
    assert len(mine) == EVENTS // 2
    assert len(ids) == len(set(ids)) == EVENTS
