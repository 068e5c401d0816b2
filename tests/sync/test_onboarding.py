"""Channel onboarding: settings and credentials checked by a call to the marketplace; sync status."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.connectors.helpers import channel_body
from tests.sync.conftest import connect, deliver_all, poll


async def test_valid_credentials_connect_and_status_follows_the_sync(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "ebay")
    assert channel["has_credentials"] and "credentials" not in channel
    assert channel["external_account_id"] == sb.store("ebay").id  # from the sandbox profile
    sync = channel["sync"]
    assert sync["state"] == "waiting" and sync["last_sync_at"] is None
    assert sync["push_url"].endswith(f"/v1/hooks/ebay/{channel['id']}")
    assert datetime.fromisoformat(sync["next_poll_at"]) <= datetime.now(UTC)

    sb.inject("ebay", "Hello, is this available?")
    polling = datetime.now(UTC)
    await poll(rt, channel)
    read = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    # Order, not a lag bound: the sync is recorded as of this poll, and the lag counts from it.
    assert read["state"] == "ok" and datetime.fromisoformat(read["last_sync_at"]) >= polling
    assert read["lag_seconds"] is not None and read["lag_seconds"] >= 0
    assert read["backlog"] == {"pending_pushes": 0, "queued_replies": 0, "sending_replies": 0, "failed_replies": 0}

    conversation = (await tenant.api.get("/v1/conversations")).json()["items"][0]
    await tenant.agent.post(f"/v1/conversations/{conversation['id']}/replies", json={"body": "Yes it is."})
    listed = (await tenant.api.get("/v1/channels")).json()["items"]
    assert listed[0]["sync"]["backlog"]["queued_replies"] == 1


async def test_refused_credentials_are_a_422_in_our_words_with_the_marketplaces_code(tenant, sb):
    body = channel_body(sb, "shopee")
    body["credentials"]["access_token"] = "0" * 32
    body["credentials"]["refresh_token"] = "0" * 32
    r = await tenant.api.post("/v1/channels", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == (
        "Shopee refused these credentials: Shopee rejected the credentials (HTTP 403, error code error_auth)."
    )
    assert "_token." not in r.text  # Shopee's own message ("Invalid access_token.") is not echoed
    assert r.json()["errors"][0]["field"] == "body.credentials"


async def test_incomplete_settings_list_each_field(tenant, sb):
    body = channel_body(sb, "amazon")
    del body["settings"]["imap_host"]
    del body["credentials"]["imap_password"]
    r = await tenant.api.post("/v1/channels", json=body)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"body.settings.imap_host", "body.credentials.imap_password"}


async def test_unreachable_marketplace_saves_the_channel_with_a_warning(tenant, sb):
    body = channel_body(sb, "tiktok", base_url="http://127.0.0.1:9", timeout_seconds=1)
    r = await tenant.api.post("/v1/channels", json=body)
    assert r.status_code == 201, r.text
    sync = r.json()["sync"]
    assert sync["state"] == "failing" and sync["last_error"].startswith("Credentials not verified yet")


async def test_verify_false_skips_the_call_but_not_the_shape(tenant, sb):
    body = channel_body(sb, "tiktok", base_url="http://127.0.0.1:9") | {"verify": False}
    r = await tenant.api.post("/v1/channels", json=body)
    assert r.status_code == 201 and r.json()["sync"]["last_error"] is None


async def test_replacing_credentials_rechecks_them(tenant, sb):
    channel = await connect(tenant.api, sb, "walmart")
    bad = channel_body(sb, "walmart")["credentials"] | {"imap_password": "wrong"}
    r = await tenant.api.patch(f"/v1/channels/{channel['id']}", json={"credentials": bad})
    assert r.status_code == 422 and r.json()["detail"].endswith("the IMAP server rejected the login.")
    assert "AUTHENTICATIONFAILED" not in r.text and "Authentication failed" not in r.text


async def test_sync_now_and_failing_status(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "shopee")
    sb.set_fault("shopee", error_next=1, error_status=502)
    outcome = await poll(rt, channel)
    assert outcome.error and "502" in outcome.error
    read = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    assert read["state"] == "failing" and "Something wrong" in read["last_error"]
    assert read["consecutive_failures"] == 1
    assert datetime.fromisoformat(read["next_poll_at"]) > datetime.now(UTC)  # backing off
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/sync")
    assert r.status_code == 202
    assert datetime.fromisoformat(r.json()["sync"]["next_poll_at"]) <= datetime.now(UTC)
    await poll(rt, channel)
    assert (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]["state"] == "ok"
    erp = (await tenant.api.post("/v1/channels", json={"marketplace": "api", "name": "ERP"})).json()
    assert (await tenant.api.post(f"/v1/channels/{erp['id']}/sync")).status_code == 409


async def test_walmart_orders_and_response_rate_beside_ours(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "walmart")
    store = sb.store("walmart")
    order = sb.state.catalog.orders_for_store(store)[0]
    sb.inject("walmart", "Where is my order?", order_id=order.order_id, age_seconds=3 * 86400)
    await poll(rt, channel)
    synced = (await tenant.api.get(f"/v1/orders/{order.order_id}")).json()
    assert synced["channel_id"] == channel["id"] and synced["items"]
    conversation = (await tenant.api.get("/v1/conversations")).json()["items"][0]
    assert conversation["order_id"] == order.order_id
    rate = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]["response_rate"]
    assert rate["marketplace"]["rate"] == 0.0 and rate["window_days"] == 30
    assert rate["ours"]["missed"] == 1 and rate["gap_points"] == 0.0
    await deliver_all(rt)


async def test_amazon_proactive_messages(tenant, sb):
    channel = await connect(tenant.api, sb, "amazon")
    order = next(o for o in sb.state.catalog.orders_for_store(sb.store("amazon")) if o.status == "Shipped")
    base = f"/v1/channels/{channel['id']}/amazon/orders/{order.order_id}"
    types = (await tenant.api.get(f"{base}/message-types")).json()["message_types"]
    assert "confirmDeliveryDetails" in types
    r = await tenant.api.post(
        f"{base}/messages", json={"message_type": "confirmDeliveryDetails", "text": "Arrives Friday."}
    )
    assert r.status_code == 200 and r.json()["status"] == "sent"
    refused = await tenant.api.post(f"{base}/messages", json={"message_type": "confirmOrderDetails", "text": "x"})
    assert refused.status_code == 422 and "Amazon refused" in refused.json()["detail"]
    [sent] = sb.state.truth.seller_replies
    assert sent.operation == "amazon.confirmDeliveryDetails" and not sent.counts_as_reply
    # Both go into SP-API paths: only Amazon's shapes get there.
    odd = await tenant.api.get(f"/v1/channels/{channel['id']}/amazon/orders/..%2F..%2Forders/message-types")
    assert odd.status_code in (404, 422)
    r = await tenant.api.get(f"/v1/channels/{channel['id']}/amazon/orders/111-ABC/message-types")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.order_id"
    r = await tenant.api.post(f"{base}/messages", json={"message_type": "../orders", "text": "x"})
    assert r.status_code == 422
    assert len(sb.state.truth.seller_replies) == 1


async def test_moving_a_channel_to_another_host_requires_its_credentials_again(tenant, sb):
    # Otherwise an editor could point the channel at their own host and have the stored (never
    # shown) secrets sent there by the credential check.
    channel = await connect(tenant.api, sb, "shopee")
    settings = channel_body(sb, "shopee")["settings"]
    moved = settings | {"base_url": "http://127.0.0.1:9"}
    r = await tenant.api.patch(f"/v1/channels/{channel['id']}", json={"settings": moved})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "body.credentials", "reason": "required when base_url change"}]
    # Other settings can change without them, and the channel keeps its credentials.
    r = await tenant.api.patch(f"/v1/channels/{channel['id']}", json={"settings": settings | {"page_budget": 50}})
    assert r.status_code == 200 and r.json()["has_credentials"], r.text


async def test_two_processes_refreshing_one_rotating_token_both_succeed(tenant, sb, rt, sessionmaker):
    # Shopee refresh tokens are single-use (the sandbox revokes them, as Shopee does): a poller and
    # a deliverer finding the access token expired at once must not both spend the same one.
    import asyncio
    import uuid

    from api.models import Channel
    from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime

    channel = await connect(tenant.api, sb, "shopee")
    sb.state.clock.advance(5 * 3600)  # access tokens last 4 hours
    other_process = SyncRuntime(rt.engine, rt.sessionmaker, rt.cipher, outbound=rt.outbound)
    async with sessionmaker() as s:
        row = await s.get(Channel, uuid.UUID(channel["id"]))
        first, second = rt.connector(row), other_process.connector(row)
    results = await asyncio.gather(first.check_credentials(), second.check_credentials(), return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException)], results
    async with sessionmaker() as s:
        stored = rt.cipher.decrypt((await s.get(Channel, uuid.UUID(channel["id"]))).credentials_encrypted)
    # One refresh: the second waited, saw the new token and used it.
    assert first.credentials["access_token"] == second.credentials["access_token"] == stored["access_token"]
    for connector in (first, second):
        await connector.aclose()
    await other_process.aclose()


async def test_workers_claim_different_due_channels(tenant, sb, sessionmaker):
    # Each worker pushes what it claims ahead, so a second worker takes the next channels instead of
    # the same earliest ones (which the first is already polling).
    from datetime import timedelta

    from api.sync.state import claim_due_channels

    ids = {(await connect(tenant.api, sb, m))["id"] for m in ("ebay", "shopee", "tiktok")}
    async with sessionmaker.begin() as s:
        first = await claim_due_channels(s, 2, timedelta(minutes=2))
    async with sessionmaker.begin() as s:
        second = await claim_due_channels(s, 2, timedelta(minutes=2))
    async with sessionmaker.begin() as s:
        third = await claim_due_channels(s, 2, timedelta(minutes=2))
    assert len(first) == 2 and len(second) == 1 and third == []
    assert {str(i) for i in first + second} == ids


async def test_amazon_proactive_text_with_an_email_is_stopped_by_the_linter_before_amazon(tenant, sb):
    channel = await connect(tenant.api, sb, "amazon")
    order = next(o for o in sb.state.catalog.orders_for_store(sb.store("amazon")) if o.status == "Shipped")
    base = f"/v1/channels/{channel['id']}/amazon/orders/{order.order_id}"
    text = "Questions? Write to care@brightnest.example any time."
    r = await tenant.api.post(f"{base}/messages", json={"message_type": "confirmDeliveryDetails", "text": text})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].endswith("compliance-violation")
    [violation] = [v for v in problem["violations"] if v["code"] == "email_address"]
    assert text[violation["start"] : violation["end"]] == "care@brightnest.example"
    assert problem["errors"][0]["field"] == "body.text"
    # Caught first: Amazon was never asked (no refusal, nothing sent).
    assert not sb.state.truth.seller_replies
    assert not [r for r in sb.state.truth.rejections if r.marketplace == "amazon"]


async def test_ebay_token_without_the_message_scope_asks_for_a_reconnect_and_stops_syncing(
    tenant, sb, rt, sessionmaker
):
    import uuid
    from datetime import timedelta

    from api.sync import state as sync_state
    from api.sync.state import claim_due_channels, seconds_to_next_poll

    scope = "https://api.ebay.com/oauth/api_scope/commerce.message"
    store = sb.store("ebay")
    narrow = ["https://api.ebay.com/oauth/api_scope/sell.inventory"]
    body = channel_body(sb, "ebay")
    good = dict(body["credentials"])
    body["credentials"] |= {
        "access_token": sb.mint_token(store, "user", scopes=narrow).token,
        "refresh_token": sb.mint_token(store, "refresh", scopes=narrow).token,
    }
    # Checked at connect time: refused, naming the permission to grant.
    refused = await tenant.api.post("/v1/channels", json=body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["reason"] == (
        f"the eBay token lacks the permission {scope}: reconnect the store granting it"
    )
    # Saved unchecked, the first poll finds it: the channel asks for a reconnect instead of retrying.
    channel = (await tenant.api.post("/v1/channels", json=body | {"verify": False})).json()
    sb.inject("ebay", "Is this still available?")
    outcome = await poll(rt, channel)
    # The 403 led to one refresh asking for the scope, which eBay refused: no further retries.
    assert outcome.error == f"400 invalid_scope: the eBay token was not granted {scope}"
    sync = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    assert sync["state"] == "reconnect" and sync["next_poll_at"] is None
    assert sync["reconnect"]["missing_scopes"] == [scope]
    assert (
        sync["reconnect"]["reason"] == f"the eBay token lacks the permission {scope}: reconnect the store granting it"
    )
    assert sync["reconnect"]["since"] is not None
    listed = (await tenant.api.get("/v1/channels")).json()["items"]
    assert [c["sync"]["state"] for c in listed if c["id"] == channel["id"]] == ["reconnect"]

    # Syncing stopped: the scheduler neither claims it nor wakes up for it, however overdue.
    async with sessionmaker.begin() as s:
        await sync_state.patch(s, uuid.UUID(channel["id"]), {"next_poll_at": "2000-01-01T00:00:00+00:00"})
    async with sessionmaker.begin() as s:
        assert await claim_due_channels(s, 10, timedelta(minutes=1)) == []
        assert await seconds_to_next_poll(s) is None
    rejected = len(sb.state.truth.rejections)

    # "Sync now" retries once: still missing, so the state comes straight back.
    assert (await tenant.api.post(f"/v1/channels/{channel['id']}/sync")).json()["sync"]["state"] != "reconnect"
    await poll(rt, channel)
    assert (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]["state"] == "reconnect"
    assert len(sb.state.truth.rejections) > rejected

    # Reconnected (credentials replaced, checked): the state clears and syncing resumes.
    r = await tenant.api.patch(f"/v1/channels/{channel['id']}", json={"credentials": good})
    assert r.status_code == 200, r.text
    assert r.json()["sync"]["state"] != "reconnect" and r.json()["sync"]["reconnect"] is None
    async with sessionmaker.begin() as s:
        assert [str(c) for c in await claim_due_channels(s, 10, timedelta(seconds=1))] == [channel["id"]]
    async with sessionmaker.begin() as s:
        await sync_state.patch(s, uuid.UUID(channel["id"]), {"next_poll_at": "2000-01-01T00:00:00+00:00"})
    outcome = await poll(rt, channel)
    assert outcome.error is None and outcome.created == 1
    assert (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]["state"] == "ok"
