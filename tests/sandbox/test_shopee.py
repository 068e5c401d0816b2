"""Shopee v2 sellerchat: the HMAC sign, cursors, bare int64 ids, push code 10, lost-push recovery."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.sandbox.helpers import PushSink, running, shopee_params, shopee_public_params, verify_shopee_push

pytestmark = pytest.mark.asyncio
CHAT = "/api/v2/sellerchat"


async def test_conversations_messages_send_and_read() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("shopee")
        threads = [sb.inject("shopee", f"Hi, question number {n}", age_seconds=300 - n * 100)[0] for n in range(3)]

        path = f"{CHAT}/get_conversation_list"
        first = await client.get(path, params=shopee_params(store, path, direction="latest", type="all", page_size=2))
        assert first.status_code == 200
        envelope = first.json()
        assert envelope["error"] == "" and envelope["message"] == "" and envelope["request_id"]
        page = envelope["response"]
        assert [c["conversation_id"] for c in page["conversations"]] == [threads[2].id, threads[1].id]
        assert page["page_result"]["more"] is True
        # Nanosecond timestamps travel as bare numbers above 2**53.
        assert page["conversations"][0]["last_message_timestamp"] > 2**53
        cursor = page["page_result"]["next_cursor"]["next_message_time_nano"]
        second = await client.get(
            path,
            params=shopee_params(store, path, direction="older", type="all", page_size=2, next_timestamp_nano=cursor),
        )
        assert [c["conversation_id"] for c in second.json()["response"]["conversations"]] == [threads[0].id]
        assert second.json()["response"]["page_result"]["more"] is False

        path = f"{CHAT}/get_message"
        messages = await client.get(path, params=shopee_params(store, path, conversation_id=threads[0].id))
        [message] = messages.json()["response"]["messages"]
        assert message["content"] == {"text": "Hi, question number 0"}
        assert message["to_id"] == store.credentials["shop_user_id"]

        buyer = sb.state.buyer(threads[0].buyer_id)
        path = f"{CHAT}/send_message"
        sent = await client.post(
            path,
            params=shopee_params(store, path),
            json={"to_id": int(buyer.user_id), "message_type": "text", "content": {"text": "Hello! Yes, in stock."}},
        )
        assert sent.status_code == 200
        # send_message answers conversation_id as a bare int64 JSON number, not a string.
        assert re.search(rb'"conversation_id":\s*%s\b' % threads[0].id.encode(), sent.content)
        assert sent.json()["response"]["conversation_id"] == int(threads[0].id)

        path = f"{CHAT}/read_conversation"
        read = await client.post(
            path,
            params=shopee_params(store, path),
            json={"conversation_id": int(threads[0].id), "last_read_message_id": message["message_id"]},
        )
        assert read.json()["error"] == ""
        assert sb.state.thread(threads[0].id).unread_count() == 0
        [reply] = sb.state.truth.seller_replies
        assert reply.operation == "shopee.send_message" and reply.thread_id == threads[0].id


async def test_sign_timestamp_and_token_errors() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("shopee")
        path = f"{CHAT}/get_conversation_list"
        params = shopee_params(store, path, direction="latest", type="all")
        bad_sign = await client.get(path, params=params | {"sign": "0" * 64})
        assert bad_sign.status_code == 403
        assert bad_sign.json()["error"] == "error_sign" and bad_sign.json()["message"] == "Wrong sign."
        assert set(bad_sign.json()) == {"request_id", "error", "message"}

        stale = shopee_params(store, path, timestamp=int(time.time()) - 301, direction="latest", type="all")
        old = await client.get(path, params=stale)
        assert old.json()["error"] == "error_param" and old.json()["message"] == "Invalid timestamp"

        # A sign computed over another path is a wrong sign.
        wrong_path = shopee_params(store, f"{CHAT}/get_message", direction="latest", type="all")
        assert (await client.get(path, params=wrong_path)).json()["error"] == "error_sign"

        missing = {k: v for k, v in params.items() if k != "access_token"}
        assert (await client.get(path, params=missing)).json()["message"] == "There is no access_token in query."
        codes = [r.error_code for r in sb.state.truth.rejections]
        assert codes == ["error_sign", "error_param", "error_sign", "error_param"]


async def test_token_refresh() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("shopee")
        creds = store.credentials
        path = "/api/v2/auth/access_token/get"
        refreshed = await client.post(
            path,
            params=shopee_public_params(store, path),
            json={
                "refresh_token": creds["refresh_token"],
                "partner_id": creds["partner_id"],
                "shop_id": creds["shop_id"],
            },
        )
        body = refreshed.json()
        assert body["error"] == "" and body["expire_in"] == 14400
        creds["access_token"], creds["refresh_token"] = body["access_token"], body["refresh_token"]
        path = f"{CHAT}/get_unread_conversation_count"
        count = await client.get(path, params=shopee_params(store, path))
        assert count.json()["response"] == {"total_unread_count": 0}


async def test_push_code_10_signature_and_lost_pushes() -> None:
    sink = await PushSink().start()
    try:
        async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
            store = sb.store("shopee")
            store.push_target = f"{sink.url}/v1/hooks/shopee/ch_2"
            thread, message = sb.inject("shopee", "Baik kak, when do you ship?")
            await sb.drain_pushes()
            [push] = sink.received
            payload = push.json()
            assert payload["code"] == 10 and payload["shop_id"] == store.credentials["shop_id"]
            content = payload["data"]["content"]
            assert content["message_id"] == message.id and content["conversation_id"] == thread.id
            assert content["content"] == {"text": "Baik kak, when do you ship?"}
            assert verify_shopee_push(store.credentials["partner_key"], store.push_target, push)
            assert not verify_shopee_push("shpk-wrong", store.push_target, push)

            # A push the sandbox drops is recoverable through v2.push.get_lost_push_message.
            sb.set_fault("shopee", drop_pushes_next=1)
            _, lost_message = sb.inject("shopee", "Second message, never pushed")
            await sb.drain_pushes()
            assert len(sink.received) == 1
            path = "/api/v2/push/get_lost_push_message"
            lost = (await client.post(path, params=shopee_public_params(store, path))).json()["response"]
            [item] = lost["push_message_list"]
            assert item["code"] == 10 and lost_message.id in item["data"]
            path = "/api/v2/push/confirm_consumed_lost_push_message"
            await client.post(
                path, params=shopee_public_params(store, path), json={"last_message_id": lost["last_message_id"]}
            )
            path = "/api/v2/push/get_lost_push_message"
            again = (await client.post(path, params=shopee_public_params(store, path))).json()["response"]
            assert again["push_message_list"] == []
    finally:
        await sink.close()
