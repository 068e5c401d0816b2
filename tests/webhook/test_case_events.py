"""Every case.* event a real flow produces is delivered and validates against its documented schema."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.auth import service as auth_service
from api.case import clocks
from api.models import WebhookDelivery
from api.webhook.payloads import API_VERSION, EVENT_MODELS, WEBHOOK_EVENT_TYPES
from tests.helpers import make_channel, push


async def test_case_events_are_delivered_with_their_documented_payloads(tenant, relay, sessionmaker):
    async with sessionmaker.begin() as s:
        await auth_service.create_user(
            s, tenant.org_id, email="boss@sup.test", name="Boss", password="supervisor-pw-1", role="supervisor"
        )
    case_types = [t for t in WEBHOOK_EVENT_TYPES if t.startswith("case.")]
    assert set(case_types) == {"case.created", "case.updated", "case.closed", "case.escalated", "case.overdue"}
    r = await tenant.admin.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": case_types})
    assert r.status_code == 201
    channel = await make_channel(tenant.api, marketplace="walmart")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    ret = (
        await tenant.agent.post(
            "/v1/cases", json={"conversation_id": conv, "kind": "return", "amount": "12.50", "currency": "USD"}
        )
    ).json()
    claim = (await tenant.api.post("/v1/cases", json={"conversation_id": conv, "kind": "claim"})).json()
    async with sessionmaker.begin() as s:
        assert await clocks.fire_due(s, datetime.now(UTC) + timedelta(hours=7)) == 2  # claim at once, return at 6 h
    for to in ("rejected", "closed"):
        await tenant.agent.post(f"/v1/cases/{ret['id']}/transitions", json={"to": to, "reason": "outside policy"})
    await relay()
    async with sessionmaker() as s:
        deliveries = (await s.execute(select(WebhookDelivery).order_by(WebhookDelivery.event_id))).scalars().all()
    seen: dict[str, list[dict]] = {}
    for d in deliveries:
        event = EVENT_MODELS[d.event_type].model_validate(d.payload)
        assert event.type == d.event_type and d.payload["api_version"] == API_VERSION
        seen.setdefault(d.event_type, []).append(d.payload["data"])
    assert set(seen) == set(case_types)
    assert [e["id"] for e in seen["case.created"]] == [ret["id"], claim["id"]]
    assert [(e["from_state"], e["state"], e["reason"]) for e in seen["case.updated"]] == [
        ("requested", "rejected", "outside policy"),
        ("rejected", "closed", "outside policy"),
    ]
    assert seen["case.closed"][0]["amount"] == "12.50" and seen["case.closed"][0]["followup_state"] == "none"
    assert seen["case.escalated"][0]["case_id"] == claim["id"]
    assert seen["case.overdue"][0]["case_id"] == ret["id"]
