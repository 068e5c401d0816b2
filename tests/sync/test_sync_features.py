"""What the inbox shows from each marketplace's quirks, read state both ways, and pushes that never
arrive (polling recovers them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.sync.conftest import connect, deliver_all, poll, process_pushes, push_to


async def _conversations(client, **params):
    return (await client.get("/v1/conversations", params={"limit": 100, **params})).json()["items"]


async def test_walmart_care_and_complaints_get_their_category_label_and_one_hour_clock(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "walmart")
    orders = sb.state.catalog.orders_for_store(sb.store("walmart"))
    sb.inject(
        "walmart",
        "Customer says the parcel never arrived.",
        category="walmart_customer_care",
        order_id=orders[0].order_id,
    )
    _, bbb = sb.inject(
        "walmart", "Complaint filed with the BBB.", category="bbb_complaint", order_id=orders[1].order_id
    )
    await poll(rt, channel)
    care = await _conversations(tenant.api, view="customer_care")
    assert len(care) == 1 and care[0]["order_id"] == orders[0].order_id
    [complaint] = [c for c in await _conversations(tenant.api) if "bbb_complaint" in c["labels"]]
    deadline = datetime.fromisoformat(complaint["sla_deadline"])
    # Exactly one hour after the marketplace's timestamp (which carries whole seconds).
    assert deadline == bbb.created_at.replace(microsecond=0) + timedelta(hours=1)


async def test_ebay_system_mail_starts_no_clock(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "ebay")
    sb.inject("ebay", "A case was opened on your item.", conversation_type="FROM_EBAY")
    await poll(rt, channel)
    [notice] = await _conversations(tenant.api)
    assert notice["category"] == "platform_notice" and notice["waiting_since"] is None
    assert notice["sla_deadline"] is None


async def test_read_marks_go_to_the_marketplace(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "shopee")
    sb.inject("shopee", "Halo kak")
    await poll(rt, channel)  # first poll starts the read watermark
    [conversation] = await _conversations(tenant.api)
    assert (await tenant.agent.post(f"/v1/conversations/{conversation['id']}/read")).status_code == 200
    await poll(rt, channel)
    reads = [r for r in sb.state.truth.reads if r.operation == "shopee.read_conversation"]
    assert [r.thread_id for r in reads] == [conversation["external_thread_id"]]


async def test_dropped_pushes_are_recovered_by_polling(tenant, sb, rt, live_url):
    channel = await connect(tenant.api, sb, "tiktok", push=True)
    push_to(sb, live_url, "tiktok", channel)
    sb.set_fault("tiktok", drop_push_rate=1.0)
    sb.inject("tiktok", "Do you have it in blue?")
    await sb.drain_pushes()
    assert await process_pushes(rt) == 0
    await poll(rt, channel)
    assert len(await _conversations(tenant.api)) == 1


async def test_tiktok_echo_of_our_reply_is_not_a_buyer_message(tenant, sb, rt, live_url):
    channel = await connect(tenant.api, sb, "tiktok", push=True)
    push_to(sb, live_url, "tiktok", channel)
    sb.inject("tiktok", "Is it waterproof?")
    await sb.drain_pushes()
    await process_pushes(rt)
    [conversation] = await _conversations(tenant.api)
    await tenant.agent.post(f"/v1/conversations/{conversation['id']}/replies", json={"body": "Yes, IP67."})
    await deliver_all(rt)
    await sb.drain_pushes()  # webhook 14 for the shop's own message
    processing = datetime.now(UTC)
    assert await process_pushes(rt) == 1
    after = (await tenant.api.get(f"/v1/conversations/{conversation['id']}")).json()
    assert after["waiting_since"] is None and after["message_count"] == 3  # card, question, our reply
    status = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    # The push counted as a sync: recorded once it was processed (order, not a lag bound).
    assert status["state"] == "ok" and datetime.fromisoformat(status["last_sync_at"]) >= processing


async def test_amazon_auto_reply_is_marked_and_not_counted(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "amazon")
    sb.inject("amazon", "Is it dishwasher safe?")
    await poll(rt, channel)
    [conversation] = await _conversations(tenant.api)
    r = await tenant.api.post(
        f"/v1/conversations/{conversation['id']}/replies",
        json={"body": "Thanks, we received your message and will answer shortly.", "author_kind": "auto"},
    )
    assert r.status_code == 201, r.text
    await deliver_all(rt)
    [reply] = sb.state.truth.seller_replies
    assert reply.counts_as_reply is False  # sent with Auto-Submitted: auto-replied
    still = (await tenant.api.get(f"/v1/conversations/{conversation['id']}")).json()
    assert still["waiting_since"] is not None  # Amazon does not count auto-replies; neither do we


async def test_ebay_conversation_finds_its_order_through_buyer_and_listing(tenant, sb, rt):
    """eBay names a listing, never an order: the order the ERP pushed for this buyer and item is linked."""
    from hourglass.sandbox_profiles import sandbox_order

    channel = await connect(tenant.api, sb, "ebay")
    store = sb.store("ebay")
    order = sb.state.catalog.orders_for_store(store)[0]
    order_id, body = sandbox_order(order.public(), channel["id"])
    assert (await tenant.api.put(f"/v1/orders/{order_id}", json=body)).status_code in (200, 201)
    sb.inject("ebay", "Has my order shipped yet?", order_id=order.order_id)  # the thread carries the listing only
    await poll(rt, channel)
    [conversation] = await _conversations(tenant.api)
    assert conversation["order_id"] == order.order_id and conversation["item_id"] == order.items[0].listing_id
