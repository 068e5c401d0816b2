"""POST /v1/cases/bulk (approve, reject, close or assign many cases through the bulk job runner) and
`open_case` as a bulk action on conversations."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from api.bulk import runner
from api.models import AuditEntry
from tests.helpers import make_channel, push


async def _cases(tenant, n: int, kind: str = "return") -> list[str]:
    channel = await make_channel(tenant.api)
    out = []
    for _ in range(n):
        conversation_id = (await push(tenant.api, channel["id"]))["conversation_id"]
        r = await tenant.agent.post("/v1/cases", json={"conversation_id": conversation_id, "kind": kind})
        assert r.status_code == 201, r.text
        out.append(r.json()["id"])
    return out


async def test_approve_many_returns_and_failures_name_the_states(tenant, sessionmaker):
    ids = await _cases(tenant, 3)
    r = await tenant.agent.post(f"/v1/cases/{ids[2]}/transitions", json={"to": "rejected"})
    assert r.status_code == 200, r.text
    r = await tenant.agent.post(
        "/v1/cases/bulk", json={"case_ids": ids, "action": {"kind": "transition", "to": "approved", "reason": "ok"}}
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["target"] == "cases" and job["total"] == 3 and job["status"] == "queued"
    await runner.run(sessionmaker, uuid.UUID(job["id"]))
    job = (await tenant.agent.get(f"/v1/cases/bulk/{job['id']}")).json()
    assert (job["status"], job["done"], job["failed"]) == ("completed", 2, 1)
    [failure] = job["failures"]
    assert failure["case_id"] == ids[2] and "'rejected'" in failure["reason"] and "'approved'" in failure["reason"]
    for case_id in ids[:2]:
        case = (await tenant.agent.get(f"/v1/cases/{case_id}")).json()
        assert case["state"] == "approved"
        assert case["history"][-1]["reason"] == "ok" and case["history"][-1]["actor_type"] == "user"


async def test_by_filter_and_assign(tenant, sessionmaker):
    returns = await _cases(tenant, 2)
    claims = await _cases(tenant, 1, kind="claim")
    r = await tenant.agent.post(
        "/v1/cases/bulk",
        json={
            "filter": {"kind": "return", "state": ["requested"]},
            "action": {"kind": "assign", "assignee_id": str(tenant.agent_id)},
        },
    )
    assert r.status_code == 202, r.text
    assert r.json()["total"] == 2
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    for case_id in returns:
        assert (await tenant.agent.get(f"/v1/cases/{case_id}")).json()["assignee_id"] == str(tenant.agent_id)
    assert (await tenant.agent.get(f"/v1/cases/{claims[0]}")).json()["assignee_id"] is None
    r = await tenant.agent.post(
        "/v1/cases/bulk", json={"filter": {"kind": "reship"}, "action": {"kind": "transition", "to": "approved"}}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.filter"


async def test_selection_is_validated_and_limited(tenant, other_tenant):
    ids = await _cases(tenant, 1)
    action = {"kind": "transition", "to": "approved"}
    for body, field in (
        ({"action": action}, "body"),
        ({"case_ids": [], "action": action}, "body.case_ids"),
        ({"case_ids": ids, "action": {"kind": "transition", "to": "flying"}}, "body.action"),
        ({"case_ids": [str(uuid.uuid4()) for _ in range(10_001)], "action": action}, "body.case_ids"),
    ):
        r = await tenant.agent.post("/v1/cases/bulk", json=body)
        assert r.status_code == 422, (field, r.text)
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    # Another organization's cases are unknown ids; its jobs are not found.
    r = await other_tenant.agent.post("/v1/cases/bulk", json={"case_ids": ids, "action": action})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.case_ids"
    job = (await tenant.agent.post("/v1/cases/bulk", json={"case_ids": ids, "action": action})).json()
    assert (await other_tenant.agent.get(f"/v1/cases/bulk/{job['id']}")).status_code == 404
    # A job of cases is not a job of conversations, and the other way round.
    assert (await tenant.agent.get(f"/v1/conversations/bulk/{job['id']}")).status_code == 404


async def test_open_case_on_many_conversations(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    conversations = [(await push(tenant.api, channel["id"]))["conversation_id"] for _ in range(3)]
    r = await tenant.agent.post("/v1/cases", json={"conversation_id": conversations[0], "kind": "return"})
    existing = r.json()["id"]
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={
            "conversation_ids": conversations,
            "action": {"kind": "open_case", "case_kind": "return", "reason": "damaged in transit"},
        },
    )
    assert r.status_code == 202, r.text
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    job = (await tenant.agent.get(f"/v1/conversations/bulk/{r.json()['id']}")).json()
    assert (job["done"], job["failed"]) == (2, 1)
    assert job["failures"][0]["conversation_id"] == conversations[0] and existing in job["failures"][0]["reason"]
    cases = (await tenant.agent.get("/v1/cases", params={"kind": "return"})).json()["items"]
    assert sorted(c["conversation_id"] for c in cases) == sorted(conversations)
    opened = [c for c in cases if c["id"] != existing]
    assert all(c["reason"] == "damaged in transit" and c["source"] == "agent" for c in opened)
    async with sessionmaker() as s:
        audited = (await s.execute(select(AuditEntry).where(AuditEntry.action == "case.opened"))).scalars().all()
    assert len(audited) == 3


async def test_open_case_needs_the_cases_scope(tenant, app):
    channel = await make_channel(tenant.api)
    conversation = (await push(tenant.api, channel["id"]))["conversation_id"]
    r = await tenant.admin.post(
        "/v1/api-keys", json={"name": "triage only", "scopes": ["conversations:read", "conversations:write"]}
    )
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    r = await tenant.api.post(
        "/v1/conversations/bulk",
        headers={"Authorization": f"Bearer {key}"},
        json={"conversation_ids": [conversation], "action": {"kind": "open_case", "case_kind": "refund"}},
    )
    assert r.status_code == 403, r.text
