"""ERP pushes of buyer messages: idempotency, threading, validation, round-tripping text."""

from tests.helpers import inbound, make_channel, push


async def test_same_push_twice_returns_same_message(tenant):
    channel = await make_channel(tenant.api)
    payload = inbound()
    first = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload)
    second = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload)
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    r = await tenant.api.get(f"/v1/conversations/{first.json()['conversation_id']}")
    assert r.json()["message_count"] == 1


async def test_same_external_id_other_body_is_conflict(tenant):
    channel = await make_channel(tenant.api)
    payload = inbound()
    await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload)
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json={**payload, "body": "changed"})
    assert r.status_code == 409
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == "body.external_message_id"


async def test_threading_by_thread_id_then_order_and_buyer(tenant):
    channel = await make_channel(tenant.api)
    a = await push(tenant.api, channel["id"], external_thread_id="T1")
    b = await push(tenant.api, channel["id"], external_thread_id="T1")
    assert a["conversation_id"] == b["conversation_id"]
    buyer = {"external_id": "buyer-x", "name": "X"}
    c = await push(tenant.api, channel["id"], external_thread_id=None, order_id="O-1", buyer=buyer)
    d = await push(tenant.api, channel["id"], external_thread_id=None, order_id="O-1", buyer=buyer)
    e = await push(tenant.api, channel["id"], external_thread_id=None, order_id="O-1", buyer={"external_id": "buyer-y"})
    assert c["conversation_id"] == d["conversation_id"] != e["conversation_id"]
    lone1 = await push(tenant.api, channel["id"], external_thread_id=None)
    lone2 = await push(tenant.api, channel["id"], external_thread_id=None)
    assert lone1["conversation_id"] != lone2["conversation_id"]


async def test_chinese_and_emoji_round_trip_byte_for_byte(tenant):
    channel = await make_channel(tenant.api)
    text = "你好，我的订单什么时候发货？🙏📦 Ñandú — ‘quotes’ \u200d👩‍👩‍👧"
    msg = await push(tenant.api, channel["id"], body=text, subject="发货时间 🚚")
    r = await tenant.api.get(f"/v1/messages/{msg['id']}")
    assert r.json()["body"].encode() == text.encode()
    assert r.json()["subject"] == "发货时间 🚚"


async def test_unknown_fields_and_naive_timestamps_are_rejected(tenant):
    channel = await make_channel(tenant.api)
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json={**inbound(), "organization_id": "x"})
    assert r.status_code == 422
    assert {"field": "body.organization_id", "reason": "unknown field"} in r.json()["errors"]
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(sent_at="2026-11-20T10:00:00"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.sent_at"
    assert "timezone" in r.json()["errors"][0]["reason"]


async def test_size_caps_are_bytes(tenant):
    channel = await make_channel(tenant.api)
    # 21,846 three-byte characters = 65,538 bytes: over 64 KB though under 64K characters.
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(body="好" * 21_846))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.body"
    assert "65536" in r.json()["errors"][0]["reason"]
    ok = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(body="好" * 21_845))
    assert ok.status_code == 201
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(subject="x" * 1025))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.subject"


async def test_oversized_request_is_413(tenant):
    channel = await make_channel(tenant.api)
    r = await tenant.api.post(
        f"/v1/channels/{channel['id']}/messages", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["status"] == 413


async def test_disabled_channel_refuses_pushes(tenant):
    channel = await make_channel(tenant.api)
    await tenant.api.post(f"/v1/channels/{channel['id']}/disable")
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound())
    assert r.status_code == 409


async def test_later_buyer_messages_do_not_reset_the_wait(tenant):
    channel = await make_channel(tenant.api)
    first = await push(tenant.api, channel["id"], external_thread_id="W", sent_at="2026-11-20T10:00:00+00:00")
    await push(tenant.api, channel["id"], external_thread_id="W", sent_at="2026-11-20T12:00:00+00:00")
    # A late-arriving older message moves the start back; it never moves forward.
    await push(tenant.api, channel["id"], external_thread_id="W", sent_at="2026-11-20T09:00:00+08:00")
    r = await tenant.api.get(f"/v1/conversations/{first['conversation_id']}")
    assert r.json()["waiting_since"] == "2026-11-20T01:00:00Z"


async def test_system_notices_need_no_reply(tenant):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"], author_kind="system")
    r = await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")
    assert r.json()["waiting_since"] is None
