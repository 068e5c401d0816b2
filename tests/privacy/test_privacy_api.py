"""Privacy settings, buyer data masking per role on every endpoint that returns buyer contact data,
and the erasure of a buyer on request (effects, 409 while a case or marketplace clock is open, audit,
event, tenant isolation)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select

from api.auth import service as auth_service
from api.models import AuditEntry, Conversation, Customer, Message, OutboxEvent, SlaClock
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push

EMAIL = "jane.doe@example.com"
PHONE = "+15550102000"


async def _supervisor(app, sessionmaker, tenant) -> httpx.AsyncClient:
    async with sessionmaker.begin() as s:
        user = await auth_service.create_user(
            s,
            tenant.org_id,
            email=f"sup-{uuid.uuid4().hex[:6]}@acme.test",
            name="Sup",
            password="sup-password-1",
            role="supervisor",
        )
        token, _, _ = await auth_service.login(s, user.email, "sup-password-1", timedelta(hours=1))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"Authorization": f"Bearer {token}"}
    )


async def _buyer_conversation(tenant, marketplace="email", **overrides):
    channel = await make_channel(tenant.api, marketplace="api" if marketplace == "email" else marketplace)
    buyer = {"external_id": EMAIL, "name": EMAIL, "email": EMAIL}
    msg = await push(tenant.api, channel["id"], buyer=buyer, body="My address is 1 Main St, call me", **overrides)
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    r = await tenant.api.patch(f"/v1/customers/{conv['customer']['id']}", json={"phone": PHONE})
    assert r.status_code == 200, r.text
    return channel, msg, conv


async def _answer(tenant, conversation_id):
    """Reply and confirm delivery: the marketplace reply clock stops."""
    reply = await tenant.agent.post(f"/v1/conversations/{conversation_id}/replies", json={"body": "Hi Jane"})
    assert reply.status_code in (200, 201), reply.text
    r = await tenant.api.post(f"/v1/messages/{reply.json()['id']}/delivery", json={"status": "sent"})
    assert r.status_code == 200, r.text


async def _put(client, **body):
    return await client.put("/v1/privacy/settings", json={"retention_days": None, "masked_roles": [], **body})


async def test_settings_default_to_keep_everything_and_mask_nothing(tenant):
    r = await tenant.agent.get("/v1/privacy/settings")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "retention_days": None,
        "minimum_retention_days": 365,
        "masked_roles": [],
        "rollups_frozen_before": None,
    }


async def test_settings_validation_names_the_minimum_and_the_field(tenant):
    r = await _put(tenant.admin, retention_days=364)
    assert r.status_code == 422
    problem = r.json()
    assert problem["errors"][0]["field"].endswith("retention_days")
    assert "at least 365 days" in problem["errors"][0]["reason"]
    for bad in (0, -1, 36_501):
        assert (await _put(tenant.admin, retention_days=bad)).status_code == 422, bad
    r = await _put(tenant.admin, masked_roles=["admin"])
    assert r.status_code == 422 and "never masked" in r.text
    r = await _put(tenant.admin, masked_roles=["owner"])
    assert r.status_code == 422 and "unknown role" in r.text
    assert (await tenant.admin.put("/v1/privacy/settings", json={"retention_days": "a year"})).status_code == 422
    # Nothing was stored by the refusals.
    assert (await tenant.admin.get("/v1/privacy/settings")).json()["retention_days"] is None


async def test_only_admins_change_the_settings_and_changes_are_audited(tenant, sessionmaker):
    assert (await _put(tenant.agent, retention_days=400)).status_code == 403
    assert (await _put(tenant.api, retention_days=400)).status_code == 403
    r = await _put(tenant.admin, retention_days=365, masked_roles=["supervisor", "agent", "agent"])
    assert r.status_code == 200, r.text
    assert r.json()["retention_days"] == 365 and r.json()["masked_roles"] == ["agent", "supervisor"]
    assert (await tenant.agent.get("/v1/privacy/settings")).json()["retention_days"] == 365
    async with sessionmaker() as s:
        [entry] = (await s.execute(select(AuditEntry).where(AuditEntry.action == "privacy.settings_updated"))).scalars()
    assert entry.organization_id == tenant.org_id
    assert entry.data["retention_days"] == 365
    # Back to keeping everything.
    assert (await _put(tenant.admin)).json()["retention_days"] is None


async def test_masked_roles_see_masked_contact_data_on_every_endpoint(app, tenant, sessionmaker):
    _, msg, conv = await _buyer_conversation(tenant)
    customer_id = conv["customer"]["id"]
    supervisor = await _supervisor(app, sessionmaker, tenant)
    try:
        assert (await _put(tenant.admin, masked_roles=["agent"])).status_code == 200

        async def views(client):
            detail = (await client.get(f"/v1/customers/{customer_id}")).json()
            listed = (await client.get("/v1/customers")).json()["items"][0]
            conversation = (await client.get(f"/v1/conversations/{msg['conversation_id']}")).json()
            listing = (await client.get("/v1/conversations")).json()["items"][0]
            patched = (await client.patch(f"/v1/customers/{customer_id}", json={"tags": ["x"]})).json()
            return {
                "detail": (detail["email"], detail["phone"], detail["display_name"], detail["external_buyer_id"]),
                "identity": (detail["identities"][0]["email"], detail["identities"][0]["phone"]),
                "list": (listed["email"], listed["phone"], listed["display_name"]),
                "conversation_profile": (
                    conversation["customer_profile"]["email"],
                    conversation["customer_profile"]["phone"],
                ),
                "conversation_summary": conversation["customer"]["display_name"],
                "listing_summary": listing["customer"]["display_name"],
                "patched": (patched["email"], patched["phone"]),
                "body": conversation["messages"][0]["body"],
            }

        masked = await views(tenant.agent)
        assert masked["detail"] == ("j***@example.com", "+*********00", "j***@example.com", "j***@example.com")
        assert masked["identity"] == ("j***@example.com", "+*********00")
        assert masked["list"] == ("j***@example.com", "+*********00", "j***@example.com")
        assert masked["conversation_profile"] == ("j***@example.com", "+*********00")
        assert masked["conversation_summary"] == masked["listing_summary"] == "j***@example.com"
        assert masked["patched"] == ("j***@example.com", "+*********00")
        # Message text is not rewritten.
        assert masked["body"] == "My address is 1 Main St, call me"

        for client in (supervisor, tenant.admin, tenant.api):
            clear = await views(client)
            assert clear["detail"] == (EMAIL, PHONE, EMAIL, EMAIL), client
            assert clear["conversation_profile"] == (EMAIL, PHONE)

        # The supervisor masked too; the agent's own PATCH never stored a masked value.
        assert (await _put(tenant.admin, masked_roles=["agent", "supervisor"])).status_code == 200
        assert (await views(supervisor))["detail"][0] == "j***@example.com"
        async with sessionmaker() as s:
            row = await s.get(Customer, uuid.UUID(customer_id))
            assert (row.email, row.phone) == (EMAIL, PHONE)
        # Unmasked again at once.
        assert (await _put(tenant.admin, masked_roles=[])).status_code == 200
        assert (await views(tenant.agent))["detail"][0] == EMAIL
    finally:
        await supervisor.aclose()


async def test_masking_is_per_organization(tenant, other_tenant):
    await _buyer_conversation(tenant)
    await _buyer_conversation(other_tenant)
    assert (await _put(other_tenant.admin, masked_roles=["agent"])).status_code == 200
    assert (await other_tenant.agent.get("/v1/customers")).json()["items"][0]["email"] == "j***@example.com"
    assert (await tenant.agent.get("/v1/customers")).json()["items"][0]["email"] == EMAIL


async def test_erasure_replaces_buyer_data_keeps_counts_audits_and_emits(tenant, sessionmaker):
    _, msg, conv = await _buyer_conversation(tenant)
    await push(
        tenant.api,
        conv["channel_id"],
        external_thread_id=conv["external_thread_id"],
        buyer={"external_id": EMAIL},
        body="second",
    )
    await _answer(tenant, msg["conversation_id"])
    customer_id = conv["customer"]["id"]
    before = (await tenant.admin.get(f"/v1/customers/{customer_id}")).json()

    assert (await tenant.agent.post(f"/v1/customers/{customer_id}/erasure", json={})).status_code == 403
    r = await tenant.admin.post(f"/v1/customers/{customer_id}/erasure", json={})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["conversations"] == 1 and result["messages"] == 2 and result["forced"] is False

    after = (await tenant.admin.get(f"/v1/customers/{customer_id}")).json()
    assert after["display_name"] == "[erased]" and after["email"] is None and after["phone"] is None
    assert after["external_buyer_id"].startswith("[erased]:")
    assert after["conversation_count"] == before["conversation_count"] == 1
    c = (await tenant.admin.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    assert c["message_count"] == 3 and c["subject"] == "[erased]" and c["last_message_preview"] == "[erased]"
    bodies = [(m["author_kind"], m["body"]) for m in c["messages"]]
    assert ("buyer", "[erased]") in bodies and ("human", "Hi Jane") in bodies
    assert all(b == "[erased]" for k, b in bodies if k == "buyer")
    # No longer findable by the buyer's words or address.
    assert (await tenant.admin.get("/v1/conversations", params={"q": "Main"})).json()["items"] == []
    assert (await tenant.admin.get("/v1/customers", params={"q": EMAIL})).json()["items"] == []

    async with sessionmaker() as s:
        rows = (
            await s.execute(select(Message).where(Message.conversation_id == uuid.UUID(msg["conversation_id"])))
        ).scalars()
        for m in rows:
            if m.author_kind == "buyer":
                assert m.meta == {"erased": True} and m.attachments == [] and m.body_html is None
                assert m.sent_at is not None
        [entry] = (await s.execute(select(AuditEntry).where(AuditEntry.action == "customer.erased"))).scalars()
        assert entry.entity_id == customer_id and entry.data["messages"] == 2
        assert EMAIL not in str(entry.data)
        [event] = (await s.execute(select(OutboxEvent).where(OutboxEvent.event_type == "customer.erased"))).scalars()
        assert event.organization_id == tenant.org_id
        assert event.payload["data"]["customer_id"] == customer_id and event.payload["data"]["messages"] == 2
        assert EMAIL not in str(event.payload)

    # A new message from the same address starts a new identity, never merged into the erased one.
    again = await push(tenant.api, conv["channel_id"], buyer={"external_id": EMAIL, "email": EMAIL})
    new_customer = (await tenant.admin.get(f"/v1/conversations/{again['conversation_id']}")).json()["customer"]["id"]
    assert new_customer != customer_id


async def test_erasure_covers_every_identity_of_the_profile(tenant):
    _, _, first = await _buyer_conversation(tenant)
    channel = await make_channel(tenant.api)
    other = await push(tenant.api, channel["id"], buyer={"external_id": "ebay-jane", "name": "Jane D"})
    other_customer = (await tenant.api.get(f"/v1/conversations/{other['conversation_id']}")).json()["customer"]["id"]
    r = await tenant.admin.post(
        f"/v1/customers/{first['customer']['id']}/merge", json={"customer_ids": [other_customer]}
    )
    assert r.status_code == 200, r.text
    # Naming the merged identity erases the whole profile.
    r = await tenant.admin.post(f"/v1/customers/{other_customer}/erasure", json={"force": True})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["identity_ids"]) == sorted([first["customer"]["id"], other_customer])
    assert r.json()["conversations"] == 2
    detail = (await tenant.admin.get(f"/v1/customers/{other_customer}")).json()
    assert {i["display_name"] for i in detail["identities"]} == {"[erased]"}


async def test_erasure_refused_while_a_case_or_marketplace_clock_is_open_unless_forced(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="ebay")
    msg = await push(
        tenant.api, channel["id"], buyer={"external_id": "eb-buyer", "name": "Jane"}, external_thread_id="eb-1"
    )
    await drain(sessionmaker)
    conv = (await tenant.api.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    async with sessionmaker() as s:
        running = (
            (
                await s.execute(
                    select(SlaClock).where(
                        SlaClock.conversation_id == uuid.UUID(msg["conversation_id"]),
                        SlaClock.state == "running",
                        SlaClock.kind.like("marketplace%"),
                    )
                )
            )
            .scalars()
            .all()
        )
    assert running, "an eBay buyer message starts the marketplace reply clock"
    customer_id = conv["customer"]["id"]

    r = await tenant.admin.post(f"/v1/customers/{customer_id}/erasure", json={"force": False})
    assert r.status_code == 409, r.text
    assert "running marketplace reply clock" in r.json()["detail"]
    async with sessionmaker() as s:
        assert (await s.get(Customer, uuid.UUID(customer_id))).display_name == "Jane"

    # An open case blocks too, even once the clock is answered.
    case = await tenant.agent.post("/v1/cases", json={"conversation_id": msg["conversation_id"], "kind": "return"})
    assert case.status_code == 201, case.text
    r = await tenant.admin.post(f"/v1/customers/{customer_id}/erasure")
    assert r.status_code == 409 and "1 open case" in r.json()["detail"]

    r = await tenant.admin.post(f"/v1/customers/{customer_id}/erasure", json={"force": True})
    assert r.status_code == 200, r.text
    assert r.json()["forced"] is True
    async with sessionmaker() as s:
        [entry] = (await s.execute(select(AuditEntry).where(AuditEntry.action == "customer.erased"))).scalars()
        assert entry.data["forced"] is True and entry.data["open_cases"] == 1
        conv_row = await s.get(Conversation, uuid.UUID(msg["conversation_id"]))
        assert conv_row.subject == "[erased]"


async def test_erasure_of_another_organizations_customer_is_404(tenant, other_tenant):
    _, _, conv = await _buyer_conversation(other_tenant)
    r = await tenant.admin.post(f"/v1/customers/{conv['customer']['id']}/erasure", json={"force": True})
    assert r.status_code == 404
    still = (await other_tenant.admin.get(f"/v1/customers/{conv['customer']['id']}")).json()
    assert still["email"] == EMAIL
