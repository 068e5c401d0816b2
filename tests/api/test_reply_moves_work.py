"""Replying moves work on: "send and resolve" and the "assign to me on reply" preference, both audited
as the person's own changes."""

from __future__ import annotations

from sqlalchemy import select

from api.models import AuditEntry
from tests.helpers import make_channel, push


async def _updates(sessionmaker, cid):
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditEntry.data).where(AuditEntry.entity_id == cid, AuditEntry.action == "conversation.updated")
        )
        return [d for (d,) in rows]


async def test_send_and_resolve(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    r = await tenant.agent.post(f"/v1/conversations/{cid}/replies", json={"body": "Shipped today.", "resolve": True})
    assert r.status_code == 201, r.text
    c = (await tenant.agent.get(f"/v1/conversations/{cid}")).json()
    assert c["status"] == "resolved" and c["resolved_at"] is not None
    assert "status" in c["manual_fields"]
    # The preference is off by default: no assignment.
    assert c["assignee_id"] is None
    assert [d["status"]["to"] for d in await _updates(sessionmaker, cid)] == ["resolved"]


async def test_assign_on_reply_preference(tenant, sessionmaker):
    me = (await tenant.agent.get("/v1/auth/me")).json()["user"]
    assert me["assign_on_reply"] is False
    r = await tenant.agent.patch("/v1/users/me/preferences", json={"assign_on_reply": True})
    assert r.status_code == 200 and r.json()["assign_on_reply"] is True
    r = await tenant.agent.patch("/v1/users/me/preferences", json={"assign_on_reply": None})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.assign_on_reply"
    assert (await tenant.api.patch("/v1/users/me/preferences", json={"assign_on_reply": True})).status_code == 422

    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    assert (await tenant.agent.post(f"/v1/conversations/{cid}/replies", json={"body": "On it."})).status_code == 201
    c = (await tenant.agent.get(f"/v1/conversations/{cid}")).json()
    assert c["assignee_id"] == str(tenant.agent_id) and c["status"] == "open"
    assert [d["assignee_id"]["to"] for d in await _updates(sessionmaker, cid)] == [str(tenant.agent_id)]

    # Someone else's conversation stays theirs.
    other = (await push(tenant.api, channel["id"]))["conversation_id"]
    await tenant.admin.patch(f"/v1/conversations/{other}", json={"assignee_id": str(tenant.admin_id)})
    assert (await tenant.agent.post(f"/v1/conversations/{other}/replies", json={"body": "Hi."})).status_code == 201
    assert (await tenant.agent.get(f"/v1/conversations/{other}")).json()["assignee_id"] == str(tenant.admin_id)
