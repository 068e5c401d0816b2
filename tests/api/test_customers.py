"""One customer across marketplaces: automatic merge on an exact identifier, merge and unmerge by
hand (audited), tiers recomputed as orders arrive, the profile and the search."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.models import AuditEntry, Customer
from tests.helpers import make_channel, push


def _days_ago(n: float) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).isoformat()


async def _order(client, order_id: str, marketplace: str, buyer: dict, amount: str = "40.00", days: float = 10):
    r = await client.put(
        f"/v1/orders/{order_id}",
        json={
            "marketplace": marketplace,
            "status": "delivered",
            "currency": "USD",
            "total_amount": amount,
            "placed_at": _days_ago(days),
            "buyer": buyer,
        },
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


async def test_an_email_seen_on_two_marketplaces_makes_one_profile(tenant, sessionmaker):
    ebay = await _order(
        tenant.api, "E-1", "ebay", {"external_id": "emily88", "name": "Emily Chen", "email": "Emily@x.test"}
    )
    shopee = await _order(
        tenant.api,
        "S-1",
        "shopee",
        {"external_id": "339201", "name": "陈艾米", "email": "emily@x.test"},
        amount="30.00",
    )
    assert ebay["customer_id"] != shopee["customer_id"]
    profile = (await tenant.agent.get(f"/v1/customers/{shopee['customer_id']}")).json()
    assert profile["id"] == ebay["customer_id"]  # the older identity is the profile
    assert {i["marketplace"] for i in profile["identities"]} == {"ebay", "shopee"}
    assert profile["marketplaces"] == ["ebay", "shopee"]
    assert {o["order_id"] for o in profile["orders"]} == {"E-1", "S-1"}
    assert profile["lifetime_value"] == [{"currency": "USD", "amount": "70.00"}]
    assert profile["order_count"] == 2
    # Two orders in the window: a repeat buyer, computed, on every identity of the profile.
    assert (profile["tier"], profile["tier_source"]) == ("potential", "computed")
    async with sessionmaker() as s:
        tiers = set((await s.execute(select(Customer.tier).where(Customer.organization_id == tenant.org_id))).scalars())
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "customer.merged"))).scalar_one()
    assert tiers == {"potential"}
    assert audit.actor_type == "system" and audit.data["automatic"] is True and audit.data["identifier"] == "email"
    listed = (await tenant.agent.get("/v1/customers")).json()["items"]
    assert [c["id"] for c in listed] == [ebay["customer_id"]]


async def test_a_buyer_message_joins_the_profile_and_shows_its_conversations(tenant):
    ebay_channel = await make_channel(tenant.api, name="eBay feed")
    order = await _order(tenant.api, "E-2", "api", {"external_id": "amy@x.test", "name": "Amy", "email": "amy@x.test"})
    msg = await push(
        tenant.api, ebay_channel["id"], buyer={"external_id": "amy-buyer", "name": "Amy", "email": "AMY@x.test"}
    )
    conv = (await tenant.agent.get(f"/v1/conversations/{msg['conversation_id']}")).json()
    profile = (await tenant.agent.get(f"/v1/customers/{conv['customer']['id']}")).json()
    assert profile["id"] == order["customer_id"]
    assert [c["id"] for c in profile["conversations"]] == [msg["conversation_id"]]
    assert profile["conversation_count"] == 1 and profile["tier"] == "new"


async def test_merge_and_unmerge_by_hand_are_audited_and_unmerge_sticks(tenant, sessionmaker):
    a = await _order(tenant.api, "A-1", "ebay", {"external_id": "a1", "name": "Ann"}, amount="400.00")
    b = await _order(tenant.api, "B-1", "walmart", {"external_id": "b1", "name": "Ann W"}, amount="200.00", days=40)
    await tenant.agent.patch(f"/v1/customers/{b['customer_id']}", json={"tags": ["wholesale"], "notes": "Calls often"})
    r = await tenant.agent.post(f"/v1/customers/{a['customer_id']}/merge", json={"customer_ids": [b["customer_id"]]})
    assert r.status_code == 200, r.text
    merged = r.json()
    assert len(merged["identities"]) == 2 and merged["tags"] == ["wholesale"] and merged["notes"] == "Calls often"
    assert merged["tier"] == "high_value"  # 600 USD in the window
    r = await tenant.agent.post(f"/v1/customers/{a['customer_id']}/merge", json={"customer_ids": [b["customer_id"]]})
    assert r.status_code == 409

    # The profile itself cannot be unmerged; its identity can, and it stays apart afterwards.
    assert (await tenant.agent.post(f"/v1/customers/{a['customer_id']}/unmerge")).status_code == 409
    apart = (await tenant.agent.post(f"/v1/customers/{b['customer_id']}/unmerge")).json()
    assert apart["id"] == b["customer_id"] and len(apart["identities"]) == 1 and apart["tier"] == "standard"
    left = (await tenant.agent.get(f"/v1/customers/{a['customer_id']}")).json()
    assert left["tier"] == "new" and len(left["identities"]) == 1
    await tenant.agent.patch(f"/v1/customers/{a['customer_id']}", json={"email": "ann@x.test"})
    await tenant.agent.patch(f"/v1/customers/{b['customer_id']}", json={"email": "ann@x.test"})
    assert (await tenant.agent.get(f"/v1/customers/{b['customer_id']}")).json()["id"] == b["customer_id"]
    async with sessionmaker() as s:
        actions = [
            e.action
            for e in (await s.execute(select(AuditEntry).where(AuditEntry.action.like("customer.%merged")))).scalars()
        ]
    assert sorted(actions) == ["customer.merged", "customer.unmerged"]


async def test_manual_tier_sticks_until_tier_auto(tenant):
    a = await _order(tenant.api, "M-1", "ebay", {"external_id": "m1", "name": "Mo"})
    r = await tenant.agent.patch(f"/v1/customers/{a['customer_id']}", json={"tier": "high_value"})
    assert (r.json()["tier"], r.json()["tier_source"]) == ("high_value", "manual")
    await _order(tenant.api, "M-2", "ebay", {"external_id": "m1", "name": "Mo"})
    assert (await tenant.agent.get(f"/v1/customers/{a['customer_id']}")).json()["tier"] == "high_value"
    r = await tenant.agent.patch(f"/v1/customers/{a['customer_id']}", json={"tier_auto": True})
    assert (r.json()["tier"], r.json()["tier_source"]) == ("potential", "computed")


async def test_a_complaint_puts_the_profile_at_risk(tenant):
    channel = await make_channel(tenant.api)
    a = await _order(tenant.api, "C-1", "api", {"external_id": "comp", "name": "Cat"}, amount="900.00")
    await push(tenant.api, channel["id"], buyer={"external_id": "comp"}, body="Terrible service, I complain!")
    profile = (await tenant.agent.get(f"/v1/customers/{a['customer_id']}")).json()
    assert profile["tier"] == "at_risk" and profile["tier_reason"].startswith("complaint on")


async def test_tier_rules_recompute_every_computed_tier(tenant):
    a = await _order(tenant.api, "R-1", "ebay", {"external_id": "r1", "name": "Rae"}, amount="60.00", days=50)
    assert (await tenant.agent.get(f"/v1/customers/{a['customer_id']}")).json()["tier"] == "standard"
    r = await tenant.admin.put("/v1/customers/tier-rules", json={"vip_min_value": "50.00"})
    assert r.status_code == 200 and r.json()["vip_min_value"] == "50.00"
    assert (await tenant.agent.get(f"/v1/customers/{a['customer_id']}")).json()["tier"] == "high_value"
    assert (await tenant.agent.put("/v1/customers/tier-rules", json={})).status_code == 403
    assert (await tenant.admin.put("/v1/customers/tier-rules", json={"window_days": 0})).status_code == 422


async def test_search_finds_a_profile_by_any_identity(tenant):
    a = await _order(tenant.api, "Q-1", "ebay", {"external_id": "quinn_e", "name": "Quinn", "email": "q@x.test"})
    await _order(
        tenant.api,
        "Q-2",
        "shopee",
        {"external_id": "77001", "name": "Q", "email": "q@x.test", "phone": "+1 555 010 2000"},
    )
    for q in ("quinn", "77001", "Q@X.TEST", "+15550102000"):
        items = (await tenant.agent.get("/v1/customers", params={"q": q})).json()["items"]
        assert [c["id"] for c in items] == [a["customer_id"]], q
    assert (await tenant.agent.get("/v1/customers", params={"tier": "at_risk"})).json()["items"] == []


async def test_merging_across_organizations_is_impossible(tenant, other_tenant, sessionmaker):
    mine = await _order(tenant.api, "X-1", "ebay", {"external_id": "x1", "name": "X"})
    theirs = await _order(other_tenant.api, "X-1", "ebay", {"external_id": "x1", "name": "X"})
    r = await tenant.agent.post(
        f"/v1/customers/{mine['customer_id']}/merge", json={"customer_ids": [theirs["customer_id"]]}
    )
    assert r.status_code == 422
    # Same email in two organizations: no automatic merge either.
    await tenant.agent.patch(f"/v1/customers/{mine['customer_id']}", json={"email": "same@x.test"})
    await other_tenant.agent.patch(f"/v1/customers/{theirs['customer_id']}", json={"email": "same@x.test"})
    assert (await other_tenant.agent.get(f"/v1/customers/{theirs['customer_id']}")).json()["id"] == theirs[
        "customer_id"
    ]
    # And the database refuses it whatever the code does: the pointer's key includes the organization.
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as s:
            await s.execute(
                update(Customer)
                .where(Customer.id == uuid.UUID(mine["customer_id"]))
                .values(merged_into_id=uuid.UUID(theirs["customer_id"]))
            )


@pytest.mark.parametrize(
    "body",
    [{"customer_ids": []}, {"customer_ids": ["nope"]}, {"customer_ids": [str(uuid.uuid4())] * 51}],
)
async def test_merge_validation(tenant, body):
    a = await _order(tenant.api, "V-1", "ebay", {"external_id": "v1", "name": "V"})
    assert (await tenant.agent.post(f"/v1/customers/{a['customer_id']}/merge", json=body)).status_code == 422


async def test_phone_and_email_are_checked(tenant):
    a = await _order(tenant.api, "P-1", "ebay", {"external_id": "p1", "name": "P"})
    for body in ({"phone": "call me"}, {"phone": "12"}, {"email": "nope"}):
        r = await tenant.agent.patch(f"/v1/customers/{a['customer_id']}", json=body)
        assert r.status_code == 422, body
