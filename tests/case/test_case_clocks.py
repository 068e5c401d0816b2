"""Case clocks on the SLA timer table: a return not handled within 6 h alerts the supervisor exactly
once (competing firers, repeated firing), a handled case never alerts, a claim reaches its owner at
once, and conversation timers and case timers never fire each other's effects."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.auth import service as auth_service
from api.case import clocks
from api.models import Case, Notification, OutboundEmail, OutboxEvent, SlaTimer
from api.sla.timers import fire_due as fire_conversation_timers
from tests.case.test_cases_api import open_return, walmart_conversation
from tests.helpers import make_channel, push


async def _supervisor(sessionmaker, org_id, name="Sup"):
    async with sessionmaker.begin() as s:
        user = await auth_service.create_user(
            s, org_id, email=f"{name.lower()}@sup.test", name=name, password="supervisor-pw-1", role="supervisor"
        )
        return user.id


async def _count(sessionmaker, model, *where):
    async with sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_a_return_waiting_six_hours_alerts_the_supervisor_exactly_once(tenant, sessionmaker):
    sup = await _supervisor(sessionmaker, tenant.org_id)
    _, conv = await walmart_conversation(tenant)
    case = (await open_return(tenant.agent, conv)).json()
    opened = datetime.fromisoformat(case["created_at"])
    async with sessionmaker.begin() as s:  # 5 h 59 min: nothing yet
        assert await clocks.fire_due(s, opened + timedelta(hours=5, minutes=59)) == 0
    # Three firers race for the due timer at 6 h + 1 s, then everyone tries again.
    later = opened + timedelta(hours=6, seconds=1)

    async def fire():
        async with sessionmaker.begin() as s:
            return await clocks.fire_due(s, later)

    results = await asyncio.gather(*(fire() for _ in range(3)))
    assert sorted(results) == [0, 0, 1]
    assert await fire() == 0
    notes = await _count(sessionmaker, Notification, Notification.user_id == sup, Notification.kind == "case.overdue")
    assert notes == 1
    assert await _count(sessionmaker, OutboundEmail, OutboundEmail.to_address == "sup@sup.test") == 1
    assert await _count(sessionmaker, OutboxEvent, OutboxEvent.event_type == "case.overdue") == 1
    async with sessionmaker() as s:
        row = await s.get(Case, uuid.UUID(case["id"]))
        payload = (
            await s.execute(select(OutboxEvent.payload).where(OutboxEvent.event_type == "case.overdue"))
        ).scalar_one()
    assert row is not None and row.overdue_at is not None and row.state == "requested"
    assert payload["data"]["case_id"] == case["id"] and payload["data"]["action"] == "handling_overdue"
    # The conversation's own timer claim never takes a case timer.
    async with sessionmaker.begin() as s:
        fired = await fire_conversation_timers(s, opened + timedelta(hours=7))
    assert all(f.action != "handling_overdue" for f in fired)
    # Shown on the case.
    got = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert got["overdue_at"] is not None


async def test_a_handled_return_never_alerts(tenant, sessionmaker):
    await _supervisor(sessionmaker, tenant.org_id)
    _, conv = await walmart_conversation(tenant)
    case = (await open_return(tenant.agent, conv)).json()
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "approved", "reason": "ok"})
    assert r.status_code == 200
    async with sessionmaker.begin() as s:
        assert await clocks.fire_due(s, datetime.now(UTC) + timedelta(days=30)) == 0
    cancelled = await _count(
        sessionmaker, SlaTimer, SlaTimer.case_id == uuid.UUID(case["id"]), SlaTimer.cancelled_at.is_not(None)
    )
    assert cancelled == 1
    assert await _count(sessionmaker, Notification, Notification.kind.like("case.%")) == 0


async def test_a_claim_reaches_the_conversation_owner_at_once(tenant, sessionmaker):
    await _supervisor(sessionmaker, tenant.org_id)
    channel = await make_channel(tenant.api, marketplace="amazon")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    await tenant.admin.patch(f"/v1/conversations/{conv}", json={"assignee_id": str(tenant.agent_id)})
    case = (await tenant.api.post("/v1/cases", json={"conversation_id": conv, "kind": "claim"})).json()
    async with sessionmaker.begin() as s:
        assert await clocks.fire_due(s, datetime.now(UTC) + timedelta(seconds=1)) == 1
    async with sessionmaker() as s:
        # The admin's assignment above notified the agent too ("assigned"); the case's own is the point.
        notes = (await s.execute(select(Notification).where(Notification.kind.like("case.%")))).scalars().all()
        event = (
            await s.execute(select(OutboxEvent.payload).where(OutboxEvent.event_type == "case.escalated"))
        ).scalar_one()
    assert [(n.user_id, n.kind) for n in notes] == [(tenant.agent_id, "case.escalated")]
    assert event["data"]["case_id"] == case["id"] and event["data"]["owner_id"] == str(tenant.agent_id)


async def test_marketplace_deadline_runs_its_own_clock_and_moves_with_the_case(tenant, sessionmaker):
    sup = await _supervisor(sessionmaker, tenant.org_id)
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    deadline = datetime.now(UTC) + timedelta(days=3)
    case = (
        await tenant.api.post(
            "/v1/cases",
            json={
                "conversation_id": conv,
                "kind": "refund",
                "marketplace_case_id": "5012345678",
                "marketplace_deadline": deadline.isoformat(),
            },
        )
    ).json()
    assert case["due_at"] == case["handling_due_at"]  # 6 h comes before 3 days
    moved = deadline + timedelta(days=1)
    r = await tenant.api.patch(f"/v1/cases/{case['id']}", json={"marketplace_deadline": moved.isoformat()})
    assert r.status_code == 200
    async with sessionmaker() as s:
        due = {
            t.tier: t.due_at
            for t in (await s.execute(select(SlaTimer).where(SlaTimer.case_id == uuid.UUID(case["id"])))).scalars()
        }
    assert due[1100] == moved and due[100] == moved - timedelta(hours=24)
    async with sessionmaker.begin() as s:  # past everything: handling, due soon, deadline
        assert await clocks.fire_due(s, moved + timedelta(seconds=1)) == 3
    assert await _count(sessionmaker, Notification, Notification.user_id == sup) >= 2
    assert await _count(sessionmaker, OutboxEvent, OutboxEvent.event_type == "case.overdue") == 2
