"""POST /v1/conversations/bulk: selection, limits, tenancy, each action, failures with reasons, and
a job that survives its worker being killed mid-chunk without duplicating a reply."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update

from api.bulk import runner
from api.models import AuditEntry, BulkJob, Conversation, Message, OutboxEvent
from tests.helpers import make_channel, push
from workers.tasks.bulk import bulk_job_created_job, resume_bulk_jobs


async def _conversations(client, n: int, **overrides) -> list[str]:
    channel = await make_channel(client)
    return [(await push(client, channel["id"], **overrides))["conversation_id"] for _ in range(n)]


async def _template(tenant, body: str, name: str = "bulk") -> str:
    r = await tenant.admin.post("/v1/templates", json={"name": name, "category": "general", "body": body})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _replies(sessionmaker, conversation_id: str) -> list[Message]:
    async with sessionmaker() as s:
        rows = await s.execute(
            select(Message).where(
                Message.conversation_id == uuid.UUID(conversation_id), Message.direction == "outbound"
            )
        )
        return list(rows.scalars())


async def test_selection_is_validated(tenant):
    ids = await _conversations(tenant.api, 1)
    action = {"kind": "set_priority", "priority": "high"}
    for body, field in (
        ({"action": action}, "body"),
        ({"conversation_ids": ids, "filter": {}, "action": action}, "body"),
        ({"conversation_ids": [], "action": action}, "body.conversation_ids"),
        ({"conversation_ids": ids, "action": {"kind": "explode"}}, "body.action"),
        (
            {"conversation_ids": ids, "action": {"kind": "add_labels", "labels": [" x"]}},
            "body.action.add_labels.labels",
        ),
    ):
        r = await tenant.agent.post("/v1/conversations/bulk", json=body)
        assert r.status_code == 422, (body, r.text)
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()


async def test_more_than_ten_thousand_ids_is_refused_naming_the_limit(tenant):
    ids = [str(uuid.uuid4()) for _ in range(10_001)]
    r = await tenant.agent.post(
        "/v1/conversations/bulk", json={"conversation_ids": ids, "action": {"kind": "set_status", "status": "resolved"}}
    )
    assert r.status_code == 422
    assert "10,000" in r.text


async def test_a_filter_matching_more_than_the_limit_is_refused(tenant, monkeypatch):
    await _conversations(tenant.api, 4)
    monkeypatch.setattr("api.bulk.service.BULK_LIMIT", 3)
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"filter": {"view": "all"}, "action": {"kind": "set_status", "status": "pending"}},
    )
    assert r.status_code == 422
    problem = r.json()
    assert problem["limit"] == 3 and problem["errors"][0]["field"] == "body.filter"


async def test_other_tenants_conversations_and_templates_are_refused(tenant, other_tenant):
    theirs = await _conversations(other_tenant.api, 1)
    mine = await _conversations(tenant.api, 1)
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": mine + theirs, "action": {"kind": "set_priority", "priority": "urgent"}},
    )
    assert r.status_code == 422 and theirs[0] in r.text
    their_template = await _template(other_tenant, "Hi")
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": mine, "action": {"kind": "send_template", "template_id": their_template}},
    )
    assert r.status_code == 422
    r = await other_tenant.agent.get(f"/v1/conversations/{theirs[0]}")
    assert r.json()["priority"] == "normal"


async def test_template_to_each_conversation_rendered_linted_and_one_reply_each(tenant, sessionmaker):
    ids = await _conversations(tenant.api, 6, order_id=None)
    # One conversation is on Amazon, where an outside link is refused: that item fails, the rest go on.
    async with sessionmaker.begin() as s:
        await s.execute(update(Conversation).where(Conversation.id == uuid.UUID(ids[2])).values(marketplace="amazon"))
    template_id = await _template(tenant, "Hello {{ customer_name }}, see https://example.com/help")
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": ids, "action": {"kind": "send_template", "template_id": template_id}},
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["total"] == 6 and job["done"] == 0

    await runner.run(sessionmaker, uuid.UUID(job["id"]))

    job = (await tenant.agent.get(f"/v1/conversations/bulk/{job['id']}")).json()
    assert job["status"] == "completed" and job["done"] == 5 and job["failed"] == 1
    assert job["failures"][0]["conversation_id"] == ids[2]
    assert "link" in job["failures"][0]["reason"].lower() or "url" in job["failures"][0]["reason"].lower()
    for i, cid in enumerate(ids):
        replies = await _replies(sessionmaker, cid)
        if i == 2:
            assert replies == []
            continue
        assert len(replies) == 1
        conv = (await tenant.agent.get(f"/v1/conversations/{cid}")).json()
        assert replies[0].body == f"Hello {conv['customer']['display_name']}, see https://example.com/help"
        assert replies[0].template_id == uuid.UUID(template_id) and replies[0].author_user_id == tenant.agent_id
    async with sessionmaker() as s:
        progress = (
            await s.execute(select(func.count()).where(OutboxEvent.event_type == "bulk_job.updated"))
        ).scalar_one()
        audited = (
            await s.execute(
                select(func.count()).where(AuditEntry.action.in_(["bulk_job.created", "message.reply_queued"]))
            )
        ).scalar_one()
    assert progress >= 1 and audited == 6
    templates = (await tenant.agent.get("/v1/templates")).json()
    assert next(t for t in templates if t["id"] == template_id)["usage_count"] == 5


async def test_a_worker_killed_mid_chunk_then_rerun_sends_each_reply_once(tenant, sessionmaker):
    ids = await _conversations(tenant.api, 12, order_id=None)
    template_id = await _template(tenant, "Thanks for writing to {{ store_name }}.")
    job = (
        await tenant.agent.post(
            "/v1/conversations/bulk",
            json={"conversation_ids": ids, "action": {"kind": "send_template", "template_id": template_id}},
        )
    ).json()
    job_id = uuid.UUID(job["id"])
    # One chunk commits; the next is cut off before its commit (the worker dies): nothing of it stays.
    async with sessionmaker.begin() as s:
        assert await runner.run_chunk(s, job_id)
    session = sessionmaker()
    try:
        await session.begin()
        await runner.run_chunk(session, job_id)
    finally:
        await session.rollback()
        await session.close()
    after_first = (await tenant.agent.get(f"/v1/conversations/bulk/{job_id}")).json()
    assert after_first["status"] == "running" and after_first["done"] == runner.chunk_size(12)
    # The resume sweep finds it once its heartbeat is stale, and finishes it; a second run is a no-op.
    async with sessionmaker.begin() as s:
        await s.execute(
            update(BulkJob)
            .where(BulkJob.id == job_id)
            .values(heartbeat_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 10))
        )
    assert await resume_bulk_jobs(sessionmaker) == 1
    await runner.run(sessionmaker, job_id)
    assert await resume_bulk_jobs(sessionmaker) == 0
    final = (await tenant.agent.get(f"/v1/conversations/bulk/{job_id}")).json()
    assert final["status"] == "completed" and final["done"] == 12 and final["failed"] == 0
    for cid in ids:
        assert len(await _replies(sessionmaker, cid)) == 1


async def test_the_worker_task_runs_the_job_its_event_names(tenant, sessionmaker):
    ids = await _conversations(tenant.api, 3)
    job = (
        await tenant.agent.post(
            "/v1/conversations/bulk",
            json={"conversation_ids": ids, "action": {"kind": "set_status", "status": "resolved"}},
        )
    ).json()
    async with sessionmaker() as s:
        outbox_id = (
            await s.execute(select(OutboxEvent.id).where(OutboxEvent.event_type == "bulk_job.created"))
        ).scalar_one()
    assert await bulk_job_created_job({"sessionmaker": sessionmaker}, outbox_id) == job["id"]
    for cid in ids:
        assert (await tenant.agent.get(f"/v1/conversations/{cid}")).json()["status"] == "resolved"


@pytest.mark.parametrize(
    ("action", "check"),
    [
        ({"kind": "set_priority", "priority": "urgent"}, lambda c: c["priority"] == "urgent"),
        ({"kind": "add_labels", "labels": ["vip", "follow-up"]}, lambda c: c["labels"] == ["old", "vip", "follow-up"]),
        ({"kind": "remove_labels", "labels": ["old"]}, lambda c: c["labels"] == []),
    ],
)
async def test_triage_actions_by_filter(tenant, sessionmaker, action, check):
    ids = await _conversations(tenant.api, 3)
    for cid in ids:
        await tenant.agent.patch(f"/v1/conversations/{cid}", json={"labels": ["old"]})
    untouched = (await push(tenant.api, (await make_channel(tenant.api, name="other"))["id"]))["conversation_id"]
    r = await tenant.agent.post("/v1/conversations/bulk", json={"filter": {"label": "old"}, "action": action})
    assert r.status_code == 202 and r.json()["total"] == 3
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    for cid in ids:
        assert check((await tenant.agent.get(f"/v1/conversations/{cid}")).json())
    assert (await tenant.agent.get(f"/v1/conversations/{untouched}")).json()["priority"] == "normal"


async def test_assign_and_spam_failures_carry_reasons(tenant, sessionmaker):
    presale = await _conversations(tenant.api, 2, order_id=None)
    with_order = await _conversations(tenant.api, 1, order_id="ORD-9")
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": presale + with_order, "action": {"kind": "flag_spam", "reason": "spam"}},
    )
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    job = (await tenant.agent.get(f"/v1/conversations/bulk/{r.json()['id']}")).json()
    assert (job["done"], job["failed"]) == (2, 1)
    assert job["failures"] == [{"conversation_id": with_order[0], "reason": job["failures"][0]["reason"]}]
    assert "order" in job["failures"][0]["reason"]

    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": with_order, "action": {"kind": "assign", "assignee_id": str(tenant.agent_id)}},
    )
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    assert (await tenant.agent.get(f"/v1/conversations/{with_order[0]}")).json()["assignee_id"] == str(tenant.agent_id)
    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": with_order, "action": {"kind": "assign", "assignee_id": str(uuid.uuid4())}},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.action.assignee_id"


async def test_reading_needs_the_scope_and_the_organization(tenant, other_tenant):
    ids = await _conversations(tenant.api, 1)
    r = await tenant.agent.post(
        "/v1/conversations/bulk", json={"conversation_ids": ids, "action": {"kind": "set_status", "status": "pending"}}
    )
    assert (await other_tenant.agent.get(f"/v1/conversations/bulk/{r.json()['id']}")).status_code == 404
    assert (await tenant.agent.get(f"/v1/conversations/bulk/{uuid.uuid4()}")).status_code == 404
