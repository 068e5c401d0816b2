"""Walmart Orders and Seller Response Rate; Amazon LWA and SP-API Messaging with its rate limit."""

from __future__ import annotations

import asyncio
import re
import smtplib
from email.message import EmailMessage

import httpx
import pytest

from tests.sandbox.helpers import running, walmart_headers, walmart_token

pytestmark = pytest.mark.asyncio


async def test_walmart_token_orders_and_required_headers() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("walmart")
        token = await walmart_token(client, store)
        first = await client.get("/v3/orders", params={"limit": 5}, headers=walmart_headers(token))
        assert first.status_code == 200
        listing = first.json()["list"]
        assert listing["meta"]["totalCount"] == 20 and len(listing["elements"]["order"]) == 5
        order = listing["elements"]["order"][0]
        assert re.fullmatch(r"\d{13,15}", order["purchaseOrderId"])
        assert order["customerEmailId"].endswith("@relay.walmart.com")
        line = order["orderLines"]["orderLine"][0]
        assert line["orderLineStatuses"]["orderLineStatus"][0]["status"] in (
            "Acknowledged",
            "Shipped",
            "Delivered",
            "Cancelled",
        )
        # nextCursor is a query string to append to /v3/orders.
        cursor = listing["meta"]["nextCursor"]
        second = await client.get(f"/v3/orders{cursor}", headers=walmart_headers(token))
        assert second.json()["list"]["elements"]["order"][0]["purchaseOrderId"] != order["purchaseOrderId"]
        single = await client.get(f"/v3/orders/{order['purchaseOrderId']}", headers=walmart_headers(token))
        assert single.json()["order"]["purchaseOrderId"] == order["purchaseOrderId"]

        no_svc = {k: v for k, v in walmart_headers(token).items() if k != "WM_SVC.NAME"}
        missing = await client.get("/v3/orders", headers=no_svc)
        assert missing.status_code == 400
        assert missing.json()["errors"]["error"][0]["code"] == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"
        bad_token = await client.get("/v3/orders", headers=walmart_headers("nope"))
        assert bad_token.status_code == 401
        assert bad_token.json()["errors"]["error"][0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
        sb.state.clock.advance(901)  # tokens last 15 minutes
        expired = await client.get("/v3/orders", headers=walmart_headers(token))
        assert expired.status_code == 401


async def test_walmart_srr_summary_from_truth() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("walmart")
        token = await walmart_token(client, store)
        empty = await client.get(
            "/v3/insights/performance/srr/summary", params={"reportDuration": 14}, headers=walmart_headers(token)
        )
        assert empty.status_code == 204

        late, late_msg = sb.inject("walmart", "Where is my order? (60 h ago)", age_seconds=60 * 3600)
        on_time, on_time_msg = sb.inject("walmart", "Can I return this? (30 h ago)", age_seconds=30 * 3600)
        sb.inject("walmart", "Is this waterproof? (10 h ago, still pending)", age_seconds=10 * 3600)
        creds = store.credentials

        def answer(thread_id: str, in_reply_to: str) -> None:
            msg = EmailMessage()
            msg["From"], msg["Subject"], msg["In-Reply-To"] = creds["seller_email"], "Re: hi", in_reply_to
            msg["To"] = sb.state.buyer(sb.state.thread(thread_id).buyer_id).address
            msg.set_content("Thanks for reaching out, here is the answer.")
            with smtplib.SMTP("127.0.0.1", sb.smtp_port) as smtp:
                smtp.login(creds["smtp_username"], creds["smtp_password"])
                smtp.send_message(msg)

        await asyncio.to_thread(answer, late.id, late_msg.mail_message_id)
        await asyncio.to_thread(answer, on_time.id, on_time_msg.mail_message_id)
        summary = await client.get(
            "/v3/insights/performance/srr/summary", params={"reportDuration": 30}, headers=walmart_headers(token)
        )
        payload = summary.json()["payload"]
        assert payload["reportDuration"] == 30
        assert (payload["totalCustomerMessages"], payload["respondedWithin48Hours"], payload["pendingResponse"]) == (
            2,
            1,
            1,
        )
        assert payload["overallRate"] == 50.0 and payload["performanceRiskLevel"] == "Urgent"
        assert payload["cumulativeRateTrend"] in ("RED_UP", "RED_DOWN", "NEUTRAL")
        bad = await client.get(
            "/v3/insights/performance/srr/summary", params={"reportDuration": 7}, headers=walmart_headers(token)
        )
        assert bad.status_code == 400


async def amazon_token(client: httpx.AsyncClient, creds: dict) -> str:
    response = await client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": creds["refresh_token"],
            "client_id": creds["lwa_client_id"],
            "client_secret": creds["lwa_client_secret"],
        },
    )
    assert response.status_code == 200 and response.json()["expires_in"] == 3600
    return response.json()["access_token"]


async def test_amazon_messaging_actions_and_send() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("amazon")
        token = await amazon_token(client, store.credentials)
        headers = {"x-amz-access-token": token}
        order = next(o for o in sb.state.catalog.orders_for_store(store) if o.status != "Cancelled")
        assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", order.order_id)
        query = {"marketplaceIds": "ATVPDKIKX0DER"}
        actions = await client.get(f"/messaging/v1/orders/{order.order_id}", params=query, headers=headers)
        assert actions.status_code == 200 and actions.headers["content-type"].startswith("application/hal+json")
        assert actions.headers["x-amzn-RateLimit-Limit"] == "1.0"
        names = [a["name"] for a in actions.json()["_links"]["actions"]]
        assert "unexpectedProblem" in names and "negativeFeedbackRemoval" not in names
        kind = "confirmOrderDetails" if order.status == "Created" else "unexpectedProblem"
        assert kind in names
        attributes = await client.get(
            f"/messaging/v1/orders/{order.order_id}/attributes", params=query, headers=headers
        )
        assert attributes.json()["buyer"]["locale"] in ("en-US", "zh-CN", "es-US")

        sent = await client.post(
            f"/messaging/v1/orders/{order.order_id}/messages/{kind}",
            params=query,
            headers=headers,
            json={"text": "Please confirm the engraving text."},
        )
        assert sent.status_code == 201 and sent.json() == {}
        [record] = sb.state.truth.seller_replies
        assert record.operation == f"amazon.{kind}" and record.counts_as_reply is False

        too_long = await client.post(
            f"/messaging/v1/orders/{order.order_id}/messages/{kind}",
            params=query,
            headers=headers,
            json={"text": "x" * 2001},
        )
        assert too_long.status_code == 400 and too_long.json()["errors"][0]["code"] == "InvalidInput"
        removed = await client.post(
            f"/messaging/v1/orders/{order.order_id}/messages/negativeFeedbackRemoval",
            params=query,
            headers=headers,
            json={},
        )
        assert removed.status_code == 404
        denied = await client.get(f"/messaging/v1/orders/{order.order_id}", params=query)
        assert denied.status_code == 403 and denied.json()["errors"][0]["code"] == "Unauthorized"


async def test_amazon_rate_limit_burst_of_five() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("amazon")
        order = sb.state.catalog.orders_for_store(store)[0]
        headers = {"x-amz-access-token": store.credentials["access_token"]}
        statuses = []
        for _ in range(7):
            response = await client.get(
                f"/messaging/v1/orders/{order.order_id}", params={"marketplaceIds": "ATVPDKIKX0DER"}, headers=headers
            )
            statuses.append(response.status_code)
        assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
        throttled = response if response.status_code == 429 else None
        assert throttled is not None and throttled.json()["errors"][0]["code"] == "QuotaExceeded"
        # The model lists only x-amzn-RequestId on a 429: no Retry-After, no rate-limit header.
        assert "Retry-After" not in throttled.headers and "x-amzn-RateLimit-Limit" not in throttled.headers
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", throttled.headers["x-amzn-RequestId"]
        )
        assert throttled.headers["content-type"].startswith("application/hal+json")
        # Each operation has its own bucket.
        attributes = await client.get(
            f"/messaging/v1/orders/{order.order_id}/attributes",
            params={"marketplaceIds": "ATVPDKIKX0DER"},
            headers=headers,
        )
        assert attributes.status_code == 200
        rejection = sb.state.truth.rejections[-1]
        assert rejection.status == 429 and rejection.injected is False


async def test_amazon_answers_hal_json_with_a_request_id_on_every_response() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("amazon")
        token = await amazon_token(client, store.credentials)
        headers = {"x-amz-access-token": token}
        order = next(o for o in sb.state.catalog.orders_for_store(store) if o.status == "Shipped")
        query = {"marketplaceIds": "ATVPDKIKX0DER"}
        base = f"/messaging/v1/orders/{order.order_id}"
        answers = {
            "actions": await client.get(base, params=query, headers=headers),
            "attributes": await client.get(f"{base}/attributes", params=query, headers=headers),
            "sent": await client.post(
                f"{base}/messages/confirmDeliveryDetails", params=query, headers=headers, json={"text": "Friday."}
            ),
            "invalid": await client.post(
                f"{base}/messages/confirmDeliveryDetails", params=query, headers=headers, json={"text": ""}
            ),
            "not_found": await client.get("/messaging/v1/orders/111-0000000-0000000", params=query, headers=headers),
            "denied": await client.get(base, params=query, headers={"x-amz-access-token": "Atza|nope"}),
            "unsupported": await client.post(
                f"{base}/messages/confirmDeliveryDetails", params=query, headers=headers, content=b"text=hi"
            ),
        }
        sb.set_fault("amazon", error_next=1, error_status=503)
        answers["unavailable"] = await client.get(base, params=query, headers=headers)
        expected = {
            "actions": 200, "attributes": 200, "sent": 201, "invalid": 400, "not_found": 404,
            "denied": 403, "unsupported": 415, "unavailable": 503,
        }  # fmt: skip
        assert {k: r.status_code for k, r in answers.items()} == expected
        ids = set()
        for name, response in answers.items():
            assert response.headers["content-type"].startswith("application/hal+json"), name
            ids.add(response.headers["x-amzn-RequestId"])
            # The model lists the rate-limit header on 200, 201, 400 and 404 only.
            assert ("x-amzn-RateLimit-Limit" in response.headers) == (response.status_code in (200, 201, 400, 404))
            if response.status_code >= 400:
                assert response.json()["errors"][0]["code"]
        assert len(ids) == len(answers)  # one fresh id per request


async def test_amazon_refuses_message_text_with_an_email_address() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("amazon")
        headers = {"x-amz-access-token": await amazon_token(client, store.credentials)}
        order = next(o for o in sb.state.catalog.orders_for_store(store) if o.status == "Shipped")
        url = f"/messaging/v1/orders/{order.order_id}/messages/confirmDeliveryDetails"
        query = {"marketplaceIds": "ATVPDKIKX0DER"}
        for text in ("Write to help@brightnest.example for a refund.", "mail me: a.b+c@mail.shop.co.uk"):
            refused = await client.post(url, params=query, headers=headers, json={"text": text})
            assert refused.status_code == 400
            assert refused.json()["errors"][0] == {
                "code": "InvalidInput",
                "message": "Invalid Input",
                "details": "text must not contain email addresses.",
            }
        # An @ that is not an address is not refused.
        fine = await client.post(url, params=query, headers=headers, json={"text": "2 @ $5 each, arriving Friday."})
        assert fine.status_code == 201
        assert [r.body for r in sb.state.truth.seller_replies] == ["2 @ $5 each, arriving Friday."]


async def test_amazon_offers_customisation_key_and_service_actions_on_orders_with_such_items() -> None:
    from sandbox.marketplaces.amazon import order_features

    async with running(orders_per_store=40) as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        store = sb.store("amazon")
        headers = {"x-amz-access-token": await amazon_token(client, store.credentials)}
        query = {"marketplaceIds": "ATVPDKIKX0DER"}
        # Forty orders in a row: lift the 1 request/s usage plan for this test.
        sb.set_fault("amazon", rate_limit_per_second=1000, rate_limit_burst=1000)
        seen: dict[str, set[str]] = {}
        for order in sb.state.catalog.orders_for_store(store):
            response = await client.get(f"/messaging/v1/orders/{order.order_id}", params=query, headers=headers)
            names = {a["name"] for a in response.json()["_links"]["actions"]}
            embedded = {a["_links"]["self"]["name"] for a in response.json()["_embedded"]["actions"]}
            assert names == embedded
            features = order_features(sb.state, order)
            live = order.status != "Cancelled"
            assert ("digitalAccessKey" in names) == (live and "digital_access" in features)
            assert ("confirmServiceDetails" in names) == (live and "home_service" in features)
            assert ("confirmCustomizationDetails" in names) == (
                "customizable" in features and order.status in ("Created", "Shipped")
            )
            for name in names:
                seen.setdefault(name, set()).add(order.order_id)
        # Some orders, not all: each of the three appears, on fewer orders than unexpectedProblem.
        for name in ("confirmCustomizationDetails", "digitalAccessKey", "confirmServiceDetails"):
            assert 0 < len(seen.get(name, ())) < len(seen["unexpectedProblem"]), name
        key_order = next(iter(seen["digitalAccessKey"]))
        sent = await client.post(
            f"/messaging/v1/orders/{key_order}/messages/digitalAccessKey",
            params=query,
            headers=headers,
            json={"text": "Your licence key: ABCD-1234-EFGH."},
        )
        assert sent.status_code == 201
        assert sb.state.truth.seller_replies[-1].operation == "amazon.digitalAccessKey"


@pytest.mark.parametrize(
    "text",
    [
        "Write to help@brightnest.example for a refund.",
        "mail me: a.b+c@mail.shop.co.uk",
        "请联系abc@example.com谢谢",
        "mailto:orders@brightnest-home.com",
        "Contact <support@brightnest.example>",
        "x@y",
        "2 @ $5 each",
        "name at domain dot com",
        "@brightnest on every network",
    ],
)
async def test_our_linter_blocks_every_text_amazon_refuses_for_an_address(text: str) -> None:
    """The compliance linter must refuse first whatever Amazon's text rule refuses."""
    from api.compliance.rules import check_message, has_blocking
    from sandbox.marketplaces.amazon import _validate
    from sandbox.marketplaces.common import MarketError

    try:
        _validate("confirmDeliveryDetails", {"text": text})
        refused = False
    except MarketError as exc:
        refused = True
        assert exc.body["errors"][0]["code"] == "InvalidInput"
    violations = check_message(text, "amazon")
    if refused:
        assert has_blocking(violations), text
        assert any(v.severity == "error" and v.code in ("email_address", "html_markup") for v in violations)
