"""Triage at a glance (issue 16): previews show the buyer's words, work lists sort by deadline,
"no response needed" cannot stop a clock by accident, people's values win over rules, and messages
dated in the future are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from api.models import AuditEntry, Conversation
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


async def _conversation(client, conversation_id):
    return (await client.get(f"/v1/conversations/{conversation_id}")).json()


async def _audit(sessionmaker, conversation_id, action):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(AuditEntry)
            .where(AuditEntry.entity_id == str(conversation_id), AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def test_preview_keeps_the_buyers_words_after_our_replies(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    now = datetime.now(UTC)
    msg = await push(
        tenant.api,
        channel["id"],
        external_thread_id="P",
        body="Where is   my\nparcel?",
        sent_at=iso(now - timedelta(minutes=30)),
    )
    conv = msg["conversation_id"]
    await tenant.api.post(
        f"/v1/conversations/{conv}/replies", json={"body": "Thank you, we are away.", "author_kind": "auto"}
    )
    await tenant.agent.post(f"/v1/conversations/{conv}/replies", json={"body": "It ships today."})
    listed = (await tenant.api.get("/v1/conversations")).json()["items"]
    assert [c["last_message_preview"] for c in listed if c["id"] == conv] == ["Where is my parcel?"]
    # A buyer message synced late (older than our replies, newer than the buyer's last) still shows.
    await push(
        tenant.api, channel["id"], external_thread_id="P", body="Any news?", sent_at=iso(now - timedelta(minutes=10))
    )
    assert (await _conversation(tenant.api, conv))["last_message_preview"] == "Any news?"
    # An older one does not replace a newer one.
    await push(tenant.api, channel["id"], external_thread_id="P", body="Hello", sent_at=iso(now - timedelta(hours=2)))
    assert (await _conversation(tenant.api, conv))["last_message_preview"] == "Any news?"


async def test_work_lists_sort_by_deadline_overdue_first_then_undated(tenant, sessionmaker):
    walmart = await make_channel(tenant.api, marketplace="walmart")  # 48 h clock
    api = await make_channel(tenant.api, marketplace="api")
    now = datetime.now(UTC).replace(microsecond=0)
    overdue = await push(tenant.api, walmart["id"], sent_at=iso(now - timedelta(hours=50)))
    soon = await push(tenant.api, walmart["id"], sent_at=iso(now - timedelta(hours=40)))
    later = await push(tenant.api, walmart["id"], sent_at=iso(now - timedelta(hours=1)))
    newest = await push(tenant.api, api["id"], sent_at=iso(now - timedelta(minutes=1)))
    undated = await push(tenant.api, api["id"], sent_at=iso(now - timedelta(minutes=2)))
    # Whatever clocks the built-in policies gave the api channel, take them away for this test.
    async with sessionmaker.begin() as s:
        await s.execute(
            update(Conversation)
            .where(Conversation.id.in_([newest["conversation_id"], undated["conversation_id"]]))
            .values(sla_deadline=None, sla_due_soon_at=None)
        )
    expected = [m["conversation_id"] for m in (overdue, soon, later, newest, undated)]

    listed = (await tenant.api.get("/v1/conversations", params={"view": "response_needed"})).json()["items"]
    assert [c["id"] for c in listed] == expected
    assert listed[0]["sla_state"] == "overdue"
    # One row a page, across the boundary between dated and undated rows.
    seen, cursor = [], None
    while True:
        params = {"view": "response_needed", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await tenant.api.get("/v1/conversations", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    # The other lists keep newest activity first unless asked.
    everything = (await tenant.api.get("/v1/conversations")).json()["items"]
    assert [c["id"] for c in everything][:2] == [newest["conversation_id"], undated["conversation_id"]]
    by_activity = (
        await tenant.api.get("/v1/conversations", params={"view": "response_needed", "sort": "last_message"})
    ).json()["items"]
    assert by_activity[0]["id"] == newest["conversation_id"]


async def test_no_response_needed_needs_a_reason_confirms_questions_and_undoes(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="walmart")
    question = await push(tenant.api, channel["id"], body="Does this fit a 2019 model?")
    path = f"/v1/messages/{question['id']}/no-response-needed"
    conv = question["conversation_id"]
    assert question["contains_question"] is True

    r = await tenant.agent.post(path, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.reason"
    r = await tenant.agent.post(path, json={"reason": "thanks_only"})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "body.confirm_question"
    r = await tenant.agent.post(path, json={"reason": "other"})
    assert r.status_code in (409, 422)
    before = (await _conversation(tenant.api, conv))["clocks"][0]
    assert before["state"] == "running"

    r = await tenant.agent.post(path, json={"reason": "answered_elsewhere", "confirm_question": True})
    assert r.status_code == 200, r.text
    assert r.json()["no_response_needed"] is True and r.json()["no_response_reason"] == "answered_elsewhere"
    stopped = await _conversation(tenant.api, conv)
    assert stopped["waiting_since"] is None and stopped["sla_state"] == "none"
    assert {k["stop_reason"] for k in stopped["clocks"]} == {"no_response_needed"}

    r = await tenant.agent.delete(path)
    assert r.status_code == 200 and r.json()["no_response_needed"] is False and r.json()["no_response_reason"] is None
    again = await _conversation(tenant.api, conv)
    running = [k for k in again["clocks"] if k["state"] == "running" and k["kind"] == before["kind"]]
    assert again["waiting_since"] is not None and [k["due_at"] for k in running] == [before["due_at"]]

    marked = await _audit(sessionmaker, conv, "message.no_response_needed")
    undone = await _audit(sessionmaker, conv, "message.no_response_undone")
    assert [(e.actor_type, e.data["reason"], e.data["confirmed_question"]) for e in marked] == [
        ("user", "answered_elsewhere", True)
    ]
    assert [e.data["message_id"] for e in undone] == [question["id"]]


async def test_no_response_needed_other_needs_a_note_and_only_buyer_messages(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    thanks = await push(tenant.api, channel["id"], body="I sent the photos by mail.")
    assert thanks["contains_question"] is False and thanks["no_response_needed"] is False
    path = f"/v1/messages/{thanks['id']}/no-response-needed"
    r = await tenant.agent.post(path, json={"reason": "other"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.note"
    assert (await tenant.agent.post(path, json={"reason": "other", "note": "phoned"})).status_code == 200
    reply = (
        await tenant.agent.post(f"/v1/conversations/{thanks['conversation_id']}/replies", json={"body": "Welcome"})
    ).json()
    r = await tenant.agent.post(f"/v1/messages/{reply['id']}/no-response-needed", json={"reason": "thanks_only"})
    assert r.status_code == 409


async def test_a_rule_never_overrides_what_a_person_set(tenant, sessionmaker):
    await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Damaged items",
            "position": 1,
            "conditions": {"keywords": ["damaged"]},
            "actions": [{"type": "set_priority", "priority": "high"}, {"type": "add_label", "label": "damage"}],
        },
    )
    channel = await make_channel(tenant.api, marketplace="amazon")
    first = await push(tenant.api, channel["id"], external_thread_id="D", body="Hello there")
    conv = first["conversation_id"]
    await drain(sessionmaker)
    r = await tenant.agent.patch(f"/v1/conversations/{conv}", json={"priority": "urgent"})
    assert r.status_code == 200
    assert (await _conversation(tenant.api, conv))["manual_fields"] == ["priority"]

    await push(tenant.api, channel["id"], external_thread_id="D", body="The items arrived damaged")
    await drain(sessionmaker)
    after = await _conversation(tenant.api, conv)
    assert after["priority"] == "urgent" and "damage" in after["labels"]
    by_rule = [e.data for e in await _audit(sessionmaker, conv, "conversation.updated") if e.actor_type == "automation"]
    assert by_rule == [{"labels": {"from": [], "to": ["damage"]}, "by_rule": "Damaged items"}]
    by_person = [e for e in await _audit(sessionmaker, conv, "conversation.updated") if e.actor_type == "user"]
    assert [e.data["priority"] for e in by_person] == [{"from": "normal", "to": "urgent"}]


async def test_rules_still_set_what_no_person_touched(tenant, sessionmaker):
    await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Damaged items",
            "position": 1,
            "conditions": {"keywords": ["damaged"]},
            "actions": [{"type": "set_priority", "priority": "urgent"}],
        },
    )
    channel = await make_channel(tenant.api, marketplace="amazon")
    msg = await push(tenant.api, channel["id"], body="The items arrived damaged")
    await drain(sessionmaker)
    assert (await _conversation(tenant.api, msg["conversation_id"]))["priority"] == "urgent"
    audit = await _audit(sessionmaker, msg["conversation_id"], "conversation.updated")
    assert [(e.actor_type, e.data["priority"]["to"], e.data["by_rule"]) for e in audit] == [
        ("automation", "urgent", "Damaged items")
    ]


async def test_messages_dated_in_the_future_are_refused_naming_the_field(tenant):
    channel = await make_channel(tenant.api, marketplace="api")
    ahead = datetime.now(UTC) + timedelta(days=1)
    r = await tenant.api.post(
        f"/v1/channels/{channel['id']}/messages",
        json={"external_message_id": "f1", "buyer": {"external_id": "b"}, "body": "Hi", "sent_at": iso(ahead)},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.sent_at"
    # Clock skew of a few minutes is normal between machines.
    skewed = datetime.now(UTC) + timedelta(minutes=3)
    await push(tenant.api, channel["id"], sent_at=iso(skewed))
