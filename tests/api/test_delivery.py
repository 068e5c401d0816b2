"""Replies: queued, collected and confirmed by the ERP; failures listed under Failed and retried."""

from datetime import UTC, datetime, timedelta

from tests.helpers import make_channel, push


async def _reply(client, conv_id, body="Thanks, it ships today."):
    r = await client.post(f"/v1/conversations/{conv_id}/replies", json={"body": body})
    assert r.status_code == 201, r.text
    return r.json()


async def test_failed_delivery_lists_under_failed_and_retry_clears(tenant):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"])
    reply = await _reply(tenant.agent, msg["conversation_id"])
    r = await tenant.api.post(
        f"/v1/messages/{reply['id']}/delivery",
        json={"status": "failed", "error": "Marketplace said: 355013 text too long"},
    )
    assert r.json()["delivery_status"] == "failed"
    failed = await tenant.api.get("/v1/conversations", params={"view": "failed"})
    assert [c["id"] for c in failed.json()["items"]] == [msg["conversation_id"]]
    # The buyer is still waiting: a failed reply is no reply.
    still = await tenant.api.get("/v1/conversations", params={"view": "response_needed"})
    assert len(still.json()["items"]) == 1

    r = await tenant.agent.post(f"/v1/messages/{reply['id']}/retry")
    assert r.json()["delivery_status"] == "queued"
    failed = await tenant.api.get("/v1/conversations", params={"view": "failed"})
    assert failed.json()["items"] == []
    r = await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    assert r.json()["delivery_status"] == "sent"
    still = await tenant.api.get("/v1/conversations", params={"view": "response_needed"})
    assert still.json()["items"] == []


async def test_confirming_twice_is_harmless_but_outcome_cannot_flip(tenant):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"])
    reply = await _reply(tenant.agent, msg["conversation_id"])
    ok = {"status": "sent", "external_message_id": "x-1"}
    assert (await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json=ok)).status_code == 200
    assert (await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json=ok)).status_code == 200
    r = await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "failed", "error": "x"})
    assert r.status_code == 409


async def test_buyer_message_after_reply_was_written_keeps_waiting(tenant):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"], external_thread_id="Z", sent_at="2026-01-01T00:00:00+00:00")
    reply = await _reply(tenant.agent, msg["conversation_id"])
    # After the reply was written (a minute ahead, inside the clock skew a push may have).
    ahead = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    later = await push(tenant.api, channel["id"], external_thread_id="Z", sent_at=ahead)
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    r = await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")
    assert r.json()["waiting_since"] == later["sent_at"].replace("+00:00", "Z")


async def test_automated_reply_does_not_answer_on_amazon_style_channels(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    msg = await push(tenant.api, channel["id"])
    r = await tenant.api.post(
        f"/v1/conversations/{msg['conversation_id']}/replies",
        json={"body": "We got your message.", "author_kind": "auto"},
    )
    await tenant.api.post(f"/v1/messages/{r.json()['id']}/delivery", json={"status": "sent"})
    conv = await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")
    assert conv.json()["waiting_since"] is not None


async def test_agents_cannot_mark_their_replies_automated(tenant):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"])
    r = await tenant.agent.post(
        f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "hi", "author_kind": "auto"}
    )
    assert r.status_code == 422


async def test_connector_channels_refuse_erp_delivery_reports(tenant):
    r = await tenant.api.post(
        "/v1/channels",
        json={
            "marketplace": "ebay",
            "name": "eBay",
            "credentials": {"access_token": "t"},
            "settings": {"seller_username": "shop"},
            "verify": False,
        },
    )
    channel = r.json()
    assert channel["has_credentials"] is True and "credentials" not in channel
    msg = await push(tenant.api, channel["id"])
    reply = await _reply(tenant.agent, msg["conversation_id"])
    r = await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    assert r.status_code == 409
