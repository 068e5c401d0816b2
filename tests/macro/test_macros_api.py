"""Macros end to end at the API (issue 16 item 2): CRUD with validation naming the field, preview,
apply all or nothing, stickiness against a later rule, visibility, tenant isolation, bulk."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from api.bulk import runner
from api.models import AuditEntry
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push


async def _conversation(client, conversation_id):
    return (await client.get(f"/v1/conversations/{conversation_id}")).json()


async def _audit(sessionmaker, entity_id, action):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(AuditEntry)
            .where(AuditEntry.entity_id == str(entity_id), AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def _macro(client, **body):
    body.setdefault("name", "Shipped")
    r = await client.post("/v1/macros", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def _setup(tenant, marketplace="amazon", **push_kw):
    channel = await make_channel(tenant.api, marketplace=marketplace)
    msg = await push(tenant.api, channel["id"], **push_kw)
    return msg["conversation_id"]


def _field(problem):
    return [e["field"] for e in problem.get("errors", [])]


async def test_crud_and_validation_names_the_field(tenant, other_tenant):
    template = (await tenant.admin.get("/v1/templates")).json()[0]
    m = await _macro(
        tenant.agent,
        name="Shipped, close",
        description="Say it shipped and close",
        actions={
            "status": "resolved",
            "priority": "low",
            "add_labels": ["shipped"],
            "assign_to": "me",
            "note": "Told the buyer",
            "reply": {"template_id": template["id"]},
        },
    )
    assert m["visibility"] == "personal" and m["mine"] and m["can_edit"]
    assert m["actions"]["reply"]["template_id"] == template["id"] and m["actions"]["assign_to"] == "me"
    assert [x["id"] for x in (await tenant.agent.get("/v1/macros")).json()] == [m["id"]]

    r = await tenant.agent.patch(f"/v1/macros/{m['id']}", json={"name": "Renamed", "actions": {"priority": "high"}})
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    assert r.json()["actions"]["priority"] == "high" and r.json()["actions"]["reply"] is None

    cases = [
        ({"actions": {}}, "body.actions"),
        ({"actions": {"priority": "sky-high"}}, "body.actions.priority"),
        ({"actions": {"reply": {"template_id": str(uuid.uuid4())}}}, "body.actions.reply.template_id"),
        ({"actions": {"reply": {"template_id": template["id"], "text": "x"}}}, "body.actions.reply"),
        ({"actions": {"reply": {"text": "Hi {{ unknown_thing }}"}}}, "body.actions.reply.text"),
        ({"actions": {"assign_to": "user"}}, "body.actions.assignee_id"),
        ({"actions": {"assign_to": "user", "assignee_id": str(other_tenant.agent_id)}}, "body.actions.assignee_id"),
        ({"actions": {"add_labels": ["a"], "remove_labels": ["a"]}}, "body.actions.remove_labels"),
        ({"actions": {"snooze": {"hours": 0}}}, "body.actions.snooze.hours"),
        ({"visibility": "team", "actions": {"priority": "low"}}, "body.team_id"),
        ({"visibility": "secret", "actions": {"priority": "low"}}, "body.visibility"),
    ]
    for body, field in cases:
        r = await tenant.agent.post("/v1/macros", json={"name": "Bad", **body})
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in _field(r.json()), (body, r.json())
    # Sharing with everyone needs settings:write: an agent cannot, an admin can.
    r = await tenant.agent.post("/v1/macros", json={"name": "All", "visibility": "org", "actions": {"priority": "low"}})
    assert r.status_code == 403 and _field(r.json()) == ["body.visibility"]

    r = await tenant.agent.delete(f"/v1/macros/{m['id']}")
    assert r.status_code == 204
    assert (await tenant.agent.get(f"/v1/macros/{m['id']}")).status_code == 404
    assert (await tenant.agent.get("/v1/macros")).json() == []


async def test_admin_changes_are_audited(tenant, sessionmaker):
    m = await _macro(tenant.admin, name="Org", visibility="org", actions={"priority": "high"})
    await tenant.admin.patch(f"/v1/macros/{m['id']}", json={"visibility": "personal"})
    await tenant.admin.delete(f"/v1/macros/{m['id']}")
    assert [e.action for e in await _audit(sessionmaker, m["id"], "macro.created")] == ["macro.created"]
    updated = await _audit(sessionmaker, m["id"], "macro.updated")
    assert updated[0].data == {"visibility": {"from": "org", "to": "personal"}}
    assert len(await _audit(sessionmaker, m["id"], "macro.deleted")) == 1


async def test_preview_then_apply_sets_fields_replies_notes_and_logs(tenant, sessionmaker):
    conv = await _setup(tenant, body="Where is my order?")
    m = await _macro(
        tenant.agent,
        name="Shipped",
        actions={
            "status": "pending",
            "priority": "urgent",
            "category": "order_status",
            "add_labels": ["shipped"],
            "assign_to": "me",
            "note": "Checked the carrier",
            "reply": {"text": "Hello {{ customer_name or 'there' }}, it has shipped."},
        },
    )
    preview = await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/preview")
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert p["can_apply"] and p["problems"] == []
    by_field = {c["field"]: c for c in p["changes"]}
    assert by_field["priority"]["before"] == "normal" and by_field["priority"]["after"] == "urgent"
    assert by_field["priority"]["words"] == "Priority: Normal -> Urgent"
    assert by_field["assignee"]["after_text"] == "Agent"
    assert p["reply"]["text"].endswith("it has shipped.") and p["reply"]["blocked"] is False
    # The preview changed nothing.
    assert (await _conversation(tenant.api, conv))["priority"] == "normal"

    r = await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/apply")
    assert r.status_code == 200, r.text
    applied = r.json()
    assert applied["reply_message_id"] and applied["note_id"]
    after = await _conversation(tenant.api, conv)
    assert (after["status"], after["priority"], after["category"]) == ("pending", "urgent", "order_status")
    assert after["labels"] == ["shipped"] and after["assignee_id"] == str(tenant.agent_id)
    assert set(after["manual_fields"]) >= {"status", "priority", "labels", "assignee_id"}
    assert [n["body"] for n in after["notes"]] == ["Checked the carrier"]
    assert any(x["direction"] == "outbound" and x["body"].endswith("it has shipped.") for x in after["messages"])

    [log] = await _audit(sessionmaker, conv, "macro.applied")
    assert log.actor_id == str(tenant.agent_id) and log.data["macro"] == "Shipped" and log.data["replied"]
    [upd] = [e for e in await _audit(sessionmaker, conv, "conversation.updated") if e.data.get("by_macro")]
    assert upd.data["by_macro"] == "Shipped" and upd.data["priority"] == {"from": "normal", "to": "urgent"}


async def test_a_lint_error_changes_nothing(tenant, sessionmaker):
    conv = await _setup(tenant, marketplace="amazon")
    m = await _macro(
        tenant.agent,
        name="Link",
        actions={
            "priority": "urgent",
            "note": "n",
            "snooze": {"hours": 4},
            "reply": {"text": "Please see https://my-shop.example/returns for details."},
        },
    )
    p = (await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/preview")).json()
    assert p["can_apply"] is False and p["reply"]["blocked"] is True
    assert "actions.reply" in [e["field"] for e in p["problems"]]

    before = await _conversation(tenant.api, conv)
    r = await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/apply")
    assert r.status_code == 422 and r.json()["type"].endswith("macro-not-applied")
    assert r.json()["violations"] and "actions.reply" in _field(r.json())
    after = await _conversation(tenant.api, conv)
    for k in ("priority", "notes", "messages", "snoozed", "manual_fields", "status"):
        assert after[k] == before[k], k
    assert await _audit(sessionmaker, conv, "macro.applied") == []


async def test_a_refusal_late_in_the_apply_rolls_back_what_was_done(tenant, sessionmaker):
    """The reply goes first; a refusal after it (the store was disabled meanwhile) would already
    have queued it, so the whole apply must roll back."""
    channel = await make_channel(tenant.api, marketplace="api")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    m = await _macro(tenant.agent, name="Close", actions={"status": "resolved", "reply": {"text": "Thanks!"}})
    await tenant.admin.patch(f"/v1/channels/{channel['id']}", json={"status": "disabled"})
    p = (await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/preview")).json()
    assert not p["can_apply"] and [e["field"] for e in p["problems"]] == ["conversation.channel"]
    r = await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/apply")
    assert r.status_code == 422, r.text
    after = await _conversation(tenant.api, conv)
    assert after["status"] == "open" and [x for x in after["messages"] if x["direction"] == "outbound"] == []


async def test_values_set_by_a_macro_are_sticky_against_a_later_rule(tenant, sessionmaker):
    await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Damaged items",
            "position": 1,
            "conditions": {"keywords": ["damaged"]},
            "actions": [{"type": "set_priority", "priority": "high"}],
        },
    )
    channel = await make_channel(tenant.api, marketplace="amazon")
    conv = (await push(tenant.api, channel["id"], external_thread_id="S", body="Hello"))["conversation_id"]
    await drain(sessionmaker)
    m = await _macro(tenant.agent, name="Urgent", actions={"priority": "urgent"})
    assert (await tenant.agent.post(f"/v1/conversations/{conv}/macros/{m['id']}/apply")).status_code == 200
    await push(tenant.api, channel["id"], external_thread_id="S", body="The items arrived damaged")
    await drain(sessionmaker)
    assert (await _conversation(tenant.api, conv))["priority"] == "urgent"


async def test_visibility_personal_team_org(tenant, sessionmaker):
    conv = await _setup(tenant)
    mine = await _macro(tenant.admin, name="Admin only", actions={"priority": "low"})
    team = (await tenant.admin.post("/v1/teams", json={"name": "Care", "member_ids": [str(tenant.agent_id)]})).json()
    other_team = (await tenant.admin.post("/v1/teams", json={"name": "Other"})).json()
    shared = await _macro(tenant.admin, name="Care", visibility="team", team_id=team["id"], actions={"priority": "low"})
    elsewhere = await _macro(
        tenant.admin, name="Other", visibility="team", team_id=other_team["id"], actions={"priority": "low"}
    )
    everyone = await _macro(tenant.admin, name="Everyone", visibility="org", actions={"priority": "high"})
    seen = {x["name"]: x for x in (await tenant.agent.get("/v1/macros")).json()}
    assert set(seen) == {"Care", "Everyone"}
    assert not seen["Care"]["can_edit"] and not seen["Care"]["mine"]
    for hidden in (mine, elsewhere):
        assert (await tenant.agent.get(f"/v1/macros/{hidden['id']}")).status_code == 404
        r = await tenant.agent.post(f"/v1/conversations/{conv}/macros/{hidden['id']}/apply")
        assert r.status_code == 404
    # Seen but not the agent's to change.
    assert (await tenant.agent.patch(f"/v1/macros/{shared['id']}", json={"name": "x"})).status_code == 403
    assert (await tenant.agent.delete(f"/v1/macros/{everyone['id']}")).status_code == 403
    # An agent shares only with a team they belong to.
    r = await tenant.agent.post(
        "/v1/macros",
        json={"name": "T", "visibility": "team", "team_id": other_team["id"], "actions": {"priority": "low"}},
    )
    assert r.status_code == 422 and _field(r.json()) == ["body.team_id"]
    assert (await tenant.agent.post(f"/v1/conversations/{conv}/macros/{everyone['id']}/apply")).status_code == 200


async def test_tenant_isolation(tenant, other_tenant):
    conv = await _setup(tenant)
    theirs = await _macro(other_tenant.admin, name="Theirs", visibility="org", actions={"priority": "urgent"})
    their_conv = await _setup(other_tenant)
    mine = await _macro(tenant.admin, name="Mine", visibility="org", actions={"priority": "urgent"})
    assert (await tenant.admin.get("/v1/macros")).json()[0]["id"] == mine["id"]
    for url in (
        f"/v1/conversations/{conv}/macros/{theirs['id']}/apply",
        f"/v1/conversations/{conv}/macros/{theirs['id']}/preview",
        f"/v1/conversations/{their_conv}/macros/{mine['id']}/apply",
    ):
        assert (await tenant.admin.post(url)).status_code == 404
    assert (await tenant.admin.patch(f"/v1/macros/{theirs['id']}", json={"name": "x"})).status_code == 404
    assert (await tenant.admin.delete(f"/v1/macros/{theirs['id']}")).status_code == 404
    assert (await _conversation(other_tenant.api, their_conv))["priority"] == "normal"
    assert (await other_tenant.admin.get(f"/v1/macros/{theirs['id']}")).json()["name"] == "Theirs"
    # A bulk job cannot name another organization's macro.
    r = await tenant.admin.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": [conv], "action": {"kind": "apply_macro", "macro_id": theirs["id"]}},
    )
    assert r.status_code == 422 and _field(r.json()) == ["body.action.macro_id"]


async def test_bulk_applies_to_each_all_or_nothing(tenant, sessionmaker):
    amazon = await make_channel(tenant.api, marketplace="amazon")
    ok = (await push(tenant.api, amazon["id"], external_thread_id="A"))["conversation_id"]
    other = (await push(tenant.api, amazon["id"], external_thread_id="B"))["conversation_id"]
    m = await _macro(tenant.agent, name="Bulk", actions={"priority": "urgent", "add_labels": ["batch"]})
    # The second conversation already holds 50 labels: adding one more refuses it, and only it.
    full = [f"l{i}" for i in range(50)]
    await tenant.agent.patch(f"/v1/conversations/{other}", json={"labels": full, "priority": "low"})
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": [ok, other], "action": {"kind": "apply_macro", "macro_id": m["id"]}},
    )
    assert r.status_code == 202, r.text
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    job = (await tenant.agent.get(f"/v1/conversations/bulk/{r.json()['id']}")).json()
    assert (job["done"], job["failed"]) == (1, 1)
    assert job["failures"][0]["conversation_id"] == other and "50 labels" in job["failures"][0]["reason"]
    a, b = await _conversation(tenant.api, ok), await _conversation(tenant.api, other)
    assert a["priority"] == "urgent" and a["labels"] == ["batch"]
    assert b["priority"] == "low" and b["labels"] == full
