"""The automation pipeline on real data: out-of-hours acknowledgements, keyword rules in English and
Chinese, routing to the supervisors' queue, every guardrail, and audit of each firing/suppression."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from api.models import AutomationRun, Message, User
from tests.helpers import make_channel, push
from workers.tasks.automation import fire_reminders, process_next


def iso(dt):
    return dt.isoformat().replace("+00:00", "Z")


async def drain(sessionmaker):
    while True:
        async with sessionmaker.begin() as s:
            if not await process_next(s):
                return


async def runs(sessionmaker):
    async with sessionmaker() as s:
        return list((await s.execute(select(AutomationRun).order_by(AutomationRun.id))).scalars())


async def _template(client, starter_key):
    return next(t for t in (await client.get("/v1/templates")).json() if t["starter_key"] == starter_key)


async def _always_closed_calendar(admin):
    # Open only on Sundays 00:00-00:01 UTC: practically always "outside business hours" in tests.
    r = await admin.post(
        "/v1/sla/calendars",
        json={"name": "Tiny", "time_zone": "UTC", "is_default": True, "intervals": {"sun": ["00:00-00:01"]}},
    )
    assert r.status_code == 201, r.text


async def test_out_of_hours_walmart_question_gets_ack_that_leaves_clock_running(tenant, sessionmaker):
    await _always_closed_calendar(tenant.admin)
    ack = await _template(tenant.admin, "out_of_hours")
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Out of hours",
            "position": 1,
            "conditions": {"outside_business_hours": True},
            "actions": [{"type": "send_template", "template_id": ack["id"]}],
        },
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="walmart", name="Walmart US")
    msg = await push(
        tenant.api, channel["id"], body="Do you ship to Alaska?", buyer={"external_id": "b1", "name": "Ann"}
    )
    await drain(sessionmaker)

    out = (await tenant.api.get("/v1/messages", params={"direction": "outbound"})).json()["items"]
    assert len(out) == 1 and out[0]["author_kind"] == "auto" and out[0]["template_id"] == ack["id"]
    assert out[0]["body"].startswith("Hi Ann,") and "Walmart US" in out[0]["body"]
    await tenant.api.post(f"/v1/messages/{out[0]['id']}/delivery", json={"status": "sent"})
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    clock = next(c for c in conv["clocks"] if c["kind"] == "marketplace_first_response")
    assert clock["state"] == "running"  # Walmart does not count auto-replies
    # Why the policy applied, as data the SPA words in the reader's language (and in English).
    assert clock["reason_detail"] == {
        "builtin_key": "walmart",
        "name_is_builtin": True,
        "matched": [{"condition": "marketplace", "value": "walmart"}],
    }
    assert clock["reason"] == "policy 'Walmart (48 h, weekends and days off included)' matched marketplace walmart"
    assert (await tenant.admin.get(f"/v1/templates/{ack['id']}")).json()["usage_count"] == 1
    [run] = await runs(sessionmaker)
    assert run.outcome == "fired" and "outside business hours" in run.reason

    # A second message within the cooldown: suppressed, with the reason recorded and audited.
    await push(
        tenant.api,
        channel["id"],
        external_thread_id=conv["external_thread_id"],
        body="Hello?",
        buyer={"external_id": "b1"},
    )
    await drain(sessionmaker)
    second = (await runs(sessionmaker))[-1]
    assert second.outcome == "suppressed" and "cooldown" in second.reason
    logged = (await tenant.admin.get("/v1/automation/runs")).json()
    by_outcome = {r["outcome"]: r for r in logged}
    assert by_outcome["fired"]["reason_detail"] == {
        "matched": [{"code": "outside_business_hours", "params": {}}],
        "blocked": None,
        "actions": [{"code": "sent_template", "params": {"template_id": ack["id"], "language": "en"}}],
    }
    assert by_outcome["fired"]["actions_done"] == [f"sent template {ack['id']} (en)"]
    assert by_outcome["suppressed"]["reason_detail"]["blocked"] == {"code": "cooldown", "params": {"minutes": 1440}}
    audit = (await tenant.admin.get("/v1/audit", params={"entity_type": "conversation"})).json()["items"]
    assert {"automation.fired", "automation.suppressed"} <= {a["action"] for a in audit}


async def test_return_request_is_categorised_prioritised_and_routed_to_supervisors(tenant, sessionmaker):
    sup = (
        await tenant.admin.post(
            "/v1/users",
            json={"email": "wang@acme.test", "name": "Wang", "password": "long-password-1", "role": "supervisor"},
        )
    ).json()
    team = (await tenant.admin.post("/v1/teams", json={"name": "Supervisors", "member_ids": [sup["id"]]})).json()
    r = await tenant.admin.post(
        "/v1/assignment/rules",
        json={
            "name": "Returns and complaints to supervisors",
            "position": 1,
            "conditions": {"categories": ["return_refund", "complaint"]},
            "team_id": team["id"],
        },
    )
    assert r.status_code == 201, r.text
    async with sessionmaker.begin() as s:
        await s.execute(update(User).values(status="online"))
    channel = await make_channel(tenant.api, marketplace="amazon")
    zh = await push(tenant.api, channel["id"], body="你好，我想退货，尺码不合适", order_id="111-0000001-0000001")
    en = await push(tenant.api, channel["id"], body="I want a refund, it doesn't fit", order_id="111-0000001-0000002")
    await drain(sessionmaker)
    for m in (zh, en):
        conv = (await tenant.api.get(f"/v1/conversations/{m['conversation_id']}")).json()
        assert (conv["category"], conv["priority"]) == ("return_refund", "high")
        assert conv["team_id"] == team["id"] and conv["assignee_id"] == sup["id"]
    audit = (await tenant.admin.get("/v1/audit", params={"entity_id": zh["conversation_id"]})).json()["items"]
    routed = next(a for a in audit if a["action"] == "conversation.routed")
    assert "Returns and complaints to supervisors" in routed["data"]["reason"]


async def test_keyword_rule_with_label_priority_and_reminder(tenant, sessionmaker):
    tmpl = await _template(tenant.admin, "return_request")
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": "Returns",
            "position": 1,
            "conditions": {"keywords": ["return", "退货"]},
            "actions": [
                {"type": "send_template", "template_id": tmpl["id"]},
                {"type": "add_label", "label": "return"},
                {"type": "set_priority", "priority": "urgent"},
                {"type": "remind", "after_minutes": 30, "user_id": str(tenant.agent_id), "note": "check photos"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="tiktok")
    m = await push(tenant.api, channel["id"], body="我要退货", order_id="577000000000000001")
    await drain(sessionmaker)
    conv = (await tenant.api.get(f"/v1/conversations/{m['conversation_id']}")).json()
    assert "return" in conv["labels"] and conv["priority"] == "urgent"
    async with sessionmaker.begin() as s:
        assert await fire_reminders(s) == 0  # not yet due
        from api.models import Reminder

        await s.execute(update(Reminder).values(due_at=datetime.now(UTC) - timedelta(seconds=1)))
    async with sessionmaker.begin() as s:
        assert await fire_reminders(s) == 1
    notes = (await tenant.agent.get("/v1/notifications")).json()
    assert notes[0]["kind"] == "reminder" and notes[0]["body"] == "check photos"


async def test_guardrails_system_mail_auto_submitted_and_stale(tenant, sessionmaker):
    tmpl = await _template(tenant.admin, "shipping_time")
    await tenant.admin.post(
        "/v1/automation/rules",
        json={"name": "Any", "position": 1, "actions": [{"type": "send_template", "template_id": tmpl["id"]}]},
    )
    channel = await make_channel(tenant.api, marketplace="ebay")
    await push(tenant.api, channel["id"], author_kind="system", body="eBay: your listing ended")
    await push(tenant.api, channel["id"], body="old question", sent_at=iso(datetime.now(UTC) - timedelta(days=2)))
    await push(tenant.api, channel["id"], body="out-of-office reply")
    async with sessionmaker.begin() as s:  # what the email connector flags from Auto-Submitted headers
        await s.execute(
            update(Message).where(Message.body == "out-of-office reply").values(meta={"auto_submitted": True})
        )
    await push(tenant.api, channel["id"], body="a real question")
    await drain(sessionmaker)
    reasons = [r.reason for r in await runs(sessionmaker) if r.outcome == "suppressed"]
    assert len(reasons) == 3
    assert any("system mail" in r for r in reasons)
    assert any("older than 24 h" in r for r in reasons)
    assert any("RFC 3834" in r for r in reasons)
    outbound = (await tenant.api.get("/v1/messages", params={"direction": "outbound"})).json()["items"]
    assert [m["author_kind"] for m in outbound] == ["auto"]  # only "a real question" was answered


async def test_agent_reply_moments_ago_suppresses(tenant, sessionmaker):
    tmpl = await _template(tenant.admin, "shipping_time")
    await tenant.admin.post(
        "/v1/automation/rules",
        json={"name": "Any", "position": 1, "actions": [{"type": "send_template", "template_id": tmpl["id"]}]},
    )
    channel = await make_channel(tenant.api, marketplace="ebay")
    m = await push(tenant.api, channel["id"], external_thread_id="T")
    async with sessionmaker.begin() as s:
        await s.execute(update(Message).values(processed_at=datetime.now(UTC)))
    await tenant.agent.post(f"/v1/conversations/{m['conversation_id']}/replies", json={"body": "Hi!"})
    await push(tenant.api, channel["id"], external_thread_id="T", body="thanks, one more thing")
    await drain(sessionmaker)
    [run] = await runs(sessionmaker)
    assert run.outcome == "suppressed" and "agent replied" in run.reason


async def test_non_compliant_auto_reply_is_suppressed_and_audited(tenant, sessionmaker):
    bad = (
        await tenant.admin.post(
            "/v1/templates",
            json={"name": "Bad", "category": "pre_sale", "body": "Visit https://my-shop.example for 20% off coupons!"},
        )
    ).json()
    await tenant.admin.post(
        "/v1/automation/rules",
        json={"name": "Promo", "position": 1, "actions": [{"type": "send_template", "template_id": bad["id"]}]},
    )
    channel = await make_channel(tenant.api, marketplace="amazon")
    await push(tenant.api, channel["id"])
    await drain(sessionmaker)
    [run] = await runs(sessionmaker)
    assert run.outcome == "suppressed" and "compliance linter refused" in run.reason
    assert (await tenant.api.get("/v1/messages", params={"direction": "outbound"})).json()["items"] == []


async def test_template_api_preview_and_validation(tenant):
    channel = await make_channel(tenant.api, marketplace="amazon", name="Acme Amazon")
    await tenant.api.put(
        "/v1/orders/111-2223334-4445556",
        json={
            "marketplace": "amazon",
            "status": "shipped",
            "items": [{"title": "Desk lamp", "quantity": 1}],
            "shipments": [{"carrier": "UPS", "tracking_number": "1Z999", "estimated_delivery": "2026-12-01T00:00:00Z"}],
        },
    )
    m = await push(tenant.api, channel["id"], order_id="111-2223334-4445556", buyer={"external_id": "b", "name": "Li"})
    wismo = await _template(tenant.admin, "where_is_my_order")
    r = await tenant.agent.post(f"/v1/templates/{wismo['id']}/preview", json={"conversation_id": m["conversation_id"]})
    assert r.status_code == 200, r.text
    p = r.json()
    assert "order 111-2223334-4445556" in p["text"] and "UPS" in p["text"] and "2026-12-01" in p["text"]
    assert p["blocking"] is False
    r = await tenant.admin.post("/v1/templates", json={"name": "x", "category": "c", "body": "Hi {{ secret_key }}"})
    assert r.status_code == 422 and "Unknown variable" in r.text
    r = await tenant.admin.post("/v1/templates", json={"name": "x", "category": "c", "body": "{{ ''.__class__ }}"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.body"  # refused when saved
    assert "names starting with '_' are internal" in r.json()["errors"][0]["reason"]
    reply = await tenant.agent.post(
        f"/v1/conversations/{m['conversation_id']}/replies", json={"body": p["text"], "template_id": wismo["id"]}
    )
    assert reply.status_code == 201
    assert (await tenant.admin.get(f"/v1/templates/{wismo['id']}")).json()["usage_count"] == 1


async def test_concurrent_arrivals_never_exceed_capacity_or_double_assign(tenant, sessionmaker, settings):
    """Many simultaneous arrivals, processed by four workers at once, into one team of three agents
    with capacity 5 each: exactly 15 get an owner, loads stay balanced, nobody exceeds capacity."""
    ids = []
    for i in range(3):
        u = (
            await tenant.admin.post(
                "/v1/users",
                json={"email": f"a{i}@acme.test", "name": f"A{i}", "password": "long-password-1", "capacity": 5},
            )
        ).json()
        ids.append(u["id"])
    team = (await tenant.admin.post("/v1/teams", json={"name": "Frontline", "member_ids": ids})).json()
    async with sessionmaker.begin() as s:
        await s.execute(update(User).where(User.email.like("a_@acme.test")).values(status="online"))
    r = await tenant.api.post(
        "/v1/channels", json={"marketplace": "walmart", "name": "W", "default_team_id": team["id"]}
    )
    channel = r.json()
    await asyncio.gather(*[push(tenant.api, channel["id"], buyer={"external_id": f"buyer-{i}"}) for i in range(24)])

    from api.db import create_engine, create_sessionmaker

    engines = [create_engine(settings.database_url, settings, pool_size=2) for _ in range(4)]

    async def worker(engine):
        maker = create_sessionmaker(engine)
        while True:
            async with maker.begin() as s:
                if not await process_next(s):
                    return

    await asyncio.gather(*(worker(e) for e in engines))
    for e in engines:
        await e.dispose()
    convs = (await tenant.api.get("/v1/conversations", params={"limit": 100})).json()["items"]
    loads = {i: sum(1 for c in convs if c["assignee_id"] == i) for i in ids}
    assert sorted(loads.values()) == [5, 5, 5]
    assert sum(1 for c in convs if c["assignee_id"] is None) == 9
    assert all(c["team_id"] == team["id"] for c in convs)
