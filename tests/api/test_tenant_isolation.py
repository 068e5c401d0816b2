"""Every route that takes an id answers 404 for another organization's ids (OWASP API1).

The test walks the OpenAPI spec, so a new route with a path parameter fails here until it is
covered: add a sample body below if it needs one.
"""

import re

from tests.helpers import make_channel, push

# Minimal valid bodies, so requests get past validation and reach the tenant-scoped lookup.
BODIES = {
    ("patch", "/v1/channels/{channel_id}"): {"name": "stolen"},
    ("post", "/v1/channels/{channel_id}/messages"): {
        "external_message_id": "x",
        "buyer": {"external_id": "b"},
        "body": "hi",
        "sent_at": "2026-01-01T00:00:00Z",
    },
    ("patch", "/v1/conversations/{conversation_id}"): {"priority": "urgent"},
    ("post", "/v1/conversations/{conversation_id}/notes"): {"body": "n"},
    ("post", "/v1/conversations/{conversation_id}/replies"): {"body": "r"},
    ("post", "/v1/conversations/{conversation_id}/spam"): {"reason": "spam"},
    ("post", "/v1/conversations/{conversation_id}/snooze"): {"until": None},
    ("post", "/v1/messages/{message_id}/delivery"): {"status": "sent"},
    ("post", "/v1/messages/{message_id}/no-response-needed"): {"reason": "thanks_only", "confirm_question": True},
    ("patch", "/v1/customers/{customer_id}"): {"tags": ["x"]},
    ("post", "/v1/customers/{customer_id}/merge"): {"customer_ids": ["00000000-0000-4000-8000-000000000000"]},
    ("patch", "/v1/users/{user_id}"): {"name": "x"},
    ("patch", "/v1/teams/{team_id}"): {"name": "x"},
    ("put", "/v1/orders/{order_id}"): {"status": "cancelled"},
    ("patch", "/v1/sla/policies/{policy_id}"): {"first_response_seconds": 3600},
    ("patch", "/v1/sla/calendars/{calendar_id}"): {"name": "stolen"},
    ("patch", "/v1/templates/{template_id}"): {"name": "stolen"},
    ("post", "/v1/templates/{template_id}/preview"): "PREVIEW",
    ("patch", "/v1/automation/rules/{rule_id}"): {"name": "stolen"},
    ("patch", "/v1/assignment/rules/{rule_id}"): {"name": "stolen"},
    ("post", "/v1/channels/{channel_id}/amazon/orders/{order_id}/messages"): {"message_type": "x", "text": "x"},
    ("patch", "/v1/webhooks/{endpoint_id}"): {"description": "stolen"},
    ("post", "/v1/webhooks/{endpoint_id}/replay"): {"since": "2026-01-01T00:00:00Z"},
    ("patch", "/v1/cases/{case_id}"): {"reason": "stolen", "state": "approved"},
    ("patch", "/v1/macros/{macro_id}"): {"name": "stolen", "actions": {"priority": "low"}},
    ("post", "/v1/cases/{case_id}/transitions"): {"to": "approved"},
    ("patch", "/v1/knowledge/articles/{article_id}"): {"status": "archived"},
    ("put", "/v1/knowledge/articles/{article_id}/variants/{language}"): {"title": "stolen", "body": "stolen"},
    ("patch", "/v1/knowledge/help-sites/{site_id}"): {"enabled": False},
    ("post", "/v1/conversations/{conversation_id}/suggestions/use"): "SUGGESTION_USE",
    ("post", "/v1/conversations/{conversation_id}/translate-draft"): {"text": "您好"},
    ("post", "/v1/templates/{template_id}/translate"): {"target": "zh"},
    ("patch", "/v1/reports/schedules/{schedule_id}"): {"hour": 3},
    ("post", "/v1/knowledge/articles/{article_id}/translate"): {"target": "zh"},
    # force: true, so an open clock cannot answer 409 before the tenant-scoped lookup would.
    ("post", "/v1/customers/{customer_id}/erasure"): {"force": True},
}
# Path parameters that name reference data shared by every tenant, not a tenant's row.
REFERENCE_PARAMS = {"marketplace"}
# Upserts keyed by the caller's own namespace: another org's id creates the caller's own row.
OWN_NAMESPACE = {("put", "/v1/orders/{order_id}")}


async def _victim_ids(victim, sessionmaker):
    channel = await make_channel(victim.api)
    await victim.api.put("/v1/orders/VICTIM-1", json={"status": "shipped"})
    msg = await push(victim.api, channel["id"], order_id="VICTIM-1")
    reply = (await victim.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "x"})).json()
    conv = (await victim.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    key = (await victim.admin.get("/v1/api-keys")).json()[0]
    team = (await victim.admin.post("/v1/teams", json={"name": "T"})).json()
    policy = (await victim.admin.get("/v1/sla/policies")).json()[0]
    calendar = (
        await victim.admin.post(
            "/v1/sla/calendars",
            json={"name": "Office", "time_zone": "Asia/Shanghai", "intervals": {"mon": ["09:00-18:00"]}},
        )
    ).json()
    from api.models import Notification

    async with sessionmaker.begin() as s:
        note = Notification(organization_id=victim.org_id, user_id=victim.agent_id, kind="x", title="t")
        s.add(note)
        await s.flush()
        note_id = str(note.id)
    template = (await victim.admin.get("/v1/templates")).json()[0]
    auto_rule = (
        await victim.admin.post(
            "/v1/automation/rules", json={"name": "r", "position": 1, "actions": [{"type": "add_label", "label": "x"}]}
        )
    ).json()
    assign_rule = (
        await victim.admin.post("/v1/assignment/rules", json={"name": "a", "position": 1, "team_id": team["id"]})
    ).json()
    webhook = (
        await victim.admin.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "event_types": ["sla.overdue"]})
    ).json()
    from api.models import WebhookDelivery

    async with sessionmaker.begin() as s:
        delivery = WebhookDelivery(
            organization_id=victim.org_id, endpoint_id=webhook["id"], event_id=1, event_type="sla.overdue", payload={}
        )
        s.add(delivery)
        await s.flush()
        delivery_id = str(delivery.id)
    case = (
        await victim.agent.post("/v1/cases", json={"conversation_id": msg["conversation_id"], "kind": "return"})
    ).json()
    bulk_job = (
        await victim.agent.post(
            "/v1/conversations/bulk",
            json={"conversation_ids": [msg["conversation_id"]], "action": {"kind": "add_labels", "labels": ["x"]}},
        )
    ).json()
    article = (
        await victim.admin.post(
            "/v1/knowledge/articles",
            json={"status": "published", "variants": [{"language": "en", "title": "t", "body": "b"}]},
        )
    ).json()
    help_site = (
        await victim.admin.post(
            "/v1/knowledge/help-sites", json={"slug": "victim", "title": "V", "channel_id": channel["id"]}
        )
    ).json()
    term = (await victim.admin.post("/v1/translation/glossary", json={"term": "VictimBrand"})).json()
    # A question only the victim asked (top-question keys are derived from the questions' words).
    await push(victim.api, channel["id"], body="Does the VictimBrand kettle descale itself?")
    top = (await victim.agent.get("/v1/knowledge/top-questions")).json()
    rota = (await victim.admin.post("/v1/teams", json={"name": "Rota", "member_ids": [str(victim.agent_id)]})).json()
    shift = (
        await victim.admin.post(
            "/v1/shifts",
            json={
                "team_id": rota["id"],
                "user_id": str(victim.agent_id),
                "time_zone": "Asia/Shanghai",
                "weekday": 0,
                "start_time": "09:00",
                "duration_minutes": 480,
            },
        )
    ).json()
    schedule = (
        await victim.admin.post(
            "/v1/reports/schedules",
            json={
                "name": "Victim weekly",
                "period": "week",
                "time_zone": "UTC",
                "recipient_user_ids": [str(victim.agent_id)],
            },
        )
    ).json()
    export = (await victim.admin.post("/v1/exports", json={"kind": "customers"})).json()
    macro = (
        await victim.admin.post(
            "/v1/macros", json={"name": "Victim macro", "visibility": "org", "actions": {"priority": "urgent"}}
        )
    ).json()
    attachment = (
        await victim.agent.post(
            "/v1/attachments", params={"filename": "victim.png"}, content=b"\x89PNG\r\n\x1a\nvictim"
        )
    ).json()
    return {
        "export_id": export["id"],
        "macro_id": macro["id"],
        "attachment_id": attachment["id"],
        "schedule_id": schedule["id"],
        "cluster_key": next(c["key"] for c in top["clusters"] if "VictimBrand" in c["label"]),
        "shift_id": shift["id"],
        "case_id": case["id"],
        "job_id": bulk_job["id"],
        "article_id": article["id"],
        "language": "zh",
        "site_id": help_site["id"],
        "term_id": term["id"],
        "endpoint_id": webhook["id"],
        "delivery_id": delivery_id,
        "template_id": template["id"],
        "rule_id": auto_rule["id"],
        "assignment_rule_id": assign_rule["id"],
        "policy_id": policy["id"],
        "calendar_id": calendar["id"],
        "notification_id": note_id,
        "channel_id": channel["id"],
        "conversation_id": msg["conversation_id"],
        "message_id": reply["id"],
        "order_id": "VICTIM-1",
        "customer_id": conv["customer"]["id"],
        "api_key_id": key["id"],
        "user_id": str(victim.agent_id),
        "team_id": team["id"],
        "view_id": (
            await victim.agent.post("/v1/saved-views", json={"name": "Mine", "query": {"view": "unread"}})
        ).json()["id"],
        # Push hooks are signed by the marketplace, not tenant-scoped: a channel of another marketplace
        # (the victim's is an ERP channel) or without credentials is a 404 like any unknown channel.
        "marketplace": "ebay",
    }


async def test_every_id_route_hides_other_tenants(app, sessionmaker, tenant, other_tenant):
    ids = await _victim_ids(other_tenant, sessionmaker)
    own_channel = await make_channel(tenant.api)
    own_conversation = (await push(tenant.api, own_channel["id"]))["conversation_id"]
    spec = app.openapi()
    checked = 0
    operations = [(path, method, ops) for path, ops in spec["paths"].items() for method in ops]
    # Upserts into the caller's own namespace run last, so they cannot mask a leak on the reads.
    operations.sort(key=lambda o: (o[1], o[0]) in OWN_NAMESPACE)
    for path, method, ops in operations:
        params = re.findall(r"{(\w+)}", path)
        if not params or set(params) <= REFERENCE_PARAMS:
            continue
        path_ids = {**ids, "rule_id": ids["assignment_rule_id"]} if path.startswith("/v1/assignment") else ids
        url = path.format(**{p: path_ids[p] for p in params})
        for _ in (0,):
            body = BODIES.get((method, path))
            if body == "PREVIEW":  # the caller's own conversation, the victim's template
                body = {"conversation_id": own_conversation}
            if body == "SUGGESTION_USE":  # the victim's conversation and article
                body = {"kind": "article", "id": ids["article_id"], "action": "sent"}
            if method in ("post", "put", "patch") and body is None and ops[method].get("requestBody"):
                raise AssertionError(f"add a sample body for {method.upper()} {path} to BODIES")
            r = await tenant.admin.request(method.upper(), url, json=body)
            if (method, path) in OWN_NAMESPACE:
                assert r.status_code in (200, 201), (method, path, r.status_code, r.text)
            else:
                assert r.status_code == 404, (method, path, r.status_code, r.text)
                assert r.json()["status"] == 404
            checked += 1
    assert checked >= 20

    # And nothing of the victim's changed.
    order = (await other_tenant.api.get("/v1/orders/VICTIM-1")).json()
    assert order["status"] == "shipped"
    conv = (await other_tenant.api.get(f"/v1/conversations/{ids['conversation_id']}")).json()
    assert conv["priority"] == "normal" and conv["spam_reason"] is None and conv["notes"] == []
    case = (await other_tenant.api.get(f"/v1/cases/{ids['case_id']}")).json()
    assert case["state"] == "requested" and len(case["history"]) == 1
    customer = (await other_tenant.api.get(f"/v1/customers/{ids['customer_id']}")).json()
    assert customer["display_name"] != "[erased]" and not customer["external_buyer_id"].startswith("[erased]")


async def test_lists_never_show_other_tenants(tenant, other_tenant):
    channel = await make_channel(other_tenant.api)
    await push(other_tenant.api, channel["id"], body="secret 机密")
    victim_conversation = (await push(other_tenant.api, channel["id"]))["conversation_id"]
    await other_tenant.agent.post("/v1/cases", json={"conversation_id": victim_conversation, "kind": "claim"})
    for path in ("/v1/conversations", "/v1/customers", "/v1/orders", "/v1/messages", "/v1/channels", "/v1/cases"):
        r = await tenant.api.get(path)
        assert r.json()["items"] == [], path
    r = await tenant.api.get("/v1/conversations", params={"q": "机密"})
    assert r.json()["items"] == []
    counts = (await tenant.api.get("/v1/conversations/counts")).json()
    assert counts["all"] == 0
