"""Availability follows shifts and presence, end to end over the API and the worker's sweep: idle
past the threshold → away; an activity ping → available again; logged out → away; off shift →
offline (never routed); an agent's own "away" is left alone."""

from datetime import timedelta

from sqlalchemy import select

from api.auth import service as auth_service
from api.models import AuditEntry, User
from api.shift import availability_service
from tests.shift.test_shift_api import _dated, _now, _shift, _team


async def _status(sessionmaker, user_id):
    async with sessionmaker() as s:
        u = await s.get(User, user_id)
        return u.status, u.auto_status


async def _sweep(sessionmaker, at):
    async with sessionmaker.begin() as s:
        return await availability_service.sweep(s, at)


async def test_idle_away_activity_back_logout_away_and_off_shift_offline(tenant, sessionmaker):
    team = await _team(tenant, tenant.agent_id)
    now = _now()
    await _shift(tenant, team, tenant.agent_id, _dated(now - timedelta(hours=1), 240))
    assert (await tenant.agent.put("/v1/users/me/status", json={"status": "online"})).status_code == 200
    assert (await tenant.agent.post("/v1/users/me/activity")).status_code == 204

    # Active on shift: nothing changes.
    await _sweep(sessionmaker, now + timedelta(minutes=1))
    assert await _status(sessionmaker, tenant.agent_id) == ("online", False)
    # Idle past the threshold (15 minutes): away, set by the rule.
    await _sweep(sessionmaker, now + timedelta(minutes=20))
    assert await _status(sessionmaker, tenant.agent_id) == ("away", True)
    # Back: the SPA's activity ping makes her available at once.
    assert (await tenant.agent.post("/v1/users/me/activity")).status_code == 204
    assert await _status(sessionmaker, tenant.agent_id) == ("online", False)
    me = (await tenant.agent.get("/v1/auth/me")).json()
    assert me["user"]["status"] == "online"

    # Logged out while on shift: away at the next sweep, although she was active a moment ago.
    assert (await tenant.agent.post("/v1/auth/logout")).status_code == 204
    await _sweep(sessionmaker, _now() + timedelta(seconds=30))
    assert await _status(sessionmaker, tenant.agent_id) == ("away", True)

    # Logged in again and active: available.
    async with sessionmaker.begin() as s:
        token, _, _ = await auth_service.login(s, "agent@acme-sellers.test", "agent-password-1", timedelta(hours=1))
    r = await tenant.agent.post("/v1/users/me/activity", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 204
    assert await _status(sessionmaker, tenant.agent_id) == ("online", False)

    # The shift is over: offline, whatever her activity.
    await _sweep(sessionmaker, now + timedelta(hours=3, minutes=5))
    assert await _status(sessionmaker, tenant.agent_id) == ("offline", True)
    async with sessionmaker() as s:
        whys = [
            d["why"]
            for d in (
                await s.execute(
                    select(AuditEntry.data)
                    .where(AuditEntry.action == "user.status", AuditEntry.entity_id == str(tenant.agent_id))
                    .order_by(AuditEntry.created_at)
                )
            ).scalars()
            if "why" in d
        ]
    assert whys == [
        "idle or logged out on shift",
        "active on shift",
        "idle or logged out on shift",
        "active on shift",
        "off shift",
    ]


async def test_an_agents_own_away_is_left_alone_and_the_unrostered_keep_their_status(tenant, sessionmaker):
    team = await _team(tenant, tenant.agent_id)
    now = _now()
    await _shift(tenant, team, tenant.agent_id, _dated(now - timedelta(hours=1), 240))
    await tenant.agent.put("/v1/users/me/status", json={"status": "away"})
    await tenant.admin.put("/v1/users/me/status", json={"status": "online"})
    await tenant.agent.post("/v1/users/me/activity")
    await _sweep(sessionmaker, now + timedelta(minutes=1))
    assert await _status(sessionmaker, tenant.agent_id) == ("away", False)
    # The admin has no roster: never governed, even idle for an hour.
    await _sweep(sessionmaker, now + timedelta(hours=1))
    assert await _status(sessionmaker, tenant.admin_id) == ("online", False)
