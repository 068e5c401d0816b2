"""Rosters over the API, routing that waits for the next shift, the shift-start distribution, the
handover (exactly once), escalation to the on-shift supervisor, and reply collisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text

from api.auth import service as auth_service
from api.models import AuditEntry, Conversation, Note, OutboxEvent, SlaClock, SlaTimer
from api.shift import handover
from tests.helpers import make_channel, push
from workers.tasks.automation import process_next
from workers.tasks.shifts import run_shifts


def _now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def _dated(start: datetime, minutes: int, **kw):
    """A dated shift in UTC starting at `start`."""
    return {
        "time_zone": "UTC",
        "on_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "duration_minutes": minutes,
        "handover_minutes": 0,
        **kw,
    }


async def _team(tenant, *members, name="Frontline"):
    r = await tenant.admin.post("/v1/teams", json={"name": name, "member_ids": [str(m) for m in members]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _user(tenant, sessionmaker, name, role="agent"):
    async with sessionmaker.begin() as s:
        u = await auth_service.create_user(
            s,
            tenant.org_id,
            email=f"{name.lower()}@x.test",
            name=name,
            password="a-long-password-1",
            role=role,
            check_strength=False,
        )
        u.status = "online"
        return u.id


async def _shift(tenant, team, user, body, expect=201):
    r = await tenant.admin.post("/v1/shifts", json={"team_id": team, "user_id": str(user), **body})
    assert r.status_code == expect, r.text
    return r.json()


async def test_roster_refuses_overlaps_and_long_shifts_and_shows_who_is_on(tenant):
    team = await _team(tenant, tenant.agent_id)
    now = _now()
    await _shift(tenant, team, tenant.agent_id, _dated(now - timedelta(hours=1), 120))
    r = await tenant.admin.post(
        "/v1/shifts", json={"team_id": team, "user_id": str(tenant.agent_id), **_dated(now, 60)}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.start_time"
    assert "overlaps" in r.json()["errors"][0]["reason"]
    r = await tenant.admin.post(
        "/v1/shifts",
        json={
            "team_id": team,
            "user_id": str(tenant.agent_id),
            "time_zone": "Asia/Shanghai",
            "weekday": 2,
            "start_time": "22:00",
            "duration_minutes": 1500,
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "body.duration_minutes",
        "reason": "a shift may last at most 24 hours",
    }
    # Agents read rosters; only supervisors and admins edit them.
    assert (
        await tenant.agent.post(
            "/v1/shifts", json={"team_id": team, "user_id": str(tenant.agent_id), **_dated(now + timedelta(days=2), 60)}
        )
    ).status_code == 403
    board = (await tenant.agent.get("/v1/shifts/now")).json()
    assert [(b["name"], b["on_shift"]) for b in board] == [("Agent", True)]
    assert board[0]["current"]["end"].startswith((now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    coverage = (await tenant.agent.get("/v1/shifts/coverage")).json()
    assert len(coverage["hours"]) == 168 and coverage["hours"][0]["agents_on_shift"] == 1
    assert len((await tenant.agent.get("/v1/shifts")).json()) == 1


async def test_routing_waits_for_the_shift_then_distributes_within_capacity(tenant, sessionmaker):
    team = await _team(tenant, tenant.agent_id)
    await tenant.agent.put("/v1/users/me/status", json={"status": "online"})
    await tenant.admin.patch(f"/v1/users/{tenant.agent_id}", json={"capacity": 2})
    now = _now()
    await _shift(tenant, team, tenant.agent_id, _dated(now + timedelta(days=3), 240))  # rostered, off now
    channel = await make_channel(tenant.api)
    await tenant.admin.patch(f"/v1/channels/{channel['id']}", json={"default_team_id": team})
    ids = [(await push(tenant.api, channel["id"]))["conversation_id"] for _ in range(3)]
    for _ in ids:  # the automation loop routes each new message
        async with sessionmaker.begin() as s:
            assert await process_next(s)
    async with sessionmaker() as s:
        rows = (
            await s.execute(select(Conversation.assignee_id, Conversation.team_id).where(Conversation.id.in_(ids)))
        ).all()
        assert {r[0] for r in rows} == {None} and {str(r[1]) for r in rows} == {team}
        reason = (
            (await s.execute(select(AuditEntry.data).where(AuditEntry.action == "conversation.routed")))
            .scalars()
            .first()
        )
        assert "queued for the next shift" in reason["reason"]
    # The shift starts: the queue goes to the agent, up to capacity; a second run changes nothing.
    await _shift(tenant, team, tenant.agent_id, _dated(now - timedelta(minutes=5), 240))
    await tenant.agent.post("/v1/users/me/activity")
    for _ in range(2):
        await run_shifts(sessionmaker)
        async with sessionmaker() as s:
            owners = (await s.execute(select(Conversation.assignee_id).where(Conversation.id.in_(ids)))).scalars().all()
        assert sorted(str(o) for o in owners if o) == [str(tenant.agent_id)] * 2 and owners.count(None) == 1


async def _open_clock(sessionmaker, conversation_id, due_in: timedelta):
    """The conversation's open clocks fall due in `due_in` (one is opened if the reply stopped them)."""
    async with sessionmaker.begin() as s:
        c = await s.get(Conversation, conversation_id)
        open_clocks = (
            (await s.execute(select(SlaClock).where(SlaClock.conversation_id == c.id, SlaClock.stopped_at.is_(None))))
            .scalars()
            .all()
        )
        for clock in open_clocks:
            clock.due_at = _now() + due_in
        if not open_clocks:
            clock = SlaClock(
                organization_id=c.organization_id,
                conversation_id=c.id,
                kind="marketplace_next_response",
                policy_snapshot={"name": "Test"},
                reason="test",
                marketplace=c.marketplace,
                channel_id=c.channel_id,
                started_at=_now() - timedelta(hours=1),
                due_at=_now() + due_in,
            )
            s.add(clock)
        await s.flush()
        return (open_clocks or [clock])[0].id


async def test_handover_when_the_shift_ends_exactly_once(tenant, sessionmaker):
    carlos = await _user(tenant, sessionmaker, "Carlos")
    team = await _team(tenant, tenant.agent_id, carlos)
    now = _now()
    await _shift(tenant, team, tenant.agent_id, _dated(now - timedelta(hours=5), 240))  # ended an hour ago
    await _shift(tenant, team, tenant.agent_id, _dated(now + timedelta(hours=20), 240))  # back tomorrow
    await _shift(tenant, team, carlos, _dated(now - timedelta(hours=1), 240))
    channel = await make_channel(tenant.api)
    due_tonight = (await push(tenant.api, channel["id"]))["conversation_id"]
    due_later = (await push(tenant.api, channel["id"]))["conversation_id"]
    await tenant.agent.post(f"/v1/conversations/{due_tonight}/replies", json={"body": "Your parcel ships today."})
    await tenant.agent.post(f"/v1/conversations/{due_tonight}/notes", json={"body": "VIP buyer"})
    async with sessionmaker.begin() as s:
        for cid in (due_tonight, due_later):
            c = await s.get(Conversation, cid)
            c.assignee_id, c.team_id = tenant.agent_id, team
    await _open_clock(sessionmaker, due_tonight, timedelta(hours=6))
    await _open_clock(sessionmaker, due_later, timedelta(hours=30))
    for expected in (1, 0):
        async with sessionmaker.begin() as s:
            assert await handover.hand_over_due(s) == expected
    async with sessionmaker() as s:
        assert (await s.get(Conversation, due_tonight)).assignee_id == carlos
        assert (await s.get(Conversation, due_later)).assignee_id == tenant.agent_id
        notes = (await s.execute(select(Note.body).where(Note.conversation_id == due_tonight))).scalars().all()
        [note] = [n for n in notes if n.startswith("Shift handover")]
        assert "Agent → Carlos" in note and "Your parcel ships today." in note and "VIP buyer" in note
        assert " due " in note
        kinds = (
            (await s.execute(select(OutboxEvent.event_type).where(OutboxEvent.conversation_id == due_tonight)))
            .scalars()
            .all()
        )
        assert kinds.count("conversation.handed_over") == 1
        audits = await s.execute(select(func.count()).where(AuditEntry.action == "conversation.handed_over"))
        assert audits.scalar_one() == 1


async def test_handover_falls_to_the_on_shift_supervisor(tenant, sessionmaker):
    sup_home = await _user(tenant, sessionmaker, "Home", role="supervisor")
    sup_on = await _user(tenant, sessionmaker, "Duty", role="supervisor")
    team = await _team(tenant, tenant.agent_id, sup_home, sup_on)
    now = _now()
    await _shift(tenant, team, tenant.agent_id, _dated(now - timedelta(hours=5), 240))
    await _shift(tenant, team, sup_home, _dated(now + timedelta(hours=3), 240))
    await _shift(tenant, team, sup_on, _dated(now - timedelta(hours=1), 240, handover_minutes=0))
    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    async with sessionmaker.begin() as s:
        c = await s.get(Conversation, cid)
        c.assignee_id = tenant.agent_id
    await _open_clock(sessionmaker, cid, timedelta(hours=2))
    async with sessionmaker.begin() as s:
        # sup_on is a team member on shift too: it is picked as the team's least-loaded agent.
        assert await handover.hand_over_due(s) == 1
    async with sessionmaker() as s:
        assert (await s.get(Conversation, cid)).assignee_id == sup_on


async def test_the_12h_escalation_goes_to_the_on_shift_supervisor(tenant, sessionmaker):
    from api.sla import timers

    sup_home = await _user(tenant, sessionmaker, "Home", role="supervisor")
    sup_on = await _user(tenant, sessionmaker, "Duty", role="supervisor")
    team = await _team(tenant, sup_home, sup_on)
    now = _now()
    await _shift(tenant, team, sup_home, _dated(now + timedelta(hours=3), 240))
    await _shift(tenant, team, sup_on, _dated(now - timedelta(hours=1), 240))
    async with sessionmaker.begin() as s:  # the home supervisor is less loaded and online
        await s.execute(text("UPDATE users SET status = 'online' WHERE id = :a"), {"a": sup_home})
    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    clock_id = await _open_clock(sessionmaker, cid, timedelta(hours=12))
    async with sessionmaker.begin() as s:  # only the 12 h tier, due now
        await s.execute(delete(SlaTimer).where(SlaTimer.clock_id == clock_id))
        s.add(
            SlaTimer(
                organization_id=tenant.org_id,
                clock_id=clock_id,
                tier=2,
                action="escalate_supervisor",
                due_at=now - timedelta(seconds=1),
            )
        )
    async with sessionmaker.begin() as s:
        fired = await timers.fire_due(s, datetime.now(UTC))
        assert [f.action for f in fired] == ["escalate_supervisor"]
    async with sessionmaker() as s:
        assert (await s.get(Conversation, cid)).assignee_id == sup_on


async def test_reply_on_top_of_a_newer_message_asks_for_confirmation(tenant):
    channel = await make_channel(tenant.api)
    first = await push(tenant.api, channel["id"])
    cid = first["conversation_id"]
    url = f"/v1/conversations/{cid}/replies"
    mine = await tenant.agent.post(url, json={"body": "On it.", "based_on_message_id": first["id"]})
    assert mine.status_code == 201, mine.text
    clash = await tenant.admin.post(url, json={"body": "Hello!", "based_on_message_id": first["id"]})
    assert clash.status_code == 409 and clash.headers["content-type"].startswith("application/problem+json")
    assert clash.json()["newer_message"]["id"] == mine.json()["id"]
    assert clash.json()["errors"][0]["field"] == "body.based_on_message_id"
    sent = await tenant.admin.post(url, json={"body": "Hello!", "based_on_message_id": first["id"], "confirm": True})
    assert sent.status_code == 201
    # Your own replies never collide with you; a message of another conversation is refused.
    again = await tenant.agent.post(url, json={"body": "More.", "based_on_message_id": mine.json()["id"]})
    assert again.status_code == 409  # the admin replied since
    other = (await push(tenant.api, channel["id"]))["id"]
    r = await tenant.agent.post(url, json={"body": "x", "based_on_message_id": other})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.based_on_message_id"


async def test_shifts_are_tenant_scoped(tenant, other_tenant):
    team = await _team(other_tenant, other_tenant.agent_id)
    theirs = await _shift(other_tenant, team, other_tenant.agent_id, _dated(_now(), 60))
    assert (await tenant.admin.get("/v1/shifts")).json() == []
    assert (await tenant.admin.get("/v1/shifts/now")).json() == []
    assert (await tenant.admin.delete(f"/v1/shifts/{theirs['id']}")).status_code == 404
    r = await tenant.admin.post(
        "/v1/shifts", json={"team_id": team, "user_id": str(other_tenant.agent_id), **_dated(_now(), 60)}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.team_id"
