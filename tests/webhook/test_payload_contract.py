"""What the producers emit matches the documented payload schema, for every event type a real flow
produces (message in and out, triage, notes, SLA warnings and breaches)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.models import WebhookDelivery
from api.sla.timers import fire_due
from api.webhook.payloads import API_VERSION, EVENT_MODELS, WEBHOOK_EVENT_TYPES
from tests.helpers import make_channel, push


async def test_every_delivered_payload_validates_against_its_schema(tenant, relay, sessionmaker):
    r = await tenant.admin.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": list(WEBHOOK_EVENT_TYPES)}
    )
    assert r.status_code == 201
    channel = await make_channel(tenant.api, marketplace="walmart")
    sent_at = datetime.now(UTC) - timedelta(minutes=1)
    msg = await push(tenant.api, channel["id"], sent_at=sent_at.isoformat(), order_id="PO-1")
    conv = msg["conversation_id"]
    second = await push(tenant.api, channel["id"], external_thread_id=None, body="thanks")
    await tenant.api.post(f"/v1/messages/{second['id']}/no-response-needed", json={"reason": "thanks_only"})
    await tenant.admin.patch(f"/v1/conversations/{conv}", json={"assignee_id": str(tenant.agent_id)})
    await tenant.agent.post(f"/v1/conversations/{conv}/notes", json={"body": "call them"})
    ok = (await tenant.agent.post(f"/v1/conversations/{conv}/replies", json={"body": "On its way."})).json()
    await tenant.api.post(f"/v1/messages/{ok['id']}/delivery", json={"status": "sent"})
    failed = (await tenant.agent.post(f"/v1/conversations/{conv}/replies", json={"body": "Tracking soon."})).json()
    await tenant.api.post(f"/v1/messages/{failed['id']}/delivery", json={"status": "failed", "error": "refused"})
    await push(tenant.api, channel["id"], body="still waiting")
    async with sessionmaker.begin() as s:  # every tier and the breach of the 48 h clock
        await fire_due(s, datetime.now(UTC) + timedelta(hours=49))
    await tenant.admin.patch(f"/v1/conversations/{conv}", json={"status": "resolved"})
    await relay()

    async with sessionmaker() as s:
        deliveries = (await s.execute(select(WebhookDelivery).order_by(WebhookDelivery.event_id))).scalars().all()
    seen = set()
    for d in deliveries:
        model = EVENT_MODELS[d.event_type]
        event = model.model_validate(d.payload)
        assert event.type == d.event_type and event.event_id == d.event_id
        assert d.payload["api_version"] == API_VERSION and d.payload["organization_id"] == str(tenant.org_id)
        seen.add(d.event_type)
    expected = {
        "conversation.created",
        "conversation.updated",
        "conversation.assigned",
        "conversation.resolved",
        "message.received",
        "message.queued",
        "message.sent",
        "message.failed",
        "note.created",
        "sla.updated",
        "sla.warning",
        "sla.overdue",
    }
    assert expected <= seen, expected - seen
