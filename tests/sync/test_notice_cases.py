"""A marketplace notice that opens a case, end to end through the eBay stand-in: the FROM_EBAY "item
not received" message becomes a case with eBay's deadline, and its conversation waits in Response
Needed, with high priority, routed like a buyer message."""

from datetime import UTC, datetime, timedelta

from api.case.notices import business_days_after
from tests.automation.test_pipeline import drain
from tests.sync.conftest import connect, poll


async def test_an_ebay_item_not_received_notice_opens_a_case_on_the_clock(tenant, sb, rt, sessionmaker):
    r = await tenant.admin.post(
        "/v1/assignment/rules",
        json={
            "name": "After-sales to Agent",
            "position": 1,
            "conditions": {"categories": ["return_refund"]},
            "user_id": str(tenant.agent_id),
        },
    )
    assert r.status_code == 201, r.text
    channel = await connect(tenant.api, sb, "ebay")
    _, notice = sb.inject(
        "ebay",
        "jo_99 says they haven't received the mug. Inquiry ID: 5012345678. Respond within 3 business days "
        "with tracking or a refund.",
        subject="An item not received request was opened",
        conversation_type="FROM_EBAY",
    )
    sb.inject("ebay", "Your payout has been initiated. No action is needed.", conversation_type="FROM_EBAY")
    await poll(rt, channel)
    await drain(sessionmaker)
    await poll(rt, channel)  # a re-read opens nothing new
    await drain(sessionmaker)

    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    assert case["kind"] == "claim" and case["source"] == "marketplace" and case["marketplace"] == "ebay"
    assert case["marketplace_case_id"] == "5012345678"
    sent = notice.created_at.replace(microsecond=0, tzinfo=notice.created_at.tzinfo or UTC)
    deadline = business_days_after(sent, 3)
    assert abs((deadline - datetime.fromisoformat(case["marketplace_deadline"])).total_seconds()) < 2
    conv = (await tenant.agent.get(f"/v1/conversations/{case['conversation_id']}")).json()
    assert conv["waiting_since"] is not None and conv["category"] == "return_refund" and conv["priority"] == "high"
    assert conv["assignee_id"] == str(tenant.agent_id)
    waiting = (await tenant.agent.get("/v1/conversations", params={"view": "response_needed"})).json()["items"]
    assert [c["id"] for c in waiting] == [case["conversation_id"]]
    # The other notice stays a low-priority notice with no case.
    notices = [c for c in (await tenant.agent.get("/v1/conversations")).json()["items"] if c["id"] != conv["id"]]
    assert len(notices) == 1 and notices[0]["category"] == "platform_notice"
    assert timedelta(days=3) <= deadline - sent <= timedelta(days=5)
