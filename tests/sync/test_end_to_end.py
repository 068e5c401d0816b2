"""Each marketplace end to end: sandbox -> connector -> conversations (poll and push), replies ->
sandbox truth, exactly once."""

from __future__ import annotations

import pytest

from api.sync import delivery
from tests.sync.conftest import connect, deliver_all, poll, process_pushes, push_to

MARKETPLACES = ["ebay", "shopee", "tiktok", "amazon", "walmart"]


async def _conversations(client, channel_id):
    r = await client.get("/v1/conversations", params={"channel_id": channel_id, "limit": 100})
    return r.json()["items"]


async def _inbound_ids(client, channel_id):
    r = await client.get("/v1/messages", params={"channel_id": channel_id, "direction": "inbound", "limit": 200})
    return [m["external_id"] for m in r.json()["items"]]


@pytest.mark.parametrize("marketplace", MARKETPLACES)
async def test_poll_ingests_once_and_reply_reaches_the_marketplace(tenant, sb, rt, marketplace):
    mail = marketplace in ("amazon", "walmart")
    # Mail relays confirm by silence: no bounce by the next read of the mailbox (a zero window here).
    channel = await connect(tenant.api, sb, marketplace, **({"bounce_window_seconds": 0} if mail else {}))
    store = sb.store(marketplace)
    order = sb.state.catalog.orders_for_store(store)[0]
    thread, first = sb.inject(
        marketplace, "Where is my order? It is late.", category="where_is_my_order", order_id=order.order_id
    )
    sb.inject(marketplace, "Do you ship to Canada?", category="pre_sale")
    outcome = await poll(rt, channel)
    assert outcome.error is None, outcome.error
    again = await poll(rt, {"id": channel["id"]})  # the overlap re-reads: nothing new, nothing doubled
    assert again.created == 0

    conversations = await _conversations(tenant.api, channel["id"])
    expected = {m for m in sb.state.truth.buyer_message_ids(store_id=store.id, expects_reply=True)}
    assert len(conversations) == 2
    ids = await _inbound_ids(tenant.api, channel["id"])
    assert len(ids) == len(set(ids))
    waiting = [c for c in conversations if c["order_id"] == order.order_id or c["external_thread_id"] == thread.id]
    assert len(waiting) == 1 and waiting[0]["waiting_since"] is not None
    assert len(expected) == 2

    body = f"Hi! Your {marketplace} order ships today."
    r = await tenant.agent.post(f"/v1/conversations/{waiting[0]['id']}/replies", json={"body": body})
    assert r.status_code == 201, r.text
    outcomes = await deliver_all(rt)
    assert [o.status for o in outcomes] == ["accepted" if mail else "sent"], outcomes
    if mail:
        # Taken by the relay, not yet confirmed: the clock still runs until the window passes unbounced.
        awaiting = (await tenant.api.get(f"/v1/conversations/{waiting[0]['id']}")).json()
        assert awaiting["waiting_since"] is not None
        assert (await tenant.api.get(f"/v1/messages/{r.json()['id']}")).json()["delivery_status"] == "accepted"
        await poll(rt, channel)
        assert await delivery.confirm_accepted(rt) == 1
    replies = [r for r in sb.state.truth.seller_replies if r.store_id == store.id]
    assert [(r.thread_id, r.body) for r in replies] == [(thread.id, body)]
    conversation = (await tenant.api.get(f"/v1/conversations/{waiting[0]['id']}")).json()
    assert conversation["waiting_since"] is None  # confirmed delivery stopped the clock
    sent = (await tenant.api.get(f"/v1/messages/{r.json()['id']}")).json()
    assert sent["delivery_status"] == "sent" and sent["external_id"]
    del first


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_pushes_verified_stored_once_and_ingested(tenant, sb, rt, live_url, marketplace):
    channel = await connect(tenant.api, sb, marketplace, push=True)
    push_to(sb, live_url, marketplace, channel)
    sb.set_fault(marketplace, duplicate_pushes=1)  # every push twice
    sb.inject(marketplace, "Is this in stock?", category="pre_sale")
    await sb.drain_pushes()
    delivered = [p for p in sb.state.truth.pushes if p.store_id == sb.store(marketplace).id]
    assert delivered and all(p.status_code == 200 for p in delivered), delivered
    assert await process_pushes(rt) >= 1
    ids = await _inbound_ids(tenant.api, channel["id"])
    expected = sb.state.truth.buyer_message_ids(store_id=sb.store(marketplace).id)
    assert sorted(ids) == sorted(expected)
    # A poll afterwards finds the same messages: still one copy each.
    await poll(rt, channel)
    assert sorted(await _inbound_ids(tenant.api, channel["id"])) == sorted(expected)


async def test_forged_push_is_refused(tenant, sb, live_url):
    channel = await connect(tenant.api, sb, "shopee", push=True)
    r = await tenant.api.post(
        f"/v1/hooks/shopee/{channel['id']}", content=b'{"code":10}', headers={"Authorization": "0" * 64}
    )
    assert r.status_code == 401


async def test_ebay_checks_the_destination_with_a_challenge(tenant, sb):
    import hashlib
    import uuid

    from tests.connectors.helpers import channel_body

    body = channel_body(sb, "ebay")
    body["credentials"]["verification_token"] = "hg_verify_" + "x" * 32
    r = await tenant.api.post("/v1/channels", json=body)
    assert r.status_code == 201, r.text
    url = f"/v1/hooks/ebay/{r.json()['id']}"
    r = await tenant.api.get(url, params={"challenge_code": "a8628072-3d33-45ee-9004-bee86830a22d"})
    expected = hashlib.sha256(
        ("a8628072-3d33-45ee-9004-bee86830a22d" + "hg_verify_" + "x" * 32 + "http://test" + url).encode()
    ).hexdigest()
    assert r.status_code == 200 and r.json() == {"challengeResponse": expected}, r.text
    assert (await tenant.api.get(url)).status_code == 422
    assert (await tenant.api.get(f"/v1/hooks/ebay/{uuid.uuid4()}", params={"challenge_code": "x"})).status_code == 404
