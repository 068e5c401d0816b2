"""eBay Commerce Message API v1, OAuth, Notification public key and signed NEW_MESSAGE pushes."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.sandbox.helpers import PushSink, ebay_headers, running, verify_ebay_push

pytestmark = pytest.mark.asyncio
BASE = "/commerce/message/v1"


async def test_conversations_happy_path() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("ebay")
        headers = ebay_headers(store.credentials["access_token"])
        thread, message = sb.inject("ebay", "Does the yoga mat come in purple?")

        listing = await client.get(
            f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=headers
        )
        assert listing.status_code == 200
        page = listing.json()
        assert page["total"] == 1 and page["limit"] == 25 and page["offset"] == 0
        conversation = page["conversations"][0]
        assert conversation["conversationId"] == thread.id
        assert conversation["referenceType"] == "LISTING" and conversation["referenceId"] == thread.listing_id
        assert "orderId" not in str(conversation)  # eBay conversations carry no order id
        assert conversation["unreadCount"] == 1
        assert conversation["latestMessage"]["senderUsername"] == sb.state.buyer(thread.buyer_id).handle

        detail = await client.get(
            f"{BASE}/conversation/{thread.id}", params={"conversation_type": "FROM_MEMBERS"}, headers=headers
        )
        assert detail.status_code == 200
        assert detail.json()["messages"][0]["messageId"] == message.id
        assert detail.json()["messages"][0]["recipientUsername"] == store.seller_handle

        sent = await client.post(
            f"{BASE}/send_message",
            headers=headers,
            json={"conversationId": thread.id, "messageText": "Yes, purple ships today."},
        )
        assert sent.status_code == 201
        body = sent.json()
        # sendMessage spells the user names differently from MessageDetail.
        assert body["senderUserName"] == store.seller_handle and "senderUsername" not in body
        assert body["recipientUserName"] == sb.state.buyer(thread.buyer_id).handle

        read = await client.post(
            f"{BASE}/update_conversation",
            headers=headers,
            json={
                "conversationId": thread.id,
                "conversationType": "FROM_MEMBERS",
                "read": True,
                "conversationStatus": "ARCHIVE",
            },
        )
        assert read.status_code == 204
        assert sb.state.thread(thread.id).unread_count() == 0
        assert sb.state.thread(thread.id).status == "ACTIVE"  # `read` wins over conversationStatus

        [reply] = sb.state.truth.seller_replies
        assert (reply.thread_id, reply.operation, reply.channel) == (thread.id, "ebay.sendMessage", "api")


async def test_documented_errors() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        headers = ebay_headers(sb.store("ebay").credentials["access_token"])
        thread, _ = sb.inject("ebay", "Hello?")

        bad_offset = await client.get(
            f"{BASE}/conversation",
            headers=headers,
            params={"conversation_type": "FROM_MEMBERS", "limit": 10, "offset": 5},
        )
        assert bad_offset.status_code == 400
        assert bad_offset.json()["errors"][0]["errorId"] == 355008
        assert bad_offset.json()["errors"][0]["domain"] == "API_MESSAGE"

        too_long = await client.post(
            f"{BASE}/send_message", headers=headers, json={"conversationId": thread.id, "messageText": "x" * 2001}
        )
        assert too_long.json()["errors"][0]["errorId"] == 355013

        unknown = await client.get(
            f"{BASE}/conversation/999", params={"conversation_type": "FROM_MEMBERS"}, headers=headers
        )
        assert unknown.json()["errors"][0]["errorId"] == 355007
        unknown_send = await client.post(
            f"{BASE}/send_message", headers=headers, json={"conversationId": "999", "messageText": "hi"}
        )
        assert unknown_send.json()["errors"][0]["errorId"] == 355007

        missing_type = await client.get(f"{BASE}/conversation", headers=headers)
        assert missing_type.json()["errors"][0]["errorId"] == 355017
        too_many_media = await client.post(
            f"{BASE}/send_message",
            headers=headers,
            json={
                "conversationId": thread.id,
                "messageText": "pics",
                "messageMedia": [
                    {"mediaName": f"{i}.jpg", "mediaType": "IMAGE", "mediaUrl": "https://x/y.jpg"} for i in range(6)
                ],
            },
        )
        assert too_many_media.json()["errors"][0]["errorId"] == 355010

        codes = [r.error_code for r in sb.state.truth.rejections]
        assert codes == ["355008", "355013", "355007", "355007", "355017", "355010"]
        assert not sb.state.truth.seller_replies


async def test_from_ebay_conversations_cannot_be_answered() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        headers = ebay_headers(sb.store("ebay").credentials["access_token"])
        system, _ = sb.inject(
            "ebay",
            "Your payout has been initiated.",
            conversation_type="FROM_EBAY",
            category="system_notice",
            subject="Your payout has been initiated",
        )
        members = await client.get(
            f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=headers
        )
        assert members.json()["total"] == 0
        from_ebay = await client.get(f"{BASE}/conversation", params={"conversation_type": "FROM_EBAY"}, headers=headers)
        [conversation] = from_ebay.json()["conversations"]
        assert conversation["latestMessage"]["senderUsername"] == "eBay"
        assert "referenceType" not in conversation

        reply = await client.post(
            f"{BASE}/send_message", headers=headers, json={"conversationId": system.id, "messageText": "Thanks eBay"}
        )
        assert reply.status_code == 400 and reply.json()["errors"][0]["errorId"] == 355007
        assert not sb.state.truth.seller_replies
        assert sb.state.truth.buyer_messages[0].expects_reply is False


async def test_oauth_tokens_and_invalid_token() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        creds = sb.store("ebay").credentials
        basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
        refreshed = await client.post(
            "/identity/v1/oauth2/token",
            headers={"Authorization": f"Basic {basic}"},
            data={"grant_type": "refresh_token", "refresh_token": creds["refresh_token"], "scope": creds["scope"]},
        )
        assert refreshed.status_code == 200 and refreshed.json()["expires_in"] == 7200
        token = refreshed.json()["access_token"]
        ok = await client.get(
            f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=ebay_headers(token)
        )
        assert ok.status_code == 200

        bad = await client.get(
            f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=ebay_headers("nope")
        )
        assert bad.status_code == 401 and bad.json()["errors"][0]["errorId"] == 1001

        # The world clock passing two hours expires the user token, as on eBay.
        sb.state.clock.advance(7201)
        expired = await client.get(
            f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=ebay_headers(token)
        )
        assert expired.status_code == 401


async def test_new_message_push_is_signed_and_verifiable() -> None:
    sink = await PushSink().start()
    try:
        async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
            store = sb.store("ebay")
            store.push_target = f"{sink.url}/v1/hooks/ebay/ch_1"
            thread, message = sb.inject("ebay", "Is this still available? 还有货吗？")
            await sb.drain_pushes()
            [push] = sink.received
            assert push.path == "/v1/hooks/ebay/ch_1"
            envelope = push.json()
            assert envelope["metadata"]["topic"] == "NEW_MESSAGE"
            data = envelope["notification"]["data"]
            assert (data["messageId"], data["conversationId"]) == (message.id, thread.id)
            assert data["senderUserName"] == sb.state.buyer(thread.buyer_id).handle
            assert data["messageBody"] == "Is this still available? 还有货吗？"
            assert await verify_ebay_push(client, store.credentials["access_token"], push)

            tampered = type(push)(push.path, push.headers, push.body.replace(b"available", b"AVAILABLE"))
            assert not await verify_ebay_push(client, store.credentials["access_token"], tampered)

            unknown_kid = await client.get(
                "/commerce/notification/v1/public_key/nope", headers=ebay_headers(store.credentials["access_token"])
            )
            assert unknown_kid.status_code == 404 and unknown_kid.json()["errors"][0]["errorId"] == 195001
            [record] = sb.state.truth.pushes
            assert record.status_code == 200 and record.event == "NEW_MESSAGE"
    finally:
        await sink.close()
