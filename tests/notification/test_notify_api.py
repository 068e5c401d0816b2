"""Notifications addressed to people (assignments, @mentions), read-all, and the overflow alert: its
settings, raised exactly once per cooldown even by concurrent checks, cleared when the backlog falls
back, and tenant isolation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from api.kit.time import utc_now
from api.models import AuditEntry, Notification, OutboxEvent, OverflowAlert, User
from api.notification import overflow
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push


async def _conversation(tenant) -> str:
    channel = await make_channel(tenant.api)
    return (await push(tenant.api, channel["id"]))["conversation_id"]


async def _mine(client, **params) -> list[dict]:
    r = await client.get("/v1/notifications", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_assignment_by_a_person_notifies_the_assignee_not_the_assigner(tenant, sessionmaker):
    cid = await _conversation(tenant)
    r = await tenant.admin.patch(f"/v1/conversations/{cid}", json={"assignee_id": str(tenant.agent_id)})
    assert r.status_code == 200, r.text
    [note] = await _mine(tenant.agent)
    assert note["kind"] == "assigned" and note["conversation_id"] == cid
    assert note["data"]["by"] == "person" and note["data"]["by_name"] == "Admin"
    assert note["body"] == "Assigned to you by Admin." and note["read_at"] is None
    # The same assignee again changes nothing; the admin was told nothing.
    await tenant.admin.patch(f"/v1/conversations/{cid}", json={"assignee_id": str(tenant.agent_id)})
    assert len(await _mine(tenant.agent)) == 1
    assert await _mine(tenant.admin) == []
    # Taking a conversation yourself is no news to you.
    cid2 = await _conversation(tenant)
    await tenant.admin.patch(f"/v1/conversations/{cid2}", json={"assignee_id": str(tenant.admin_id)})
    assert await _mine(tenant.admin) == []
    # The push to the agent's sockets is queued with it, addressed to them.
    async with sessionmaker() as session:
        frames = (
            await session.execute(select(OutboxEvent.payload).where(OutboxEvent.event_type == "notification"))
        ).scalars()
        addressed = [p["data"]["user_id"] for p in frames]
    assert addressed == [str(tenant.agent_id)]


async def test_assignment_by_a_rule_says_which_rule(tenant, sessionmaker):
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Damaged goes to the agent",
            "position": 1,
            "conditions": {"keywords": ["damaged"]},
            "actions": [{"type": "assign", "user_id": str(tenant.agent_id)}],
        },
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="ebay")
    await push(tenant.api, channel["id"], body="The parcel arrived damaged, please help")
    await drain(sessionmaker)
    [note] = await _mine(tenant.agent)
    assert note["kind"] == "assigned"
    assert (note["data"]["by"], note["data"]["by_name"]) == ("rule", "Damaged goes to the agent")
    assert note["body"] == "Assigned to you by rule 'Damaged goes to the agent'."


async def test_assignment_by_routing_says_how(tenant, sessionmaker):
    r = await tenant.admin.post(
        "/v1/assignment/rules", json={"name": "All to Agent", "position": 1, "user_id": str(tenant.agent_id)}
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="shopee")
    await push(tenant.api, channel["id"])
    await drain(sessionmaker)
    [note] = await _mine(tenant.agent)
    assert note["kind"] == "assigned" and note["data"]["by"] == "routing"
    assert note["data"]["by_name"] == "All to Agent"
    assert note["body"] == "Assigned to you by routing (All to Agent)."


async def test_mentions_in_a_note_notify_and_are_rendered(tenant, sessionmaker):
    cid = await _conversation(tenant)
    body = "@Agent please check the tracking; cc @admin@nobody.test and buyer@example.com"
    r = await tenant.admin.post(f"/v1/conversations/{cid}/notes", json={"body": body})
    assert r.status_code == 201, r.text
    note = r.json()
    [m] = note["mentions"]
    assert m["user_id"] == str(tenant.agent_id) and body[m["start"] : m["end"]] == "@Agent"
    [n] = await _mine(tenant.agent)
    assert n["kind"] == "mention" and n["data"]["note_id"] == note["id"] and n["data"]["author"] == "Admin"
    assert n["body"] == body
    # The detail shows the mention as written.
    detail = (await tenant.agent.get(f"/v1/conversations/{cid}")).json()
    assert detail["notes"][0]["mentions"] == note["mentions"]
    # Mentioning yourself, or by email, and twice in one note: one notification per colleague, none to the author.
    async with sessionmaker() as session:
        email = (await session.execute(select(User.email).where(User.id == tenant.agent_id))).scalar_one()
    r = await tenant.admin.post(f"/v1/conversations/{cid}/notes", json={"body": f"@{email} and @Agent, @Admin"})
    assert [x["name"] for x in r.json()["mentions"]] == ["Agent", "Agent", "Admin"]
    assert len(await _mine(tenant.agent)) == 2
    assert await _mine(tenant.admin) == []


async def test_mark_read_and_read_all(tenant):
    for _ in range(3):
        cid = await _conversation(tenant)
        await tenant.admin.patch(f"/v1/conversations/{cid}", json={"assignee_id": str(tenant.agent_id)})
    notes = await _mine(tenant.agent)
    assert len(notes) == 3
    one = await tenant.agent.post(f"/v1/notifications/{notes[0]['id']}/read")
    assert one.status_code == 200 and one.json()["read_at"] is not None
    assert len(await _mine(tenant.agent, unread=True)) == 2
    r = await tenant.agent.post("/v1/notifications/read-all")
    assert r.status_code == 200 and r.json() == {"marked_read": 2}
    assert await _mine(tenant.agent, unread=True) == []
    assert (await tenant.agent.post("/v1/notifications/read-all")).json() == {"marked_read": 0}
    # API keys have no notifications.
    assert (await tenant.api.post("/v1/notifications/read-all")).status_code == 422


async def test_notifications_are_isolated_between_tenants(tenant, other_tenant):
    cid = await _conversation(tenant)
    await tenant.admin.patch(f"/v1/conversations/{cid}", json={"assignee_id": str(tenant.agent_id)})
    [note] = await _mine(tenant.agent)
    assert await _mine(other_tenant.agent) == []
    assert (await other_tenant.agent.post(f"/v1/notifications/{note['id']}/read")).status_code == 404
    assert (await other_tenant.agent.post("/v1/notifications/read-all")).json() == {"marked_read": 0}
    assert (await _mine(tenant.agent, unread=True))[0]["id"] == note["id"]
    # A colleague of another organization is not mentionable.
    r = await tenant.admin.post(f"/v1/conversations/{cid}/notes", json={"body": "@Agent and @Admin"})
    assert {m["user_id"] for m in r.json()["mentions"]} == {str(tenant.agent_id), str(tenant.admin_id)}
    assert await _mine(other_tenant.agent) == []
    # Overflow settings are per organization.
    await tenant.admin.put(
        "/v1/notifications/overflow-settings", json={"enabled": False, "threshold": 3, "cooldown_minutes": 5}
    )
    other = (await other_tenant.admin.get("/v1/notifications/overflow-settings")).json()
    assert other == {"enabled": True, "threshold": 50, "cooldown_minutes": 60}


async def test_overflow_settings_validated_admin_only_and_audited(tenant, sessionmaker):
    url = "/v1/notifications/overflow-settings"
    assert (await tenant.admin.get(url)).json() == {"enabled": True, "threshold": 50, "cooldown_minutes": 60}
    for body, field in (
        ({"enabled": True, "threshold": 0, "cooldown_minutes": 10}, "body.threshold"),
        ({"enabled": True, "threshold": 5, "cooldown_minutes": 0}, "body.cooldown_minutes"),
        ({"enabled": True, "threshold": 5, "cooldown_minutes": 20000}, "body.cooldown_minutes"),
        ({"enabled": True, "threshold": "many", "cooldown_minutes": 10}, "body.threshold"),
        ({"enabled": True, "threshold": 5}, "body.cooldown_minutes"),
        ({"enabled": True, "threshold": 5, "cooldown_minutes": 10, "extra": 1}, "body.extra"),
    ):
        r = await tenant.admin.put(url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field
    good = {"enabled": True, "threshold": 5, "cooldown_minutes": 10}
    assert (await tenant.agent.put(url, json=good)).status_code == 403
    assert (await tenant.api.put(url, json=good)).status_code == 403
    r = await tenant.admin.put(url, json=good)
    assert r.status_code == 200 and r.json() == good
    assert (await tenant.admin.get(url)).json() == good
    async with sessionmaker() as session:
        [entry] = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "overflow.settings_updated"))
        ).scalars()
    assert entry.data["threshold"] == {"from": 50, "to": 5}


async def _overflowing(tenant, sessionmaker, backlog: int = 3) -> None:
    """The only agent online and at capacity, `backlog` unassigned conversations waiting."""
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == tenant.agent_id).values(status="online", capacity=1))
    cid = await _conversation(tenant)
    await tenant.admin.patch(f"/v1/conversations/{cid}", json={"assignee_id": str(tenant.agent_id)})
    for _ in range(backlog):
        await _conversation(tenant)
    r = await tenant.admin.put(
        "/v1/notifications/overflow-settings", json={"enabled": True, "threshold": 2, "cooldown_minutes": 30}
    )
    assert r.status_code == 200


async def _check(sessionmaker, org: uuid.UUID, at=None) -> str:
    async with sessionmaker.begin() as session:
        return await overflow.check(session, org, at or utc_now())


async def test_overflow_raised_once_by_two_concurrent_checks(tenant, sessionmaker):
    await _overflowing(tenant, sessionmaker)
    outcomes = await asyncio.gather(*(_check(sessionmaker, tenant.org_id) for _ in range(2)))
    assert sorted(outcomes) == ["active", "raised"]
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(OverflowAlert))).scalar_one() == 1
        kinds = (await session.execute(select(Notification.user_id).where(Notification.kind == "overflow"))).scalars()
        raised = (
            await session.execute(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "overflow.raised")
            )
        ).scalar_one()
    # Supervisors and admins are told, agents are not; one webhook event.
    assert list(kinds) == [tenant.admin_id] and raised == 1
    [note] = await _mine(tenant.admin)
    assert note["data"]["backlog"] == 3 and note["data"]["threshold"] == 2
    assert "3 unassigned conversations" in note["body"]
    status = (await tenant.admin.get("/v1/notifications/overflow")).json()
    assert status["active"] is True and status["backlog"] == 3 and status["available_agents"] == 1
    assert (await tenant.agent.get("/v1/notifications/overflow")).status_code in (200, 403)


async def test_overflow_not_raised_while_someone_has_room_or_under_threshold(tenant, sessionmaker):
    await _overflowing(tenant, sessionmaker, backlog=2)
    assert await _check(sessionmaker, tenant.org_id) == "calm"  # 2 is not more than 2
    await _conversation(tenant)
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == tenant.agent_id).values(capacity=5))
    assert await _check(sessionmaker, tenant.org_id) == "calm"  # the agent has room
    await tenant.admin.put(
        "/v1/notifications/overflow-settings", json={"enabled": False, "threshold": 2, "cooldown_minutes": 30}
    )
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == tenant.agent_id).values(capacity=1))
    assert await _check(sessionmaker, tenant.org_id) == "disabled"
    await tenant.admin.put(
        "/v1/notifications/overflow-settings", json={"enabled": True, "threshold": 2, "cooldown_minutes": 30}
    )
    # Nobody online is nobody at capacity: a quiet night raises nothing.
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == tenant.agent_id).values(status="offline"))
    assert await _check(sessionmaker, tenant.org_id) == "calm"
    async with sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == tenant.agent_id).values(status="online"))
    assert await _check(sessionmaker, tenant.org_id) == "raised"


async def test_overflow_cleared_then_not_raised_again_within_the_cooldown(tenant, sessionmaker):
    await _overflowing(tenant, sessionmaker)
    now = utc_now()
    assert await _check(sessionmaker, tenant.org_id, now) == "raised"
    assert await _check(sessionmaker, tenant.org_id, now + timedelta(minutes=1)) == "active"
    # The backlog falls back to the threshold: cleared, live and for webhooks.
    waiting = (await tenant.admin.get("/v1/conversations", params={"view": "response_needed"})).json()
    unassigned = [c["id"] for c in waiting["items"] if c["assignee_id"] is None]
    await tenant.admin.patch(f"/v1/conversations/{unassigned[0]}", json={"assignee_id": str(tenant.admin_id)})
    assert await _check(sessionmaker, tenant.org_id, now + timedelta(minutes=2)) == "cleared"
    assert (await tenant.admin.get("/v1/notifications/overflow")).json()["active"] is False
    # It piles up again within the cooldown: no new alert; after it, one.
    await _conversation(tenant)
    assert await _check(sessionmaker, tenant.org_id, now + timedelta(minutes=10)) == "cooling_down"
    assert await _check(sessionmaker, tenant.org_id, now + timedelta(minutes=31)) == "raised"
    async with sessionmaker() as session:
        alerts = (await session.execute(select(OverflowAlert).order_by(OverflowAlert.raised_at))).scalars().all()
        cleared = (
            await session.execute(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "overflow.cleared")
            )
        ).scalar_one()
    assert len(alerts) == 2 and alerts[0].cleared_at is not None and alerts[1].cleared_at is None
    assert cleared == 1
    assert len([n for n in await _mine(tenant.admin) if n["kind"] == "overflow"]) == 2


async def test_overflow_check_is_per_organization(tenant, other_tenant, sessionmaker):
    await _overflowing(tenant, sessionmaker)
    assert await _check(sessionmaker, other_tenant.org_id) == "calm"
    assert await _check(sessionmaker, tenant.org_id) == "raised"
    assert (await other_tenant.admin.get("/v1/notifications/overflow")).json()["active"] is False
    assert await _mine(other_tenant.admin) == []
