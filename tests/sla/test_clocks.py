"""SLA clocks end to end through the API, with timers fired at controlled instants."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.models import Notification, OutboundEmail, OutboxEvent
from api.sla.timers import fire_due
from tests.helpers import make_channel, push


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


async def _clocks(client, conv_id):
    return {c["kind"]: c for c in (await client.get(f"/v1/conversations/{conv_id}")).json()["clocks"]}


async def _fire(sessionmaker, now):
    async with sessionmaker.begin() as s:
        return await fire_due(s, now)


async def _events(sessionmaker, kind, conv_id):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == kind, OutboxEvent.conversation_id == conv_id)
            .order_by(OutboxEvent.id)
        )
        return list(rows.scalars())


async def test_walmart_deadline_counts_48h_from_marketplace_time(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    sent_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    msg = await push(tenant.api, channel["id"], sent_at=sent_at.isoformat())
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    clock = {c["kind"]: c for c in conv["clocks"]}["marketplace_first_response"]
    assert clock["due_at"] == iso(sent_at + timedelta(hours=48))
    assert clock["state"] == "running" and clock["policy_name"].startswith("Walmart")
    assert "marketplace walmart" in clock["reason"]
    assert conv["sla_deadline"] == iso(sent_at + timedelta(hours=48)) and conv["sla_state"] == "ok"


async def test_auto_ack_leaves_clock_running_and_agent_reply_stops_it_once_delivered(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    msg = await push(tenant.api, channel["id"])
    conv_id = msg["conversation_id"]
    ack = (
        await tenant.api.post(
            f"/v1/conversations/{conv_id}/replies",
            json={"body": "Thanks, we received your message.", "author_kind": "auto"},
        )
    ).json()
    await tenant.api.post(f"/v1/messages/{ack['id']}/delivery", json={"status": "sent"})
    assert (await _clocks(tenant.api, conv_id))["marketplace_first_response"]["state"] == "running"

    reply = (await tenant.agent.post(f"/v1/conversations/{conv_id}/replies", json={"body": "It ships today."})).json()
    assert (await _clocks(tenant.api, conv_id))["marketplace_first_response"]["state"] == "running"  # queued only
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    clock = (await _clocks(tenant.api, conv_id))["marketplace_first_response"]
    assert clock["state"] == "met" and clock["stop_reason"] == "reply"
    conv = (await tenant.api.get(f"/v1/conversations/{conv_id}")).json()
    assert conv["sla_state"] == "none" and conv["sla_deadline"] is None


async def test_tiktok_counts_automation(tenant):
    channel = await make_channel(tenant.api, marketplace="tiktok")
    msg = await push(tenant.api, channel["id"])
    ack = (
        await tenant.api.post(
            f"/v1/conversations/{msg['conversation_id']}/replies",
            json={"body": "FAQ: shipping takes 3-5 days.", "author_kind": "auto"},
        )
    ).json()
    await tenant.api.post(f"/v1/messages/{ack['id']}/delivery", json={"status": "sent"})
    assert (await _clocks(tenant.api, msg["conversation_id"]))["marketplace_first_response"]["state"] == "met"


async def _auto_reply_delivered(client, conv_id):
    ack = (
        await client.post(
            f"/v1/conversations/{conv_id}/replies", json={"body": "We received your message.", "author_kind": "auto"}
        )
    ).json()
    r = await client.post(f"/v1/messages/{ack['id']}/delivery", json={"status": "sent"})
    assert r.status_code == 200, r.text


async def test_the_policys_automation_setting_decides_what_stops_its_clocks(tenant):
    """`automation_counts` on a policy is what the engine reads: turned on for Walmart's policy, a
    delivered auto-reply stops the clocks that start afterwards; a clock already running keeps the
    setting it started with; turned off for TikTok's, an auto-reply no longer counts there."""
    policies = {p["builtin_key"]: p for p in (await tenant.admin.get("/v1/sla/policies")).json()}
    walmart, tiktok = policies["walmart"], policies["tiktok"]
    assert walmart["automation_counts"] is False and tiktok["automation_counts"] is True

    channel = await make_channel(tenant.api, marketplace="walmart")
    before = (await push(tenant.api, channel["id"], external_thread_id="before"))["conversation_id"]
    r = await tenant.admin.patch(f"/v1/sla/policies/{walmart['id']}", json={"automation_counts": True})
    assert r.status_code == 200 and r.json()["automation_counts"] is True, r.text
    after = (await push(tenant.api, channel["id"], external_thread_id="after"))["conversation_id"]

    await _auto_reply_delivered(tenant.api, before)
    assert (await _clocks(tenant.api, before))["marketplace_first_response"]["state"] == "running"
    await _auto_reply_delivered(tenant.api, after)
    clock = (await _clocks(tenant.api, after))["marketplace_first_response"]
    assert clock["state"] == "met" and clock["stop_reason"] == "reply"

    await tenant.admin.patch(f"/v1/sla/policies/{tiktok['id']}", json={"automation_counts": False})
    shop = await make_channel(tenant.api, marketplace="tiktok")
    conv = (await push(tenant.api, shop["id"]))["conversation_id"]
    await _auto_reply_delivered(tenant.api, conv)
    assert (await _clocks(tenant.api, conv))["marketplace_first_response"]["state"] == "running"


async def test_failed_delivery_keeps_clock_running_and_alerts_assignee(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="amazon")
    msg = await push(tenant.api, channel["id"])
    conv_id = msg["conversation_id"]
    await tenant.agent.patch(f"/v1/conversations/{conv_id}", json={"assignee_id": str(tenant.agent_id)})
    reply = (await tenant.agent.post(f"/v1/conversations/{conv_id}/replies", json={"body": "On its way."})).json()
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "failed", "error": "relay bounced"})
    assert (await _clocks(tenant.api, conv_id))["marketplace_first_response"]["state"] == "running"
    notes = (await tenant.agent.get("/v1/notifications")).json()
    assert notes[0]["kind"] == "delivery.failed" and "relay bounced" in notes[0]["body"]


async def test_next_response_clock_starts_at_oldest_unanswered(tenant):
    channel = await make_channel(tenant.api, marketplace="amazon")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    first = await push(tenant.api, channel["id"], external_thread_id="N", sent_at=iso(t0))
    conv_id = first["conversation_id"]
    reply = (await tenant.agent.post(f"/v1/conversations/{conv_id}/replies", json={"body": "Hello!"})).json()
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    t1 = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    await push(tenant.api, channel["id"], external_thread_id="N", sent_at=iso(t1))
    await push(tenant.api, channel["id"], external_thread_id="N", sent_at=iso(t1 + timedelta(minutes=2)))
    clocks = await _clocks(tenant.api, conv_id)
    nxt = clocks["marketplace_next_response"]
    assert nxt["started_at"] == iso(t1) and nxt["due_at"] == iso(t1 + timedelta(hours=24))
    assert clocks["marketplace_first_response"]["state"] == "met"


async def test_no_response_needed_stops_clock_and_leaves_rates(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    # Not a plain thank-you (those are marked at ingest already): an agent's judgement.
    msg = await push(tenant.api, channel["id"], body="Here are the photos you asked for.")
    r = await tenant.agent.post(f"/v1/messages/{msg['id']}/no-response-needed", json={"reason": "answered_elsewhere"})
    assert r.status_code == 200 and r.json()["no_response_needed"] is True
    clock = (await _clocks(tenant.api, msg["conversation_id"]))["marketplace_first_response"]
    assert clock["state"] == "stopped" and clock["stop_reason"] == "no_response_needed"
    rates = (await tenant.admin.get("/v1/metrics/response-rate", params={"window_days": 7})).json()
    assert [(r["answered_in_time"], r["missed"]) for r in rates["marketplaces"]] == [(0, 0)]


async def test_left_alone_walks_the_ladder_and_ends_overdue_once(tenant, sessionmaker, app):
    channel = await make_channel(tenant.api, marketplace="amazon")
    r = await tenant.admin.post(
        "/v1/users", json={"email": "sup@acme.test", "name": "Sup", "password": "long-password-1", "role": "supervisor"}
    )
    sup_id = r.json()["id"]
    t0 = datetime.now(UTC).replace(microsecond=0)
    msg = await push(tenant.api, channel["id"], sent_at=iso(t0))
    conv_id = msg["conversation_id"]
    await tenant.agent.patch(f"/v1/conversations/{conv_id}", json={"assignee_id": str(tenant.agent_id)})

    assert await _fire(sessionmaker, t0 + timedelta(hours=11, minutes=59)) == []
    fired = await _fire(sessionmaker, t0 + timedelta(hours=12))
    assert [f.action for f in fired] == ["email_assignee"]
    async with sessionmaker() as s:
        mails = list((await s.execute(select(OutboundEmail))).scalars())
    assert [m.to_address for m in mails] == ["agent@acme-sellers.test"]

    fired = await _fire(sessionmaker, t0 + timedelta(hours=18))
    assert [f.action for f in fired] == ["notify_assignee_and_team"]
    conv = (await tenant.api.get(f"/v1/conversations/{conv_id}")).json()
    assert conv["sla_state"] == "ok"  # server clock is still at t0; the list flips at 18 h real time

    fired = await _fire(sessionmaker, t0 + timedelta(hours=22))
    assert [f.action for f in fired] == ["escalate_supervisor"]
    conv = (await tenant.api.get(f"/v1/conversations/{conv_id}")).json()
    assert conv["assignee_id"] == sup_id

    fired = await _fire(sessionmaker, t0 + timedelta(hours=24))
    assert [f.action for f in fired] == ["breach"]
    assert await _fire(sessionmaker, t0 + timedelta(hours=48)) == []  # nothing fires twice
    clock = (await _clocks(tenant.api, conv_id))["marketplace_first_response"]
    assert clock["state"] == "breached" and clock["breached_at"] == iso(t0 + timedelta(hours=24))
    overdue = await _events(sessionmaker, "sla.overdue", msg_uuid(conv_id))
    assert len(overdue) == 1 and overdue[0].payload["data"]["due_at"] == (t0 + timedelta(hours=24)).isoformat()
    warnings = await _events(sessionmaker, "sla.warning", msg_uuid(conv_id))
    assert [w.payload["data"]["action"] for w in warnings] == [
        "email_assignee",
        "notify_assignee_and_team",
        "escalate_supervisor",
    ]
    async with sessionmaker() as s:
        kinds = (await s.execute(select(Notification.kind, func.count()).group_by(Notification.kind))).all()
    assert dict(kinds) == {"sla.due_soon": 1, "sla.escalated": 2, "sla.overdue": 1}


def msg_uuid(value):
    import uuid

    return uuid.UUID(value)


async def test_reply_before_tier_cancels_the_rest_of_the_ladder(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="shopee")
    t0 = datetime.now(UTC).replace(microsecond=0)
    msg = await push(tenant.api, channel["id"], sent_at=iso(t0))
    reply = (
        await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Hi!"})
    ).json()
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    assert await _fire(sessionmaker, t0 + timedelta(days=3)) == []
    assert await _events(sessionmaker, "sla.overdue", msg_uuid(msg["conversation_id"])) == []


async def test_policy_edits_do_not_rewrite_ended_clocks(tenant):
    channel = await make_channel(tenant.api, marketplace="amazon")
    msg = await push(tenant.api, channel["id"])
    reply = (
        await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Hello"})
    ).json()
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    before = (await _clocks(tenant.api, msg["conversation_id"]))["marketplace_first_response"]
    amazon = next(p for p in (await tenant.admin.get("/v1/sla/policies")).json() if p["builtin_key"] == "amazon")
    r = await tenant.admin.patch(f"/v1/sla/policies/{amazon['id']}", json={"first_response_seconds": 7200})
    assert r.status_code == 200 and r.json()["version"] == 2
    after = (await _clocks(tenant.api, msg["conversation_id"]))["marketplace_first_response"]
    assert after == before
    msg2 = await push(tenant.api, channel["id"])
    new = (await _clocks(tenant.api, msg2["conversation_id"]))["marketplace_first_response"]
    assert new["target_seconds"] == 7200


async def test_bbb_label_switches_to_one_hour_policy(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    t0 = datetime.now(UTC).replace(microsecond=0)
    msg = await push(tenant.api, channel["id"], sent_at=iso(t0))
    await tenant.agent.patch(
        f"/v1/conversations/{msg['conversation_id']}", json={"labels": ["bbb_complaint"], "category": "complaint"}
    )
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    running = [c for c in conv["clocks"] if c["kind"] == "marketplace_first_response" and c["stopped_at"] is None]
    assert running[0]["due_at"] == iso(t0 + timedelta(hours=1))
    replanned = [c for c in conv["clocks"] if c["stop_reason"] == "replanned"]
    assert len(replanned) == 1 and replanned[0]["state"] == "stopped"


async def test_sla_filters_and_deadline_sort(tenant):
    channel = await make_channel(tenant.api, marketplace="shopee")
    now = datetime.now(UTC).replace(microsecond=0)
    late = await push(tenant.api, channel["id"], sent_at=iso(now - timedelta(hours=13)))  # 12 h clock: overdue
    soon = await push(tenant.api, channel["id"], sent_at=iso(now - timedelta(hours=10)))  # past 75 %: due soon
    fresh = await push(tenant.api, channel["id"], sent_at=iso(now - timedelta(hours=1)))
    ids = lambda r: [c["id"] for c in r.json()["items"]]  # noqa: E731
    assert ids(await tenant.api.get("/v1/conversations", params={"sla_state": "overdue"})) == [late["conversation_id"]]
    assert ids(await tenant.api.get("/v1/conversations", params={"sla_state": "due_soon"})) == [soon["conversation_id"]]
    assert ids(await tenant.api.get("/v1/conversations", params={"sla_state": "ok"})) == [fresh["conversation_id"]]
    r = await tenant.api.get("/v1/conversations", params={"sort": "deadline", "limit": 2})
    assert ids(r) == [late["conversation_id"], soon["conversation_id"]]
    r2 = await tenant.api.get("/v1/conversations", params={"sort": "deadline", "cursor": r.json()["next_cursor"]})
    assert ids(r2) == [fresh["conversation_id"]]


async def test_response_rate_matches_hand_computed_example(tenant):
    """Walmart, 30-day window: 40 answered in time, 1 overdue and unanswered -> 40/41 = 97.56 %; at the
    95 % threshold one more miss still fits (40/42 = 95.2 %), two do not (40/43 = 93.0 %).
    Amazon: 9 in time, 1 missed -> 90 %, no more misses at its 90 % threshold. A message marked
    "no response needed" and a clock still running inside its deadline count nowhere."""
    walmart = await make_channel(tenant.api, marketplace="walmart")
    amazon = await make_channel(tenant.api, marketplace="amazon")
    now = datetime.now(UTC).replace(microsecond=0)

    async def answered(channel, sent_at):
        msg = await push(tenant.api, channel["id"], sent_at=iso(sent_at))
        reply = (
            await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Answer"})
        ).json()
        await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})

    for i in range(40):
        await answered(walmart, now - timedelta(days=1, minutes=i))
    await push(tenant.api, walmart["id"], sent_at=iso(now - timedelta(days=3)))  # overdue, unanswered
    await push(tenant.api, walmart["id"], sent_at=iso(now - timedelta(hours=1)))  # running, not due
    thanks = await push(tenant.api, walmart["id"], sent_at=iso(now - timedelta(days=4)), body="Thanks!")
    await tenant.agent.post(f"/v1/messages/{thanks['id']}/no-response-needed", json={"reason": "thanks_only"})
    for i in range(9):
        await answered(amazon, now - timedelta(hours=2, minutes=i))
    await push(tenant.api, amazon["id"], sent_at=iso(now - timedelta(days=2)))

    r = await tenant.admin.get("/v1/metrics/response-rate", params={"window_days": 30})
    assert r.status_code == 200, r.text
    by = {row["marketplace"]: row for row in r.json()["marketplaces"]}
    w = by["walmart"]
    assert (w["answered_in_time"], w["missed"], w["threshold"], w["misses_absorbable"]) == (40, 1, 0.95, 1)
    assert round(w["rate"], 4) == 0.9756
    a = by["amazon"]
    assert (a["answered_in_time"], a["missed"], a["rate"], a["misses_absorbable"]) == (9, 1, 0.9, 0)
    channels = {row["channel_id"]: row for row in r.json()["channels"]}
    assert channels[walmart["id"]]["answered_in_time"] == 40
    assert (await tenant.admin.get("/v1/metrics/response-rate", params={"window_days": 8})).status_code == 422


async def test_overview_counts(tenant):
    channel = await make_channel(tenant.api, marketplace="shopee")
    now = datetime.now(UTC).replace(microsecond=0)
    await push(tenant.api, channel["id"], sent_at=iso(now - timedelta(hours=13)))
    await push(tenant.api, channel["id"], sent_at=iso(now - timedelta(hours=10)))
    msg = await push(tenant.api, channel["id"], sent_at=iso(now - timedelta(hours=1)))
    reply = (await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Hi"})).json()
    # The marketplace's delivery time is given, so the average is exact rather than "about an hour,
    # give or take how long this test took".
    delivered = {"status": "sent", "delivered_at": iso(now)}
    assert (await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json=delivered)).status_code == 200
    o = (await tenant.admin.get("/v1/metrics/overview")).json()
    assert (o["pending"], o["overdue"], o["about_to_breach"], o["handled_today"]) == (2, 1, 1, 1)
    assert o["average_first_response_seconds"] == 3600


async def test_spam_stops_response_clocks_and_unflagging_restarts_them(tenant):
    channel = await make_channel(tenant.api, marketplace="amazon")
    msg = await push(tenant.api, channel["id"], body="Buy cheap followers!!!")
    await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/spam", json={"reason": "spam"})
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    assert conv["sla_state"] == "none"
    assert [(c["state"], c["stop_reason"]) for c in conv["clocks"]] == [("stopped", "spam")]
    await tenant.agent.delete(f"/v1/conversations/{msg['conversation_id']}/spam")
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    assert conv["sla_state"] == "ok" and sum(c["stopped_at"] is None for c in conv["clocks"]) == 1


async def test_a_new_organization_has_the_built_in_policies_from_its_creation(tenant, sessionmaker):
    """Seeded by create_organization, not on first use: no read materialises rows, so every policy
    a conversation can be given is committed before any ingest runs."""
    from api.models import SlaPolicy
    from api.sla.catalog import BUILTINS

    async with sessionmaker() as s:
        keys = set(
            (await s.execute(select(SlaPolicy.builtin_key).where(SlaPolicy.organization_id == tenant.org_id))).scalars()
        )
    assert keys == {b.key for b in BUILTINS}
