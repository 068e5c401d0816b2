"""Snooze: out of the lists until a time or until the buyer writes; woken exactly once; clocks keep running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from api.conversation.snooze import next_wake, wake_due
from api.models import AuditEntry, Conversation, OutboxEvent
from tests.helpers import make_channel, push


async def _ids(client, view="all"):
    r = await client.get("/v1/conversations", params={"view": view})
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


async def _activity(sessionmaker, conversation_id):
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.data)
            .where(AuditEntry.entity_id == conversation_id, AuditEntry.action.like("conversation.%snoozed"))
            .order_by(AuditEntry.id)
        )
        return [(a, d) for a, d in rows]


async def test_snooze_until_time_leaves_lists_and_wakes_exactly_once(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    m = await push(tenant.api, channel["id"])
    cid = m["conversation_id"]
    until = datetime.now(UTC) + timedelta(hours=2)
    r = await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": until.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["snoozed"] is True
    assert datetime.fromisoformat(r.json()["snoozed_until"]) == until
    assert cid not in await _ids(tenant.agent, "all")
    assert cid not in await _ids(tenant.agent, "response_needed")
    assert cid in await _ids(tenant.agent, "snoozed")
    counts = (await tenant.agent.get("/v1/conversations/counts")).json()
    assert counts["snoozed"] == 1 and counts["all"] == 0
    # The marketplace clock keeps running while snoozed.
    detail = (await tenant.agent.get(f"/v1/conversations/{cid}")).json()
    assert detail["snoozed"] is True and detail["waiting_since"] is not None

    # Not due yet: nothing wakes.
    async with sessionmaker.begin() as session:
        assert await wake_due(session, datetime.now(UTC), 100) == 0
        assert await next_wake(session) == until
    # Due: woken once; a second run (or a second worker) finds nothing.
    later = until + timedelta(seconds=1)
    async with sessionmaker.begin() as session:
        assert await wake_due(session, later, 100) == 1
    async with sessionmaker.begin() as session:
        assert await wake_due(session, later, 100) == 0
        events = await session.scalar(
            select(func.count()).where(
                OutboxEvent.conversation_id == cid, OutboxEvent.event_type == "conversation.updated"
            )
        )
    assert events == 2  # the snooze and the one wake-up
    assert await _activity(sessionmaker, cid) == [
        ("conversation.snoozed", {"until": until.isoformat()}),
        ("conversation.unsnoozed", {"why": "time"}),
    ]
    assert cid in await _ids(tenant.agent, "all")
    assert cid not in await _ids(tenant.agent, "snoozed")


async def test_buyer_message_wakes_once(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    m = await push(tenant.api, channel["id"], external_thread_id="thread-snooze")
    cid = m["conversation_id"]
    r = await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={})
    assert r.status_code == 200 and r.json()["snoozed_until"] is None
    assert cid not in await _ids(tenant.agent)
    # An untimed snooze is never due on time.
    async with sessionmaker.begin() as session:
        assert await wake_due(session, datetime.now(UTC) + timedelta(days=365), 100) == 0
    await push(
        tenant.api,
        channel["id"],
        external_thread_id="thread-snooze",
        sent_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    )
    assert cid in await _ids(tenant.agent)
    # Another write of the row (e.g. a second buyer message) does not log a second wake-up.
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Conversation).where(Conversation.id == cid).values(last_inbound_at=datetime.now(UTC))
        )
    assert await _activity(sessionmaker, cid) == [
        ("conversation.snoozed", {"until": None}),
        ("conversation.unsnoozed", {"why": "buyer_wrote"}),
    ]


async def test_unsnooze_and_bad_times(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    r = await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": past})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.until"
    far = (datetime.now(UTC) + timedelta(days=91)).isoformat()
    r = await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": far})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.until"
    r = await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": "2030-01-01T09:00:00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.until"
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": soon})).status_code == 200
    r = await tenant.agent.delete(f"/v1/conversations/{cid}/snooze")
    assert r.status_code == 200 and r.json()["snoozed"] is False
    assert cid in await _ids(tenant.agent)
    assert [a for a, _ in await _activity(sessionmaker, cid)] == ["conversation.snoozed", "conversation.unsnoozed"]


async def test_snooze_is_tenant_scoped(tenant, other_tenant):
    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await other_tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": soon})).status_code == 404
    assert (await other_tenant.agent.delete(f"/v1/conversations/{cid}/snooze")).status_code == 404
