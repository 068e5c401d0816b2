"""The webhook subscription API: secrets shown once, scopes, validation, rotation, the delivery log,
replays, test sends, and the OpenAPI documentation of the payloads."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from standardwebhooks import Webhook

from api.models import WebhookDelivery, WebhookEndpoint
from tests.helpers import make_channel, push
from tests.webhook.receiver import receiver


async def _create(client, url, types=("sla.overdue", "message.received"), **extra):
    r = await client.post("/v1/webhooks", json={"url": url, "event_types": list(types), **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def test_create_shows_the_secret_once_and_stores_it_encrypted(tenant, sessionmaker):
    created = await _create(tenant.admin, "http://127.0.0.1:9/hook", description="ERP")
    assert created["secret"].startswith("whsec_")
    assert created["is_active"] and created["event_types"] == ["sla.overdue", "message.received"]
    read = (await tenant.admin.get(f"/v1/webhooks/{created['id']}")).json()
    assert "secret" not in read and read["description"] == "ERP"
    listed = (await tenant.api.get("/v1/webhooks")).json()["items"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    async with sessionmaker() as s:
        row = (await s.execute(select(WebhookEndpoint))).scalar_one()
    assert created["secret"].encode() not in row.secret_encrypted


async def test_scopes(tenant):
    assert (await tenant.agent.get("/v1/webhooks")).status_code == 403
    r = await tenant.agent.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "event_types": ["sla.overdue"]})
    assert r.status_code == 403


async def test_validation(tenant):
    for body, field in [
        ({"url": "http://169.254.169.254/", "event_types": ["sla.overdue"]}, "body.url"),
        ({"url": "https://10.0.0.1/", "event_types": ["sla.overdue"]}, "body.url"),
        ({"url": "ftp://127.0.0.1/", "event_types": ["sla.overdue"]}, "body.url"),
        ({"url": "http://127.0.0.1:9/", "event_types": []}, "body.event_types"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["notification"]}, "body.event_types.0"),
        ({"url": "http://127.0.0.1:9/", "event_types": ["sla.overdue"], "secret": "x"}, "body.secret"),
    ]:
        r = await tenant.admin.post("/v1/webhooks", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == field, r.json()


async def test_update_rotate_delete(tenant):
    created = await _create(tenant.admin, "http://127.0.0.1:9/hook")
    url = f"/v1/webhooks/{created['id']}"
    r = await tenant.admin.patch(url, json={"event_types": ["sla.warning"], "url": "http://127.0.0.1:10/x"})
    assert r.status_code == 200 and r.json()["event_types"] == ["sla.warning"]
    assert (await tenant.admin.patch(url, json={"url": "https://192.168.0.1/"})).status_code == 422
    r = await tenant.admin.patch(url, json={"is_active": False})
    assert not r.json()["is_active"] and r.json()["disabled_reason"].startswith("disabled by")
    r = await tenant.admin.patch(url, json={"is_active": True})
    assert r.json()["is_active"] and r.json()["disabled_reason"] is None

    before = datetime.now(UTC)
    rotated = (await tenant.admin.post(f"{url}/rotate-secret")).json()
    after = datetime.now(UTC)
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    # 24 h from the rotation, which happened during the request (order, not a tolerance).
    assert before + timedelta(hours=24) <= expires <= after + timedelta(hours=24)

    assert (await tenant.admin.delete(url)).status_code == 204
    assert (await tenant.admin.get(url)).status_code == 404


async def test_test_send_is_signed_with_both_secrets_during_rotation(tenant):
    async with receiver() as r:
        created = await _create(tenant.admin, r.url)
        rotated = (await tenant.admin.post(f"/v1/webhooks/{created['id']}/rotate-secret")).json()
        result = (await tenant.admin.post(f"/v1/webhooks/{created['id']}/test")).json()
    assert result["succeeded"] and result["status_code"] == 200, result
    received = r.requests[0]
    assert len(received.headers["webhook-signature"].split()) == 2
    for secret in (created["secret"], rotated["secret"]):
        payload = Webhook(secret).verify(received.body, received.headers)
        assert payload["type"] == "webhook.test" and payload["data"]["endpoint_id"] == created["id"]


async def test_delivery_log_and_replays(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=500, body=b"x" * 10_000) as r:
        created = await _create(tenant.admin, r.url, types=["message.received", "conversation.created"])
        channel = await make_channel(tenant.api)
        await push(tenant.api, channel["id"])
        await relay()
        await dispatcher.deliver_due()
        base = f"/v1/webhooks/{created['id']}/deliveries"
        log = (await tenant.admin.get(base)).json()
        assert {d["event_type"] for d in log["items"]} == {"message.received", "conversation.created"}
        assert all(d["status"] == "pending" and d["attempts"] == 1 for d in log["items"])
        assert all(d["last_status_code"] == 500 for d in log["items"])
        one = log["items"][0]
        detail = (await tenant.admin.get(f"{base}/{one['id']}")).json()
        attempt = detail["attempt_log"][0]
        assert attempt["status_code"] == 500
        # Excerpts are bounded.
        assert len(attempt["response_excerpt"].encode()) <= 2048 and attempt["response_excerpt"].startswith("HTTP 500")
        assert f"webhook-id: {one['id']}" in attempt["request_excerpt"]
        assert detail["payload"]["event_id"] == one["event_id"]

        # The receiver is fixed; replaying one delivery sends it now, with the same webhook-id.
        r.status = 200
        replayed = await tenant.admin.post(f"{base}/{one['id']}/replay")
        assert replayed.status_code == 202 and replayed.json()["attempts"] == 0
        await dispatcher.deliver_due()
        assert r.requests[-1].headers["webhook-id"] == one["id"]
        status = (await tenant.admin.get(f"{base}/{one['id']}")).json()["status"]
        assert status == "succeeded"

        # Paginated, filterable.
        page = (await tenant.admin.get(base, params={"limit": 1})).json()
        assert len(page["items"]) == 1 and page["next_cursor"]
        rest = (await tenant.admin.get(base, params={"limit": 1, "cursor": page["next_cursor"]})).json()
        assert rest["items"][0]["id"] != page["items"][0]["id"]
        assert len((await tenant.admin.get(base, params={"status": "succeeded"})).json()["items"]) == 1


async def test_range_replay_requeues_failed_and_creates_missed(tenant, relay, dispatcher, sessionmaker):
    async with receiver(status=410) as r:
        created = await _create(tenant.admin, r.url, types=["message.received"])
        channel = await make_channel(tenant.api)
        since = datetime.now(UTC) - timedelta(minutes=1)
        await push(tenant.api, channel["id"])
        await relay()
        await dispatcher.deliver_due()  # 410: the endpoint is disabled
        endpoint = (await tenant.admin.get(f"/v1/webhooks/{created['id']}")).json()
        assert not endpoint["is_active"] and "410" in endpoint["disabled_reason"]
        await push(tenant.api, channel["id"])  # happens while disabled: no delivery
        await relay()
        replay = f"/v1/webhooks/{created['id']}/replay"
        assert (await tenant.admin.post(replay, json={"since": since.isoformat()})).status_code == 409
        r.status = 200
        await tenant.admin.patch(f"/v1/webhooks/{created['id']}", json={"is_active": True})
        result = await tenant.admin.post(replay, json={"since": since.isoformat()})
        assert result.status_code == 202 and result.json() == {"requeued": 1, "created": 1}
        await dispatcher.deliver_due()
        assert len(r.requests) == 3
        # Nothing failed any more; replaying "failed" again finds nothing to do.
        again = await tenant.admin.post(replay, json={"since": since.isoformat()})
        assert again.json() == {"requeued": 0, "created": 0}
        everything = await tenant.admin.post(replay, json={"since": since.isoformat(), "status": "all"})
        assert everything.json() == {"requeued": 2, "created": 0}
        bad = await tenant.admin.post(replay, json={"since": since.isoformat(), "until": since.isoformat()})
        assert bad.status_code == 422
    async with sessionmaker() as s:
        statuses = set((await s.execute(select(WebhookDelivery.status))).scalars())
    assert statuses == {"pending"}


async def test_other_tenants_cannot_see_or_touch_endpoints(tenant, other_tenant):
    created = await _create(other_tenant.admin, "http://127.0.0.1:9/hook")
    for method, path in [
        ("GET", f"/v1/webhooks/{created['id']}"),
        ("PATCH", f"/v1/webhooks/{created['id']}"),
        ("DELETE", f"/v1/webhooks/{created['id']}"),
        ("POST", f"/v1/webhooks/{created['id']}/rotate-secret"),
        ("POST", f"/v1/webhooks/{created['id']}/test"),
        ("GET", f"/v1/webhooks/{created['id']}/deliveries"),
    ]:
        r = await tenant.admin.request(method, path, json={} if method == "PATCH" else None)
        assert r.status_code == 404, (method, path, r.text)
    assert (await tenant.admin.get("/v1/webhooks")).json()["items"] == []


async def test_event_types_and_openapi_document_the_payloads(tenant, app):
    types = (await tenant.admin.get("/v1/webhooks/event-types")).json()
    by_type = {t["type"]: t for t in types}
    assert "notification" not in by_type and "sla.overdue" in by_type
    schema = by_type["sla.overdue"]["payload_schema"]
    assert set(schema["required"]) >= {"type", "timestamp", "event_id", "organization_id", "data"}
    spec = app.openapi()
    assert "sla.overdue" in spec["webhooks"] and "webhook.test" in spec["webhooks"]
    body = spec["webhooks"]["sla.overdue"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/SlaOverdueEvent")
