"""Classification through the real ingest path: what an ERP's push may say about a message (sender,
category, labels) and its validation, risks read from the text (labels, priority, the 1-hour BBB /
Attorney General policy), the automatic "no response needed" with its reason and its audited undo,
and a risk in a later message raising the conversation's priority."""

from datetime import UTC, datetime

from sqlalchemy import select

from api.models import AuditEntry
from tests.helpers import inbound, make_channel, push
from workers.tasks.automation import process_next


async def _drain(sessionmaker) -> None:
    while True:
        async with sessionmaker.begin() as s:
            if not await process_next(s):
                return


async def _conversation(client, conversation_id: str) -> dict:
    r = await client.get(f"/v1/conversations/{conversation_id}")
    assert r.status_code == 200, r.text
    return r.json()


def _running(conv: dict) -> list[dict]:
    return [c for c in conv["clocks"] if c["state"] == "running"]


async def test_pushed_walmart_customer_care_is_treated_like_synced_care_mail(tenant):
    channel = await make_channel(tenant.api)
    m = await push(
        tenant.api,
        channel["id"],
        sender="walmart_customer_care",
        body="Customer asks when the order ships, thanks",
        order_id="PO-1",
    )
    conv = await _conversation(tenant.api, m["conversation_id"])
    assert (conv["category"], conv["priority"]) == ("walmart_customer_care", "high")
    assert not m["no_response_needed"]  # Care always waits on the seller, "thanks" or not
    views = (await tenant.api.get("/v1/conversations", params={"view": "customer_care"})).json()["items"]
    assert [c["id"] for c in views] == [conv["id"]]


async def test_pushed_escalation_gets_the_label_urgency_and_the_one_hour_policy_on_an_api_channel(tenant):
    channel = await make_channel(tenant.api)
    m = await push(
        tenant.api,
        channel["id"],
        sender="walmart_escalations",
        subject="Attorney General complaint",
        body="Forwarded complaint regarding PO 123",
    )
    conv = await _conversation(tenant.api, m["conversation_id"])
    assert (conv["category"], conv["priority"]) == ("complaint", "urgent")
    assert "attorney_general_complaint" in conv["labels"]
    clocks = _running(conv)
    assert clocks and all(c["target_seconds"] == 3600 for c in clocks), clocks
    assert "attorney_general_complaint" in clocks[0]["reason"]


async def test_pushed_category_and_labels_are_taken_and_a_marketplace_notice_needs_no_reply(tenant):
    channel = await make_channel(tenant.api)
    m = await push(tenant.api, channel["id"], category="cancel", labels=["bbb_complaint"], body="hello")
    conv = await _conversation(tenant.api, m["conversation_id"])
    assert (conv["category"], conv["priority"]) == ("cancel", "urgent")
    assert conv["labels"] == ["bbb_complaint"]
    notice = await push(tenant.api, channel["id"], sender="marketplace", body="Your listing was updated.")
    conv = await _conversation(tenant.api, notice["conversation_id"])
    assert notice["author_kind"] == "system" and conv["category"] == "platform_notice"
    assert conv["waiting_since"] is None and not _running(conv)


async def test_unknown_sender_category_or_label_is_a_422_naming_the_field(tenant):
    channel = await make_channel(tenant.api)
    for field, value in (
        ("sender", "walmart_ceo"),
        ("category", "uncategorized"),
        ("category", "refunds"),
        ("labels", ["vip"]),
        ("labels", "bbb_complaint"),
    ):
        r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(**{field: value}))
        assert r.status_code == 422, (field, value, r.text)
        problem = r.json()
        assert any(field in str(e.get("field", e.get("loc", ""))) for e in problem["errors"]), problem


async def test_a_bbb_threat_in_the_text_gets_label_urgency_and_the_one_hour_policy(tenant):
    channel = await make_channel(tenant.api, marketplace="amazon")
    m = await push(
        tenant.api,
        channel["id"],
        body="Third time asking. If I don't hear back today I'm filing a complaint with the BBB.",
        order_id="111-2222222-3333333",
    )
    conv = await _conversation(tenant.api, m["conversation_id"])
    assert (conv["category"], conv["priority"]) == ("complaint", "urgent")
    assert {"bbb_complaint", "risk_legal"} <= set(conv["labels"])
    clocks = _running(conv)
    assert clocks and all(c["target_seconds"] == 3600 for c in clocks), clocks


async def test_the_issue_example_is_no_longer_order_status_normal(tenant):
    channel = await make_channel(tenant.api)
    m = await push(
        tenant.api,
        channel["id"],
        body="The product smells like burning plastic and I will leave negative feedback",
        order_id="PO-9",
    )
    conv = await _conversation(tenant.api, m["conversation_id"])
    assert conv["category"] != "order_status" and conv["priority"] == "urgent"
    assert {"risk_safety", "risk_negative_review"} <= set(conv["labels"])
    listed = (await tenant.api.get("/v1/conversations", params={"label": "risk_safety"})).json()["items"]
    assert [c["id"] for c in listed] == [conv["id"]]


async def test_a_thank_you_needs_no_response_with_a_reason_and_the_agent_can_undo_it(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    first = await push(tenant.api, channel["id"], external_thread_id="T-thanks", body="Where is my order?")
    replies = f"/v1/conversations/{first['conversation_id']}/replies"
    reply = await tenant.agent.post(replies, json={"body": "On its way"})
    assert reply.status_code == 201, reply.text
    sent = await tenant.api.post(f"/v1/messages/{reply.json()['id']}/delivery", json={"status": "sent"})
    assert sent.status_code == 200, sent.text
    thanks = await push(
        tenant.api,
        channel["id"],
        external_thread_id="T-thanks",
        body="Thanks, got it, everything is fine!",
        sent_at=datetime.now(UTC).isoformat(),  # after the reply, so undoing it makes it wait
    )
    assert thanks["no_response_needed"] and "thanks" in thanks["auto_no_response_reason"]
    conv = await _conversation(tenant.api, first["conversation_id"])
    assert conv["waiting_since"] is None and not _running(conv)
    await _drain(sessionmaker)
    async with sessionmaker() as s:
        automatic = (
            await s.execute(select(AuditEntry).where(AuditEntry.action == "message.no_response_needed"))
        ).scalar_one()
    assert automatic.actor_type == "automation" and automatic.data["automatic"] is True

    undo = await tenant.agent.post(f"/v1/messages/{thanks['id']}/response-needed")
    assert undo.status_code == 200, undo.text
    assert undo.json()["no_response_needed"] is False and undo.json()["auto_no_response_reason"] is None
    conv = await _conversation(tenant.api, first["conversation_id"])
    assert conv["waiting_since"] is not None and _running(conv)
    audit = (await tenant.admin.get("/v1/audit", params={"entity_id": thanks["id"]})).json()["items"]
    undone = next(a for a in audit if a["action"] == "message.response_needed")
    assert undone["data"]["undid"] == "automatic" and "thanks" in undone["data"]["reason"]
    # Undoing twice is a no-op; a manual mark afterwards carries no automatic reason.
    assert (await tenant.agent.post(f"/v1/messages/{thanks['id']}/response-needed")).status_code == 200
    marked = await tenant.agent.post(f"/v1/messages/{thanks['id']}/no-response-needed", json={"reason": "thanks_only"})
    assert marked.json()["no_response_needed"] is True and marked.json()["auto_no_response_reason"] is None


async def test_only_a_buyer_message_can_be_made_to_need_a_response(tenant):
    channel = await make_channel(tenant.api)
    m = await push(tenant.api, channel["id"], body="Where is my order?")
    reply = await tenant.agent.post(f"/v1/conversations/{m['conversation_id']}/replies", json={"body": "Soon"})
    r = await tenant.agent.post(f"/v1/messages/{reply.json()['id']}/response-needed")
    assert r.status_code == 409, r.text


async def test_a_threat_in_a_follow_up_raises_the_priority_and_is_audited(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    first = await push(tenant.api, channel["id"], external_thread_id="T-risk", body="Where is my order?")
    conv = await _conversation(tenant.api, first["conversation_id"])
    assert conv["priority"] == "normal"
    await push(tenant.api, channel["id"], external_thread_id="T-risk", body="Still nothing. My lawyer will call you.")
    await _drain(sessionmaker)
    conv = await _conversation(tenant.api, first["conversation_id"])
    assert conv["priority"] == "urgent" and "risk_legal" in conv["labels"]
    audit = (await tenant.admin.get("/v1/audit", params={"entity_id": conv["id"]})).json()["items"]
    raised = next(a for a in audit if a["action"] == "conversation.priority_raised")
    assert raised["data"]["from"] == "normal" and raised["data"]["to"] == "urgent"
