"""The timer loop in real time (exactly once across competing loops), internal business-hours clocks
with pauses, and escalation mail over a real SMTP server."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from api.config import Settings
from api.models import Conversation, OutboxEvent, SlaClock, SlaTimer
from tests.helpers import make_channel, push
from workers.tasks import sla_timers
from workers.tasks.mail import send_pending
from workers.tasks.sla_timers import SWEEP_CURSOR, reconcile_missing_clocks, run_timer_loop, sla_sweep_job


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


async def test_competing_timer_loops_fire_each_timer_exactly_once(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="shopee")
    now = datetime.now(UTC)
    conv_ids = []
    for _ in range(30):
        msg = await push(tenant.api, channel["id"], sent_at=iso(now))
        conv_ids.append(uuid.UUID(msg["conversation_id"]))
    # Pull every timer to "just now + a moment" so the loops race for them in real time.
    async with sessionmaker.begin() as s:
        await s.execute(update(SlaTimer).values(due_at=func.now() + timedelta(milliseconds=300)))
    stop = asyncio.Event()
    loops = [asyncio.create_task(run_timer_loop(sessionmaker, stop)) for _ in range(3)]
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        async with sessionmaker() as s:
            left = (
                await s.execute(
                    select(func.count())
                    .select_from(SlaTimer)
                    .where(SlaTimer.fired_at.is_(None), SlaTimer.cancelled_at.is_(None))
                )
            ).scalar_one()
        if left == 0:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*loops)
    async with sessionmaker() as s:
        fired = (
            await s.execute(select(func.count()).select_from(SlaTimer).where(SlaTimer.fired_at.is_not(None)))
        ).scalar_one()
        overdue = (
            await s.execute(
                select(OutboxEvent.conversation_id, func.count())
                .where(OutboxEvent.event_type == "sla.overdue")
                .group_by(OutboxEvent.conversation_id)
            )
        ).all()
    assert fired == 30 * 4  # three tiers and the breach per conversation
    assert sorted(c for c, _ in overdue) == sorted(conv_ids) and all(n == 1 for _, n in overdue)


async def _office_setup(tenant, *, pause=False):
    r = await tenant.admin.post(
        "/v1/sla/calendars",
        json={
            "name": "Shanghai office",
            "time_zone": "Asia/Shanghai",
            "is_default": True,
            "intervals": {d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": ["2026-12-25"],
        },
    )
    assert r.status_code == 201, r.text
    default = next(p for p in (await tenant.admin.get("/v1/sla/policies")).json() if p["builtin_key"] == "default")
    r = await tenant.admin.patch(
        f"/v1/sla/policies/{default['id']}",
        json={
            "internal_first_response_seconds": 4 * 3600,
            "internal_resolution_seconds": 16 * 3600,
            "pause_while_pending": pause,
        },
    )
    assert r.status_code == 200, r.text


async def test_internal_clock_follows_the_business_calendar(tenant):
    await _office_setup(tenant)
    channel = await make_channel(tenant.api, marketplace="api")
    # Friday 2026-11-27 16:00 Shanghai (in the past: pushes may not be dated ahead).
    # 2 working hours left that day, 2 more on Monday from 09:00.
    msg = await push(tenant.api, channel["id"], sent_at="2026-11-27T16:00:00+08:00")
    clocks = {
        c["kind"]: c for c in (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()["clocks"]
    }
    assert clocks["internal_first_response"]["due_at"] == "2026-11-30T03:00:00Z"  # Monday 11:00 +08
    assert clocks["marketplace_first_response"]["due_at"] == "2026-11-28T08:00:00Z"  # 24/7
    # Resolution: 16 working hours = Fri 2 h + Mon 8 h + Tue 6 h -> Tuesday 16:00 +08.
    assert clocks["internal_resolution"]["due_at"] == "2026-12-01T08:00:00Z"


async def test_pending_pauses_internal_clocks_only(tenant):
    await _office_setup(tenant, pause=True)
    channel = await make_channel(tenant.api, marketplace="api")
    msg = await push(tenant.api, channel["id"])
    conv_id = msg["conversation_id"]
    await tenant.agent.patch(f"/v1/conversations/{conv_id}", json={"status": "pending"})
    clocks = {c["kind"]: c for c in (await tenant.api.get(f"/v1/conversations/{conv_id}")).json()["clocks"]}
    assert clocks["internal_first_response"]["paused"] is True and clocks["internal_first_response"]["due_at"] is None
    assert clocks["marketplace_first_response"]["due_at"] is not None  # marketplace clocks never pause
    await tenant.agent.patch(f"/v1/conversations/{conv_id}", json={"status": "open"})
    clocks = {c["kind"]: c for c in (await tenant.api.get(f"/v1/conversations/{conv_id}")).json()["clocks"]}
    assert clocks["internal_first_response"]["paused"] is False and clocks["internal_first_response"]["due_at"]


async def test_resolving_stops_the_resolution_clock(tenant):
    await _office_setup(tenant)
    channel = await make_channel(tenant.api, marketplace="api")
    msg = await push(tenant.api, channel["id"])
    await tenant.agent.patch(f"/v1/conversations/{msg['conversation_id']}", json={"status": "resolved"})
    clocks = {
        c["kind"]: c for c in (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()["clocks"]
    }
    assert (
        clocks["internal_resolution"]["state"] == "met" and clocks["internal_resolution"]["stop_reason"] == "resolved"
    )
    # The buyer's wait is unaffected by resolving: the marketplace still expects an answer.
    assert clocks["marketplace_first_response"]["state"] == "running"


async def test_invalid_calendars_and_policies_are_refused_with_reasons(tenant):
    r = await tenant.admin.post("/v1/sla/calendars", json={"name": "x", "time_zone": "Mars/Olympus", "intervals": {}})
    assert r.status_code == 422 and "Mars/Olympus" in r.text
    r = await tenant.admin.post(
        "/v1/sla/calendars",
        json={"name": "x", "time_zone": "UTC", "intervals": {"mon": ["09:00-12:00", "11:00-13:00"]}},
    )
    assert r.status_code == 422 and "overlap" in r.text.lower()
    r = await tenant.admin.post(
        "/v1/sla/policies",
        json={
            "name": "VIP",
            "position": 5,
            "first_response_seconds": 30,
            "tiers": [{"action": "email_assignee", "at_fraction": 1.5}],
        },
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert "body.first_response_seconds" in fields and "body.tiers.0.at_fraction" in fields
    r = await tenant.agent.post("/v1/sla/policies", json={"name": "x", "position": 1, "first_response_seconds": 3600})
    assert r.status_code == 403


async def test_custom_policy_by_customer_tier_takes_precedence(tenant):
    r = await tenant.admin.post(
        "/v1/sla/policies",
        json={
            "name": "VIP on Amazon",
            "position": 5,
            "first_response_seconds": 4 * 3600,
            "conditions": {"marketplaces": ["amazon"], "customer_tiers": ["high_value"]},
        },
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="amazon")
    first = await push(tenant.api, channel["id"], buyer={"external_id": "vip-1", "name": "V"})
    conv = (await tenant.api.get(f"/v1/conversations/{first['conversation_id']}")).json()
    await tenant.agent.patch(f"/v1/customers/{conv['customer']['id']}", json={"tier": "high_value"})
    second = await push(tenant.api, channel["id"], buyer={"external_id": "vip-1", "name": "V"})
    clocks = (await tenant.api.get(f"/v1/conversations/{second['conversation_id']}")).json()["clocks"]
    assert clocks[0]["policy_name"] == "VIP on Amazon" and clocks[0]["target_seconds"] == 4 * 3600
    assert "customer tier high_value" in clocks[0]["reason"]
    assert {"condition": "customer_tier", "value": "high_value"} in clocks[0]["reason_detail"]["matched"]


async def test_sweep_gives_clocks_to_waiting_conversations(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="walmart")
    msg = await push(tenant.api, channel["id"])
    async with sessionmaker.begin() as s:  # as if ingested before the SLA engine existed
        await s.execute(SlaClock.__table__.delete())
    async with sessionmaker.begin() as s:
        assert await reconcile_missing_clocks(s) == (1, None)
    async with sessionmaker.begin() as s:
        assert await reconcile_missing_clocks(s) == (0, None)
    clocks = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()["clocks"]
    assert [c["kind"] for c in clocks] == ["marketplace_first_response"]


async def test_the_sweep_goes_through_the_conversations_a_slice_at_a_time(tenant, sessionmaker):
    """A sweep examines `chunk` conversations after its cursor; sweeps one after another reach every
    conversation (also when one slice holds more than `limit` to fix) and then start over."""
    channel = await make_channel(tenant.api, marketplace="walmart")
    conversations = {(await push(tenant.api, channel["id"]))["conversation_id"] for _ in range(5)}
    async with sessionmaker.begin() as s:
        await s.execute(SlaClock.__table__.delete())
    given, after, sweeps = 0, None, 0
    while True:
        async with sessionmaker.begin() as s:
            n, after = await reconcile_missing_clocks(s, after, chunk=2, limit=1)
        given, sweeps = given + n, sweeps + 1
        assert n <= 1 and sweeps < 20
        if after is None:
            break
    assert given == 5
    for conversation in conversations:
        clocks = (await tenant.api.get(f"/v1/conversations/{conversation}")).json()["clocks"]
        assert [c["kind"] for c in clocks] == ["marketplace_first_response"]
    async with sessionmaker.begin() as s:
        assert await reconcile_missing_clocks(s, None, chunk=2, limit=1) == (0, (await _second_id(s)))


async def _second_id(session):  # type: ignore[no-untyped-def]
    """Where a sweep of 2 from the start leaves off: the second conversation id in order."""
    return (await session.execute(select(Conversation.id).order_by(Conversation.id).offset(1).limit(1))).scalar_one()


async def test_the_sweep_job_resumes_where_the_last_one_stopped(tenant, sessionmaker, redis, monkeypatch):
    """Each run spends its budget (here: one slice of 2), keeps its place in Redis and the next run
    continues from there; once every conversation was examined the place is forgotten (start over)."""
    channel = await make_channel(tenant.api, marketplace="walmart")
    for _ in range(3):
        await push(tenant.api, channel["id"])
    async with sessionmaker.begin() as s:
        await s.execute(SlaClock.__table__.delete())
    monkeypatch.setattr(sla_timers, "SWEEP_CHUNK", 2)
    monkeypatch.setattr(sla_timers, "SWEEP_BUDGET_SECONDS", -1.0)  # one slice per run
    await redis.delete(SWEEP_CURSOR)
    ctx = {"redis": redis, "sessionmaker": sessionmaker}
    assert await sla_sweep_job(ctx) == 2
    async with sessionmaker() as s:
        assert (await redis.get(SWEEP_CURSOR)).decode() == str(await _second_id(s))
    assert await sla_sweep_job(ctx) == 1
    assert await redis.get(SWEEP_CURSOR) is None
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(SlaClock))).scalar_one() == 3


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


async def test_escalation_mail_goes_out_over_smtp(tenant, sessionmaker, settings):
    import socket

    from api.sla.timers import fire_due

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        channel = await make_channel(tenant.api, marketplace="amazon")
        t0 = datetime.now(UTC).replace(microsecond=0)
        msg = await push(tenant.api, channel["id"], sent_at=iso(t0))
        await tenant.agent.patch(
            f"/v1/conversations/{msg['conversation_id']}", json={"assignee_id": str(tenant.agent_id)}
        )
        async with sessionmaker.begin() as s:
            await fire_due(s, t0 + timedelta(hours=12))
        smtp_settings = Settings(**{**settings.model_dump(), "smtp_host": "127.0.0.1", "smtp_port": port})
        async with sessionmaker.begin() as s:
            assert await send_pending(s, smtp_settings) == 1
        async with sessionmaker.begin() as s:
            assert await send_pending(s, smtp_settings) == 0
        assert len(inbox.messages) == 1
        envelope = inbox.messages[0]
        assert envelope.rcpt_tos == ["agent@acme-sellers.test"]
        assert b"Auto-Submitted: auto-generated" in envelope.content and b"Reply due" in envelope.content
    finally:
        controller.stop()
