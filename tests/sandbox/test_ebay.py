"""eBay Commerce Message API v1, OAuth, Notification public key and signed NEW_MESSAGE pushes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

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


MESSAGE_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.message"


async def test_a_token_without_the_message_scope_is_refused_403_as_ebay_does() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("ebay")
        thread, _ = sb.inject("ebay", "Hello?")
        narrow = sb.mint_token(store, "user", scopes=["https://api.ebay.com/oauth/api_scope/sell.inventory"])
        assert narrow.scopes == ["https://api.ebay.com/oauth/api_scope/sell.inventory"]
        calls = [
            client.get(
                f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=ebay_headers(narrow.token)
            ),
            client.post(
                f"{BASE}/send_message",
                headers=ebay_headers(narrow.token),
                json={"conversationId": thread.id, "messageText": "hi"},
            ),
            client.post(
                f"{BASE}/update_conversation",
                headers=ebay_headers(narrow.token),
                json={"conversationId": thread.id, "conversationType": "FROM_MEMBERS", "read": True},
            ),
        ]
        for call in calls:
            refused = await call
            assert refused.status_code == 403
            assert refused.json() == {
                "errors": [
                    {
                        "errorId": 1100,
                        "domain": "ACCESS",
                        "category": "REQUEST",
                        "message": "Access denied",
                        "longMessage": "Insufficient permissions to fulfill the request.",
                    }
                ]
            }
        assert not sb.state.truth.seller_replies and not sb.state.truth.reads
        assert [r.status for r in sb.state.truth.rejections] == [403, 403, 403]

        # The store's own token was granted the scope; a minted one by default carries the store's.
        default = sb.mint_token(store, "user")
        assert default.scopes == [MESSAGE_SCOPE]
        ok = await client.get(
            f"{BASE}/conversation", params={"conversation_type": "FROM_MEMBERS"}, headers=ebay_headers(default.token)
        )
        assert ok.status_code == 200


async def test_admin_api_mints_tokens_and_refresh_cannot_widen_the_scopes() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("ebay")
        minted = await client.post(
            f"/_sandbox/stores/{store.id}/tokens",
            json={"kind": "refresh", "scopes": ["https://api.ebay.com/oauth/api_scope"]},
        )
        assert minted.status_code == 201, minted.text
        assert minted.json()["kind"] == "refresh" and minted.json()["store_id"] == store.id
        refresh = minted.json()["token"]
        creds = store.credentials
        basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
        wider = await client.post(
            "/identity/v1/oauth2/token",
            headers={"Authorization": f"Basic {basic}"},
            data={"grant_type": "refresh_token", "refresh_token": refresh, "scope": MESSAGE_SCOPE},
        )
        assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
        # Without a scope parameter the new user token carries what was consented: still not enough.
        same = await client.post(
            "/identity/v1/oauth2/token",
            headers={"Authorization": f"Basic {basic}"},
            data={"grant_type": "refresh_token", "refresh_token": refresh},
        )
        assert same.status_code == 200
        listed = await client.get(
            f"{BASE}/conversation",
            params={"conversation_type": "FROM_MEMBERS"},
            headers=ebay_headers(same.json()["access_token"]),
        )
        assert listed.status_code == 403 and listed.json()["errors"][0]["errorId"] == 1100

        assert (await client.post(f"/_sandbox/stores/{store.id}/tokens", json={"kind": "access"})).status_code == 422
        shopee = sb.store("shopee")
        scoped = await client.post(f"/_sandbox/stores/{shopee.id}/tokens", json={"kind": "access", "scopes": ["x"]})
        assert scoped.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"conversationId": 5, "conversationType": "FROM_MEMBERS", "read": True},
        {"conversationId": "1", "conversationType": ["FROM_MEMBERS"], "read": True},
        {"conversationId": "1", "conversationType": "FROM_MEMBERS", "read": "false"},
        {"conversationId": "1", "conversationType": "FROM_MEMBERS", "conversationStatus": {"a": 1}},
        {"conversationId": "1", "conversationType": "FROM_MEMBERS", "read": 0},
    ],
)
async def test_wrongly_typed_update_bodies_are_400_with_errors(body: dict[str, object]) -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        headers = ebay_headers(sb.store("ebay").credentials["access_token"])
        thread, _ = sb.inject("ebay", "Hello?")
        if body["conversationId"] == "1":
            body = {**body, "conversationId": thread.id}
        response = await client.post(f"{BASE}/update_conversation", headers=headers, json=body)
        assert response.status_code == 400
        [err] = response.json()["errors"]
        assert (err["errorId"], err["domain"], err["category"]) == (2004, "ACCESS", "REQUEST")
        assert not sb.state.truth.reads


@pytest.mark.parametrize(
    "body",
    [
        {"conversations": "abc"},
        {"conversations": 5},
        {"conversations": {"conversationId": "1"}},
        {"conversations": ["x"]},
        {"conversations": [{"conversationId": "1", "conversationType": 7, "conversationStatus": "READ"}]},
        {"conversations": [{"conversationId": "1", "conversationType": "FROM_MEMBERS", "conversationStatus": 1}]},
    ],
)
async def test_wrongly_typed_bulk_bodies_are_400_with_errors(body: dict[str, object]) -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        headers = ebay_headers(sb.store("ebay").credentials["access_token"])
        response = await client.post(f"{BASE}/bulk_update_conversation", headers=headers, json=body)
        assert response.status_code == 400
        assert response.json()["errors"][0]["errorId"] == 2004
        not_json = await client.post(f"{BASE}/bulk_update_conversation", headers=headers, content=b"[1, 2")
        assert not_json.status_code == 400 and not_json.json()["errors"][0]["errorId"] == 2004


async def test_bulk_update_accepts_read_and_unread() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        headers = ebay_headers(sb.store("ebay").credentials["access_token"])
        first, _ = sb.inject("ebay", "One?")
        second, _ = sb.inject("ebay", "Two?")
        response = await client.post(
            f"{BASE}/bulk_update_conversation",
            headers=headers,
            json={
                "conversations": [
                    {"conversationId": first.id, "conversationType": "FROM_MEMBERS", "conversationStatus": "READ"},
                    {"conversationId": second.id, "conversationType": "FROM_MEMBERS", "conversationStatus": "ARCHIVE"},
                    {"conversationId": "999", "conversationType": "FROM_MEMBERS", "conversationStatus": "READ"},
                    {"conversationId": second.id, "conversationType": "FROM_MEMBERS", "conversationStatus": "BOGUS"},
                ]
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert [r["updateStatus"] for r in body["conversationsResponse"]] == [
            "SUCCESS",
            "SUCCESS",
            "FAILURE",
            "FAILURE",
        ]
        assert body["conversationsMetadata"] == {
            "totalConversationsCount": 4,
            "updateSuccessCount": 2,
            "updateFailureCount": 2,
        }
        assert sb.state.thread(first.id).unread_count() == 0
        assert sb.state.thread(second.id).status == "ARCHIVE"

        unread = await client.post(
            f"{BASE}/bulk_update_conversation",
            headers=headers,
            json={
                "conversations": [
                    {"conversationId": first.id, "conversationType": "FROM_MEMBERS", "conversationStatus": "UNREAD"}
                ]
            },
        )
        assert unread.json()["conversationsResponse"][0]["updateStatus"] == "SUCCESS"
        assert sb.state.thread(first.id).unread_count() == 1
        assert sb.state.thread(first.id).status == "ACTIVE"  # READ/UNREAD are not conversation statuses
        assert [r.detail for r in sb.state.truth.reads if r.thread_id == first.id] == ["read", "unread"]


WRONG = [1, 1.5, True, "x", [], ["a"], {}, {"a": 1}]


def _mutations(body: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every body obtained by giving one field (nested ones too) a value of another JSON type."""
    leaves = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, value in leaves:
        for wrong in WRONG:
            if type(wrong) is not type(value) and not (isinstance(value, list) and wrong == []):
                yield (*path, key), _replace(body, key, wrong)
        for inner_path, inner in _mutations(value, (*path, key)):
            yield inner_path, _replace(body, key, inner)


def _replace(container: Any, key: Any, value: Any) -> Any:
    copy = dict(container) if isinstance(container, dict) else list(container)
    copy[key] = value
    return copy


async def test_no_wrongly_typed_body_field_is_a_500_on_any_post() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("ebay")
        headers = ebay_headers(store.credentials["access_token"])
        thread, _ = sb.inject("ebay", "Hello?")
        media = {"mediaName": "a.jpg", "mediaType": "IMAGE", "mediaUrl": "https://x/a.jpg"}
        valid = {
            "send_message": {
                "conversationId": thread.id,
                "messageText": "hi",
                "messageMedia": [media],
                "reference": {"referenceType": "LISTING", "referenceId": thread.listing_id},
                "emailCopyToSender": False,
            },
            "update_conversation": {"conversationId": thread.id, "conversationType": "FROM_MEMBERS", "read": True},
            "bulk_update_conversation": {
                "conversations": [
                    {"conversationId": thread.id, "conversationType": "FROM_MEMBERS", "conversationStatus": "READ"}
                ]
            },
        }
        tried = 0
        for operation, body in valid.items():
            for path, mutated in _mutations(body):
                response = await client.post(f"{BASE}/{operation}", headers=headers, json=mutated)
                tried += 1
                assert response.status_code == 400, (operation, path, mutated, response.text)
                [err] = response.json()["errors"]
                assert err["errorId"] == 2004 and err["category"] == "REQUEST", (operation, path)
            # The body itself of another type (an absent body is allowed: requestBody is optional).
            for whole in (b"null", b"1", b'"x"', json.dumps([body]).encode(), b"{not json"):
                response = await client.post(f"{BASE}/{operation}", headers=headers, content=whole)
                assert response.status_code == 400 and response.json()["errors"], (operation, whole)
        assert tried > 100
        assert not sb.state.truth.seller_replies and not sb.state.truth.reads
