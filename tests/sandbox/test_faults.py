"""Misbehaviour on demand: 5xx, throttling, timeouts, duplicated and lost pushes, skewed clocks, SMTP/IMAP."""

from __future__ import annotations

import asyncio
import imaplib
import json
import smtplib
import time
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pytest

from tests.sandbox.helpers import PushSink, ebay_headers, running, shopee_params, tiktok_call

pytestmark = pytest.mark.asyncio
CONVERSATIONS = "/commerce/message/v1/conversation"


async def test_server_errors_for_the_next_calls_then_recovery() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        headers = ebay_headers(sb.store("ebay").credentials["access_token"])
        sb.set_fault("ebay", error_next=2, error_status=503)
        params = {"conversation_type": "FROM_MEMBERS"}
        statuses = [(await client.get(CONVERSATIONS, params=params, headers=headers)).status_code for _ in range(3)]
        assert statuses == [503, 503, 200]
        assert [r.injected for r in sb.state.truth.rejections] == [True, True]
        assert sb.state.truth.rejections[0].error_code == "335000"

        sb.set_fault("ebay", error_rate=1.0)  # merged into the spec: error_status is still 503
        assert (await client.get(CONVERSATIONS, params=params, headers=headers)).status_code == 503
        sb.clear_faults("ebay")
        assert (await client.get(CONVERSATIONS, params=params, headers=headers)).status_code == 200


async def test_throttle_with_retry_after_and_store_scope() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        first = sb.store("shopee")
        second = sb.create_store("shopee", name="BrightNest MY", region="MY")
        sb.set_fault("shopee", store_id=first.id, throttle_next=1, retry_after_seconds=7)
        path = "/api/v2/sellerchat/get_unread_conversation_count"
        throttled = await client.get(path, params=shopee_params(first, path))
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
        assert throttled.json()["error"] == "error_too_many_request"
        # The fault was scoped to the first store only.
        assert (await client.get(path, params=shopee_params(second, path))).status_code == 200
        assert (await client.get(path, params=shopee_params(first, path))).status_code == 200

        # A tighter limit than the documented one: 1 call per second, burst 1.
        sb.set_fault("shopee", rate_limit_per_second=1, rate_limit_burst=1)
        codes = [(await client.get(path, params=shopee_params(second, path))).status_code for _ in range(2)]
        assert codes == [200, 429]


async def test_timeouts_before_and_after_the_work() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("ebay")
        headers = ebay_headers(store.credentials["access_token"])
        thread, _ = sb.inject("ebay", "Hello there")
        # `before`: the call hangs (a client that waits less than the hang gets no answer at all),
        # then answers 504 without doing the work.
        sb.set_fault("ebay", timeout_next=1, timeout_seconds=1.0)
        with pytest.raises(httpx.ReadTimeout):
            await client.get(CONVERSATIONS, params={"conversation_type": "FROM_MEMBERS"}, headers=headers, timeout=0.2)
        sb.set_fault("ebay", timeout_next=1, timeout_seconds=0.05)
        hung = await client.get(CONVERSATIONS, params={"conversation_type": "FROM_MEMBERS"}, headers=headers)
        assert hung.status_code == 504
        # (The first call is recorded once its hang ends, which may be after this line.)
        timeouts = [r for r in sb.state.truth.rejections if r.status == 504]
        assert timeouts and all(r.injected and r.operation == "getConversations" for r in timeouts)
        assert sb.state.truth.reads == [] and sb.state.truth.seller_replies == []

        # `after`: the message is sent, then the answer hangs past the client's timeout.
        sb.set_fault("ebay", timeout_next=1, timeout_seconds=1.0, timeout_mode="after")
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                "/commerce/message/v1/send_message",
                headers=headers,
                timeout=0.2,
                json={"conversationId": thread.id, "messageText": "Yes it is available."},
            )
        [reply] = sb.state.truth.seller_replies
        assert reply.body == "Yes it is available."
        # A naive retry doubles the reply, and the truth shows it.
        await client.post(
            "/commerce/message/v1/send_message",
            headers=headers,
            json={"conversationId": thread.id, "messageText": "Yes it is available."},
        )
        assert sb.state.truth.duplicate_replies() == [(thread.id, "Yes it is available.", 2)]


async def test_duplicated_and_dropped_pushes() -> None:
    sink = await PushSink().start()
    try:
        async with running() as sb:
            store = sb.store("ebay")
            store.push_target = f"{sink.url}/hook"
            sb.set_fault("ebay", duplicate_pushes=2)
            sb.inject("ebay", "Hi, is this new?")
            await sb.drain_pushes()
            ids = [r.json()["notification"]["notificationId"] for r in sink.received]
            assert len(ids) == 3 and len(set(ids)) == 1  # the same notification, three times
            assert [p.duplicate for p in sb.state.truth.pushes] == [False, True, True]

            sb.set_fault("ebay", duplicate_pushes=0, drop_pushes_next=1)
            _, lost = sb.inject("ebay", "Second question")
            await sb.drain_pushes()
            assert len(sink.received) == 3
            dropped = sb.state.truth.pushes[-1]
            assert dropped.message_id == lost.id and dropped.attempt == 0 and dropped.error == "dropped by fault"
            summary = sb.state.truth.summary()["by_marketplace"]["ebay"]
            assert summary["push_delivered"] == 3 and summary["push_duplicates"] == 2
    finally:
        await sink.close()


async def test_skewed_clock() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        tiktok = sb.store("tiktok")
        sb.set_fault("tiktok", clock_skew_seconds=3600)
        _, message = sb.inject("tiktok", "Hello from the future")
        assert message.created_at - message.world_at == timedelta(hours=1)
        listing = await tiktok_call(
            client,
            tiktok,
            "GET",
            "/customer_service/202309/conversations",
            {"page_size": 5},
            timestamp=int(time.time()) + 3590,
        )
        latest = listing.json()["data"]["conversations"][0]["latest_message"]
        # The listing reports the marketplace's (skewed) clock, exactly as the truth recorded it.
        assert latest["create_time"] == int(message.created_at.timestamp())
        # A connector signing with its own clock now falls outside TikTok's 5-minute window.
        own_clock = await tiktok_call(client, tiktok, "GET", "/customer_service/202309/conversations", {"page_size": 5})
        assert own_clock.json()["code"] == 36009004

        shopee = sb.store("shopee")
        sb.set_fault("shopee", clock_skew_seconds=-600)
        path = "/api/v2/sellerchat/get_unread_conversation_count"
        assert (await client.get(path, params=shopee_params(shopee, path))).json()["error"] == "error_param"
        sb.clear_faults("shopee")
        assert (await client.get(path, params=shopee_params(shopee, path))).json()["error"] == ""


async def test_smtp_temporary_failure_and_outage() -> None:
    async with running() as sb:
        creds = sb.store("amazon").credentials
        thread, message = sb.inject("amazon", "Is the blue one in stock?")

        def send() -> None:
            msg = EmailMessage()
            msg["From"], msg["Subject"] = creds["seller_email"], "Re"
            msg["To"] = sb.state.buyer(thread.buyer_id).address
            msg["In-Reply-To"] = message.mail_message_id
            msg.set_content("Yes, it is.")
            with smtplib.SMTP("127.0.0.1", sb.smtp_port) as smtp:
                smtp.login(creds["smtp_username"], creds["smtp_password"])
                smtp.send_message(msg)

        sb.set_fault("amazon", smtp_tempfail_next=1)
        with pytest.raises(smtplib.SMTPDataError) as raised:
            await asyncio.to_thread(send)
        assert raised.value.smtp_code == 451
        await asyncio.to_thread(send)  # the retry goes through
        assert len(sb.state.truth.seller_replies) == 1

        sb.set_fault("amazon", smtp_outage=True)
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            await asyncio.to_thread(send)
        assert refused.value.smtp_code == 421
        sb.set_fault("amazon", imap_outage=True)
        with pytest.raises(imaplib.IMAP4.error):
            await asyncio.to_thread(imaplib.IMAP4, "127.0.0.1", sb.imap_port)
        statuses = [r.status for r in sb.state.truth.rejections]
        assert statuses == [451, 421, "BYE"]


async def test_faults_over_the_admin_api() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        set_fault = await client.post("/_sandbox/faults", json={"marketplace": "walmart", "error_next": 1})
        assert set_fault.status_code == 200 and set_fault.json()["error_next"] == 1
        listed = await client.get("/_sandbox/faults")
        assert [f["marketplace"] for f in listed.json()["faults"]] == ["walmart"]
        invalid = await client.post("/_sandbox/faults", json={"marketplace": "walmart", "error_rate": 2})
        assert invalid.status_code == 422
        assert (await client.delete("/_sandbox/faults")).status_code == 204
        assert (await client.get("/_sandbox/faults")).json() == {"faults": []}
        assert json.loads((await client.get("/_sandbox/health")).text)["ok"] is True
