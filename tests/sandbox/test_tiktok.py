"""TikTok Shop customer service 202309: signed calls, JSON-string content, rules, quota, webhooks 13/14."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest

from tests.sandbox.helpers import PushSink, running, tiktok_call, verify_tiktok_webhook

pytestmark = pytest.mark.asyncio
CS = "/customer_service/202309"


async def test_conversations_messages_send_and_read() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("tiktok")
        order = sb.state.catalog.orders_for_store(store)[0]
        thread, message = sb.inject(
            "tiktok", "Where is my package?", order_id=order.order_id, category="where_is_my_order"
        )

        shops = await tiktok_call(client, store, "GET", "/authorization/202309/shops", cipher=False)
        assert shops.json()["data"]["shops"][0]["cipher"] == store.credentials["shop_cipher"]

        listing = await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 20})
        assert listing.status_code == 200
        body = listing.json()
        assert body["code"] == 0 and body["message"] == "Success" and body["request_id"]
        [conversation] = body["data"]["conversations"]
        assert conversation["id"] == thread.id and conversation["can_send_message"] is True
        assert body["data"]["next_page_token"] == ""
        latest = conversation["latest_message"]
        assert isinstance(latest["content"], str)
        assert json.loads(latest["content"]) == {"content": "Where is my package?"}

        messages = await tiktok_call(
            client, store, "GET", f"{CS}/conversations/{thread.id}/messages", {"page_size": 10, "sort_order": "ASC"}
        )
        first, second = messages.json()["data"]["messages"]
        # A chat opened from an order starts with the order card; content is a JSON string.
        assert first["type"] == "BUYER_ENTER_FROM_ORDER"
        assert json.loads(first["content"]) == {"order_id": order.order_id}
        assert second["id"] == message.id and second["sender"]["role"] == "BUYER"
        assert sb.state.thread(thread.id).unread_count() == 2  # reading does not mark read

        sent = await tiktok_call(
            client,
            store,
            "POST",
            f"{CS}/conversations/{thread.id}/messages",
            body={"type": "TEXT", "content": json.dumps({"content": "It ships tomorrow."})},
        )
        assert sent.json()["code"] == 0 and sent.json()["data"]["message_id"]
        as_object = await tiktok_call(
            client,
            store,
            "POST",
            f"{CS}/conversations/{thread.id}/messages",
            body={"type": "TEXT", "content": {"content": "not a string"}},
        )
        assert as_object.json()["code"] == 45101001
        sensitive = await tiktok_call(
            client,
            store,
            "POST",
            f"{CS}/conversations/{thread.id}/messages",
            body={"type": "TEXT", "content": json.dumps({"content": "WhatsApp me"})},
        )
        assert sensitive.json()["code"] == 45101006

        read = await tiktok_call(client, store, "POST", f"{CS}/conversations/{thread.id}/messages/read", body={})
        assert read.json()["code"] == 0 and sb.state.thread(thread.id).unread_count() == 0
        assert [r.operation for r in sb.state.truth.seller_replies] == ["tiktok.send_message"]


async def test_auth_errors() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("tiktok")
        good = await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 5})
        assert good.json()["code"] == 0
        bad_sign = await client.get(
            f"{CS}/conversations",
            params={
                "app_key": store.credentials["app_key"],
                "timestamp": int(time.time()),
                "sign": "f" * 64,
                "shop_cipher": store.credentials["shop_cipher"],
                "page_size": 5,
            },
            headers={"x-tts-access-token": store.credentials["access_token"]},
        )
        assert bad_sign.status_code == 401 and bad_sign.json()["code"] == 106001
        stale = await tiktok_call(
            client, store, "GET", f"{CS}/conversations", {"page_size": 5}, timestamp=int(time.time()) - 400
        )
        assert stale.json()["code"] == 36009004 and "5 minutes" in stale.json()["message"]
        no_cipher = await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 5}, cipher=False)
        assert no_cipher.json()["code"] == 106013
        bad_token = await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 5}, token="TTP_x")
        assert bad_token.json()["code"] == 36009004
        too_big = await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 21})
        assert too_big.json()["code"] == 45101001
        assert [r.error_code for r in sb.state.truth.rejections] == [
            "106001",
            "36009004",
            "106013",
            "36009004",
            "45101001",
        ]


async def test_conversation_rules_six_hours_and_reopen() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("tiktok")
        order = sb.state.catalog.orders_for_store(store)[0]
        thread, _ = sb.inject("tiktok", "Can I change the color?", order_id=order.order_id, category="order_change")
        path = f"{CS}/conversations/{thread.id}/messages"
        first = await tiktok_call(
            client, store, "POST", path, body={"type": "TEXT", "content": json.dumps({"content": "Which color?"})}
        )
        assert first.json()["code"] == 0

        sb.state.clock.advance(7 * 3600)  # the buyer never answered: closed after 6 hours
        closed = await tiktok_call(
            client, store, "POST", path, body={"type": "TEXT", "content": json.dumps({"content": "Still there?"})}
        )
        assert closed.json()["code"] == 45109001
        listing = await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 20})
        assert listing.json()["data"]["conversations"][0]["can_send_message"] is False

        buyer = sb.state.buyer(thread.buyer_id)
        reopened = await tiktok_call(
            client, store, "POST", f"{CS}/conversations", body={"buyer_user_id": buyer.user_id}
        )
        assert reopened.json()["data"]["conversation_id"] == thread.id
        again = await tiktok_call(
            client, store, "POST", path, body={"type": "TEXT", "content": json.dumps({"content": "Still there?"})}
        )
        assert again.json()["code"] == 0


async def test_customer_service_performance() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("tiktok")
        answered, _ = sb.inject("tiktok", "Is this waterproof?", age_seconds=3600)
        sb.inject("tiktok", "Do you have size L?", age_seconds=1800)
        await tiktok_call(
            client,
            store,
            "POST",
            f"{CS}/conversations/{answered.id}/messages",
            body={"type": "TEXT", "content": json.dumps({"content": "Yes, IPX7."})},
        )
        since = sb.state.clock.now().date() - timedelta(days=2)
        params = {"support_date_ge": str(since), "support_date_lt": "2100-01-01"}
        result = await tiktok_call(client, store, "GET", "/customer_service/202407/performance", params)
        performance = result.json()["data"]["performance"]
        assert performance["support_session_count"] == 2 and performance["response_percentage"] == "50.0"
        assert float(performance["response_time_mins"]) == pytest.approx(60, abs=1)


async def test_daily_quota() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("tiktok")
        sb.set_fault("tiktok", daily_quota=2)
        codes = [
            (await tiktok_call(client, store, "GET", f"{CS}/conversations", {"page_size": 5})).json()["code"]
            for _ in range(3)
        ]
        assert codes == [0, 0, 45101004]


async def test_webhooks_13_and_14_are_signed() -> None:
    sink = await PushSink().start()
    try:
        async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
            store = sb.store("tiktok")
            store.push_target = f"{sink.url}/v1/hooks/tiktok/ch_3"
            thread, message = sb.inject("tiktok", "Do you ship to Hawaii?")
            await sb.drain_pushes()
            kinds = sorted(r.json()["type"] for r in sink.received)
            assert kinds == [13, 14, 14]  # new conversation, product card, text
            for received in sink.received:
                assert verify_tiktok_webhook(store.credentials["app_key"], store.credentials["app_secret"], received)
                assert received.json()["shop_id"] == store.credentials["shop_id"]
            text = next(
                r.json()["data"] for r in sink.received if r.json()["type"] == 14 and r.json()["data"]["type"] == "TEXT"
            )
            assert text["message_id"] == message.id
            assert json.loads(text["content"]) == {"content": "Do you ship to Hawaii?"}
            assert text["sender"]["role"] == "BUYER"

            # The shop's own message comes back as webhook 14 too, sender role SHOP.
            await tiktok_call(
                client,
                store,
                "POST",
                f"{CS}/conversations/{thread.id}/messages",
                body={"type": "TEXT", "content": json.dumps({"content": "Yes we do!"})},
            )
            await sb.drain_pushes()
            echo = sink.received[-1].json()
            assert echo["type"] == 14 and echo["data"]["sender"]["role"] == "SHOP"
    finally:
        await sink.close()


async def test_webhook_retries_until_acknowledged() -> None:
    sink = await PushSink(status=500).start()
    try:
        async with running(push_retry_scale=0.00001) as sb:
            store = sb.store("tiktok")
            store.push_target = f"{sink.url}/hook"
            sb.set_fault("tiktok", drop_pushes_next=2)  # only the text message's webhook 14 goes out
            sb.inject("tiktok", "hello", listing_id=None)
            await sb.drain_pushes()
            attempts = [p.attempt for p in sb.state.truth.pushes if p.attempt > 0]
            assert attempts == [1, 2, 3, 4, 5]  # first try plus the 4 documented retries
            assert len(sink.received) == 5
    finally:
        await sink.close()
