"""Follow-up contact (回访) after a case closes: not allowed on Walmart or Amazon (the decision and
its reason are on the case), scheduled on eBay, sent when due, cancelled when the buyer wrote."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.case import followup
from api.models import Message
from tests.case.test_cases_api import walmart_conversation
from tests.helpers import make_channel, push


async def _settings(tenant, body="Hello, did the replacement solve the problem for order {{ order_id }}?"):
    template = (
        await tenant.admin.post("/v1/templates", json={"name": "Follow-up", "category": "after_sales", "body": body})
    ).json()
    r = await tenant.admin.patch(
        "/v1/cases/settings",
        json={"followup_enabled": True, "followup_days": 3, "followup_template_id": template["id"]},
    )
    assert r.status_code == 200, r.text
    return template


async def _close_refund(client, conv):
    case = (await client.post("/v1/cases", json={"conversation_id": conv, "kind": "refund"})).json()
    for to in ("approved", "refunded", "closed"):
        r = await client.post(f"/v1/cases/{case['id']}/transitions", json={"to": to})
        assert r.status_code == 200, r.text
    return r.json()


async def test_walmart_follow_up_is_not_allowed_and_says_why(tenant):
    await _settings(tenant)
    _, conv = await walmart_conversation(tenant)
    case = await _close_refund(tenant.agent, conv)
    assert case["followup_state"] == "not_allowed" and case["followup_due_at"] is None
    assert "unsolicited" in case["followup_reason"] and "Walmart" in case["followup_reason"]


async def test_amazon_follow_up_is_not_allowed(tenant):
    await _settings(tenant)
    channel = await make_channel(tenant.api, marketplace="amazon")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    case = await _close_refund(tenant.agent, conv)
    assert case["followup_state"] == "not_allowed" and "Amazon" in case["followup_reason"]


async def test_ebay_follow_up_is_scheduled_then_sent(tenant, sessionmaker):
    await _settings(tenant)
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"], order_id="EB-9"))["conversation_id"]
    case = await _close_refund(tenant.agent, conv)
    assert case["followup_state"] == "scheduled"
    due = datetime.fromisoformat(case["followup_due_at"])
    assert due - datetime.fromisoformat(case["closed_at"]) == timedelta(days=3)
    async with sessionmaker.begin() as s:
        assert await followup.send_due(s, due - timedelta(minutes=1)) == 0
    async with sessionmaker.begin() as s:
        assert await followup.send_due(s, due + timedelta(seconds=1)) == 1
    async with sessionmaker.begin() as s:
        assert await followup.send_due(s, due + timedelta(days=1)) == 0  # once
    got = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert got["followup_state"] == "sent"
    async with sessionmaker() as s:
        sent = (
            (
                await s.execute(
                    select(Message).where(Message.conversation_id == uuid.UUID(conv), Message.direction == "outbound")
                )
            )
            .scalars()
            .all()
        )
    assert len(sent) == 1 and "EB-9" in sent[0].body and sent[0].author_kind == "auto"


async def test_ebay_follow_up_is_cancelled_when_the_buyer_wrote(tenant, sessionmaker):
    await _settings(tenant)
    channel = await make_channel(tenant.api, marketplace="ebay")
    first = await push(tenant.api, channel["id"], external_thread_id="thread-x")
    case = await _close_refund(tenant.agent, first["conversation_id"])
    later = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    await push(tenant.api, channel["id"], external_thread_id="thread-x", sent_at=later)
    async with sessionmaker.begin() as s:
        assert await followup.send_due(s, datetime.now(UTC) + timedelta(days=4)) == 1
    got = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert got["followup_state"] == "cancelled" and "the buyer wrote" in got["followup_reason"]


async def test_a_template_that_solicits_reviews_is_not_sent_on_ebay(tenant):
    await _settings(tenant, body="Please leave us a 5-star review and visit https://my-shop.example.com for coupons")
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    case = await _close_refund(tenant.agent, conv)
    assert case["followup_state"] == "not_allowed" and "rules" in case["followup_reason"]


async def test_settings_refuse_enabling_without_a_template(tenant):
    r = await tenant.admin.patch("/v1/cases/settings", json={"followup_enabled": True})
    assert r.status_code == 422
    r = await tenant.agent.patch("/v1/cases/settings", json={"followup_days": 2})
    assert r.status_code == 403
    r = await tenant.admin.patch("/v1/cases/settings", json={"handling_seconds": {"return": -1}})
    assert r.status_code == 422
    r = await tenant.admin.patch("/v1/cases/settings", json={"handling_seconds": {"return": 3600}})
    assert r.json()["handling_seconds"]["return"] == 3600 and r.json()["handling_seconds"]["claim"] == 0
