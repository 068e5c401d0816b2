"""Report schedules: managed by supervisors and admins, recipients from the caller's organization,
bad input refused by field, and each period's report mailed exactly once (two concurrent senders,
re-runs) over SMTP with its HTML body and attachments."""

import asyncio
import email
import email.policy
import socket
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from api.config import Settings
from api.models import OutboundEmail, OutboundEmailAttachment, ReportDelivery, ReportSchedule, User
from api.reports import schedule_service
from workers.tasks.mail import send_pending

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday


def _body(**extra):
    return {
        "name": "Weekly to the leads",
        "period": "week",
        "hour": 8,
        "time_zone": "UTC",
        "formats": ["pdf", "csv"],
        "recipient_addresses": ["boss@shop.example"],
        **extra,
    }


async def test_admin_manages_schedules_and_agents_may_not(tenant):
    created = await tenant.admin.post("/v1/reports/schedules", json=_body(recipient_user_ids=[str(tenant.agent_id)]))
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["recipient_user_ids"] == [str(tenant.agent_id)] and row["formats"] == ["pdf", "csv"]
    assert row["next_send_at"] is not None and row["last_delivery"] is None
    sid = row["id"]
    listed = (await tenant.admin.get("/v1/reports/schedules")).json()
    assert [s["id"] for s in listed] == [sid]
    patched = await tenant.admin.patch(
        f"/v1/reports/schedules/{sid}", json={"period": "month", "hour": 7, "language": "zh-CN", "enabled": False}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["period"] == "month" and patched.json()["next_send_at"] is None
    assert (await tenant.admin.get(f"/v1/reports/schedules/{sid}")).json()["language"] == "zh-CN"

    assert (await tenant.agent.get("/v1/reports/schedules")).status_code == 403
    assert (await tenant.agent.post("/v1/reports/schedules", json=_body())).status_code == 403
    assert (await tenant.agent.delete(f"/v1/reports/schedules/{sid}")).status_code == 403

    assert (await tenant.admin.delete(f"/v1/reports/schedules/{sid}")).status_code == 204
    assert (await tenant.admin.get(f"/v1/reports/schedules/{sid}")).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hour": 24}, "body.hour"),
        ({"time_zone": "Mars/Olympus_Mons"}, "body.time_zone"),
        ({"period": "day"}, "body.period"),
        ({"formats": ["doc"]}, "body.formats"),
        ({"language": "fr"}, "body.language"),
        ({"recipient_addresses": ["not an address"]}, "body.recipient_addresses"),
        ({"recipient_addresses": []}, "body.recipient_user_ids"),
        ({"recipient_user_ids": [str(uuid.uuid4())]}, "body.recipient_user_ids"),
        ({"name": ""}, "body.name"),
        ({"surprise": 1}, "body.surprise"),
    ],
)
async def test_bad_schedule_input_is_refused_by_field(tenant, change, field):
    r = await tenant.admin.post("/v1/reports/schedules", json=_body(**change))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()


async def test_patch_refuses_null_and_emptying_the_recipients(tenant):
    sid = (await tenant.admin.post("/v1/reports/schedules", json=_body())).json()["id"]
    r = await tenant.admin.patch(f"/v1/reports/schedules/{sid}", json={"hour": None})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("body.hour")
    r = await tenant.admin.patch(f"/v1/reports/schedules/{sid}", json={"recipient_addresses": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.recipient_user_ids"


async def test_recipients_and_schedules_are_tenant_scoped(tenant, other_tenant):
    # A user of another organization cannot be a recipient (reads as no such user).
    r = await tenant.admin.post("/v1/reports/schedules", json=_body(recipient_user_ids=[str(other_tenant.agent_id)]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.recipient_user_ids"
    sid = (await tenant.admin.post("/v1/reports/schedules", json=_body())).json()["id"]
    assert (await other_tenant.admin.get(f"/v1/reports/schedules/{sid}")).status_code == 404
    assert (await other_tenant.admin.patch(f"/v1/reports/schedules/{sid}", json={"hour": 3})).status_code == 404
    assert (await other_tenant.admin.delete(f"/v1/reports/schedules/{sid}")).status_code == 404
    assert (await other_tenant.admin.get("/v1/reports/schedules")).json() == []
    r = await other_tenant.admin.patch(
        f"/v1/reports/schedules/{sid}", json={"recipient_user_ids": [str(other_tenant.agent_id)]}
    )
    assert r.status_code == 404


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _count(sessionmaker, model, *where) -> int:
    async with sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_each_period_is_mailed_exactly_once_across_concurrent_senders(tenant, sessionmaker, settings):
    body = _body(
        recipient_user_ids=[str(tenant.agent_id), str(tenant.admin_id)],
        # The admin's address again, in other case: one mail per address.
        recipient_addresses=["boss@shop.example", f"ADMIN@{'acme-sellers'}.test"],
        formats=["pdf", "csv", "xlsx"],
    )
    sid = (await tenant.admin.post("/v1/reports/schedules", json=body)).json()["id"]
    async with sessionmaker.begin() as s:  # as if created a month ago
        await s.execute(update(ReportSchedule).values(created_at=MONDAY - timedelta(days=30)))
        # An inactive user is skipped at sending time.
        await s.execute(update(User).where(User.id == tenant.agent_id).values(is_active=False))

    async def run(now: datetime) -> int:
        async with sessionmaker.begin() as s:
            return await schedule_service.send_due(s, now)

    assert await run(MONDAY + timedelta(hours=7)) == 0  # before 08:00
    first, second = await asyncio.gather(run(MONDAY + timedelta(hours=9)), run(MONDAY + timedelta(hours=9)))
    assert sorted([first, second]) == [0, 2]
    assert await run(MONDAY + timedelta(hours=10)) == 0  # a restart, a later tick: nothing again
    assert await _count(sessionmaker, ReportDelivery, ReportDelivery.schedule_id == uuid.UUID(sid)) == 1
    assert await _count(sessionmaker, OutboundEmail, OutboundEmail.organization_id == tenant.org_id) == 2
    assert await _count(sessionmaker, OutboundEmailAttachment) == 6

    listed = (await tenant.admin.get(f"/v1/reports/schedules/{sid}")).json()
    assert listed["last_delivery"]["period_start"] == "2026-11-23" and listed["last_delivery"]["recipients"] == 2

    port = _free_port()
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_settings = Settings(**{**settings.model_dump(), "smtp_host": "127.0.0.1", "smtp_port": port})
        sent = await asyncio.gather(*(_send(sessionmaker, smtp_settings) for _ in range(2)))
        assert sum(sent) == 2
        async with sessionmaker.begin() as s:
            assert await send_pending(s, smtp_settings) == 0
    finally:
        controller.stop()
    assert sorted(rcpt for m in inbox.messages for rcpt in m.rcpt_tos) == [
        "admin@acme-sellers.test",
        "boss@shop.example",
    ]
    msg = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    assert msg["Subject"].startswith("Weekly service report · 2026-11-23")
    parts = {p.get_content_type(): p for p in msg.walk()}
    assert "<h1" in parts["text/html"].get_content() and "Weekly service report" in parts["text/plain"].get_content()
    files = sorted(p.get_filename() for p in msg.walk() if p.get_filename())
    assert files == [f"hourglass-weekly-report-2026-11-23.{x}" for x in ("csv", "pdf", "xlsx")]
    assert parts["application/pdf"].get_payload(decode=True).startswith(b"%PDF")

    # Next week's report is another period: sent once more.
    assert await run(MONDAY + timedelta(days=7, hours=9)) == 2


async def _send(sessionmaker, smtp_settings) -> int:
    async with sessionmaker.begin() as s:
        return await send_pending(s, smtp_settings)


async def test_a_disabled_or_deleted_schedule_sends_nothing(tenant, sessionmaker):
    sid = (await tenant.admin.post("/v1/reports/schedules", json=_body(enabled=False))).json()["id"]
    async with sessionmaker.begin() as s:
        await s.execute(update(ReportSchedule).values(created_at=MONDAY - timedelta(days=30)))
        assert await schedule_service.send_due(s, MONDAY + timedelta(hours=9)) == 0
    assert (await tenant.admin.patch(f"/v1/reports/schedules/{sid}", json={"enabled": True})).status_code == 200
    async with sessionmaker.begin() as s:
        assert await schedule_service.send_due(s, MONDAY + timedelta(hours=9)) == 1
