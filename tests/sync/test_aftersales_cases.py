"""Marketplace returns and inquiries polled into cases, end to end through the stand-ins: eBay's
Post-Order returns and item-not-received inquiries, Walmart's returns. A new record becomes one case
with the marketplace's id and deadline on the case's clock, its conversation waits in Response
Needed and is routed; a re-poll changes nothing; the marketplace's later statuses move the case; and
what an agent does here (approve, refund) goes back to the marketplace."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from api.channel.connectors.base import Permanent
from api.channel.connectors.ebay import EbayConnector
from api.models import AuditEntry, Channel
from api.sync import aftersales as sync_aftersales
from sandbox import aftersales
from tests.automation.test_pipeline import drain
from tests.sync.conftest import connect
from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime


async def refresh(rt: SyncRuntime, channel: dict[str, Any]) -> dict[str, int]:
    async with rt.sessionmaker() as s:
        row = (await s.execute(select(Channel).where(Channel.id == uuid.UUID(channel["id"])))).scalar_one()
    connector = rt.connector(row)
    try:
        return await sync_aftersales.refresh(rt, row, connector, force=True)
    finally:
        await connector.aclose()


async def route_returns_to_agent(tenant) -> None:
    r = await tenant.admin.post(
        "/v1/assignment/rules",
        json={
            "name": "After-sales to Agent",
            "position": 1,
            "conditions": {"categories": ["return_refund"]},
            "user_id": str(tenant.agent_id),
        },
    )
    assert r.status_code == 201, r.text


def close_to(a: str, b: datetime) -> bool:
    return abs((datetime.fromisoformat(a) - b).total_seconds()) < 2


async def test_an_ebay_return_becomes_a_case_once_with_its_deadline_and_follows_both_ways(tenant, sb, rt, sessionmaker):
    await route_returns_to_agent(tenant)
    channel = await connect(tenant.api, sb, "ebay")
    record = aftersales.create(sb.state, sb.store("ebay"), "return", respond_within_hours=30)

    assert (await refresh(rt, channel))["new"] == 1
    await drain(sessionmaker)
    again = await refresh(rt, channel)  # a re-poll: nothing new, nothing moved
    await drain(sessionmaker)
    assert again["new"] == 0 and again["transitions"] == 0 and again["actions"] == 0

    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    assert case["kind"] == "return" and case["source"] == "marketplace" and case["marketplace"] == "ebay"
    assert case["marketplace_case_id"] == record.id and case["state"] == "requested"
    assert close_to(case["marketplace_deadline"], record.respond_by)
    assert datetime.fromisoformat(case["due_at"]) <= datetime.fromisoformat(case["marketplace_deadline"])
    assert case["amount"] is not None and case["currency"] == record.currency
    conv = (await tenant.agent.get(f"/v1/conversations/{case['conversation_id']}")).json()
    assert conv["waiting_since"] is not None and conv["assignee_id"] == str(tenant.agent_id)
    waiting = (await tenant.agent.get("/v1/conversations", params={"view": "response_needed"})).json()["items"]
    assert [c["id"] for c in waiting] == [case["conversation_id"]]

    # eBay moves the seller's deadline: the case's clock follows.
    later = record.respond_by + timedelta(hours=24)
    aftersales.update(sb.state, record, status=None, respond_by=later)
    await refresh(rt, channel)
    case = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert close_to(case["marketplace_deadline"], later)

    # The agent approves here: the next poll approves on eBay.
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "approved", "reason": "ok"})
    assert r.status_code == 200, r.text
    done = await refresh(rt, channel)
    assert done["actions"] == 1 and record.status == "WAITING_FOR_RETURN_LABEL"
    assert [a["action"] for a in record.actions] == ["APPROVE"]
    assert (await refresh(rt, channel))["actions"] == 0  # eBay has it: nothing sent twice

    # The buyer ships the item back and eBay sees it delivered: the case follows.
    aftersales.update(sb.state, record, status="ITEM_DELIVERED", respond_by=None)
    assert (await refresh(rt, channel))["transitions"] == 2
    case = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert case["state"] == "received"
    assert [h["actor_type"] for h in case["history"]][-2:] == ["marketplace", "marketplace"]

    # Refunded here: the refund goes to eBay, which closes the return, and the case closes.
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "refunded"})
    assert r.status_code == 200, r.text
    assert (await refresh(rt, channel))["actions"] == 1
    assert record.status == "CLOSED" and record.refunded == float(case["amount"])
    await refresh(rt, channel)
    case = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert case["state"] == "closed"
    async with sessionmaker() as s:
        stmt = select(AuditEntry).where(AuditEntry.action == "case.marketplace_action").order_by(AuditEntry.id)
        logged = (await s.execute(stmt)).scalars()
        assert [(a.data["action"], a.data["ok"]) for a in logged] == [("approve", True), ("refund", True)]


async def test_an_ebay_inquiry_is_a_claim_refunded_through_ebay(tenant, sb, rt, sessionmaker):
    channel = await connect(tenant.api, sb, "ebay")
    record = aftersales.create(sb.state, sb.store("ebay"), "inquiry")
    await refresh(rt, channel)
    await drain(sessionmaker)
    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    assert case["kind"] == "claim" and case["marketplace_case_id"] == record.id
    assert close_to(case["marketplace_deadline"], record.respond_by)
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "refunded"})
    assert r.status_code == 200, r.text
    assert (await refresh(rt, channel))["actions"] == 1
    assert record.status == "CLOSED" and [a["action"] for a in record.actions] == ["ISSUE_REFUND"]
    await refresh(rt, channel)
    assert (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()["state"] == "closed"


async def test_an_ebay_return_closed_without_refund_withdraws_the_case(tenant, sb, rt, sessionmaker):
    channel = await connect(tenant.api, sb, "ebay")
    record = aftersales.create(sb.state, sb.store("ebay"), "return")
    await refresh(rt, channel)
    await drain(sessionmaker)
    aftersales.update(sb.state, record, status="CLOSED", respond_by=None)
    await refresh(rt, channel)
    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    detail = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert [h["to_state"] for h in detail["history"]] == ["requested", "withdrawn", "closed"]
    assert record.actions == []


async def test_a_walmart_return_becomes_a_case_and_a_refund_here_is_a_walmart_refund(tenant, sb, rt, sessionmaker):
    await route_returns_to_agent(tenant)
    channel = await connect(tenant.api, sb, "walmart")
    record = aftersales.create(sb.state, sb.store("walmart"), "return")
    assert (await refresh(rt, channel))["new"] == 1
    await drain(sessionmaker)
    assert (await refresh(rt, channel))["new"] == 0
    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    assert case["marketplace"] == "walmart" and case["marketplace_case_id"] == record.id
    assert close_to(case["marketplace_deadline"], record.return_by)
    assert case["order_id"] == record.order_id
    assert [i.get("sku") for i in case["items"]] == [record.sku]
    conv = (await tenant.agent.get(f"/v1/conversations/{case['conversation_id']}")).json()
    assert conv["assignee_id"] == str(tenant.agent_id) and conv["waiting_since"] is not None

    r = await tenant.agent.patch(f"/v1/cases/{case['id']}", json={"state": "approved"})
    assert r.status_code == 200, r.text
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "refunded"})
    assert r.status_code == 200, r.text
    assert (await refresh(rt, channel))["actions"] == 1
    assert record.status == "COMPLETED" and record.actions[0]["lines"][0]["quantity"]["measurementValue"] == 1
    await refresh(rt, channel)
    assert (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()["state"] == "closed"


async def test_a_walmart_refund_done_elsewhere_closes_the_case_here(tenant, sb, rt, sessionmaker):
    channel = await connect(tenant.api, sb, "walmart")
    record = aftersales.create(sb.state, sb.store("walmart"), "return")
    await refresh(rt, channel)
    await drain(sessionmaker)
    aftersales.update(sb.state, record, status="COMPLETED", respond_by=None)
    record.refunded = record.amount
    await refresh(rt, channel)
    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    detail = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert [h["to_state"] for h in detail["history"]] == ["requested", "approved", "refunded", "closed"]
    assert record.actions == []  # nothing sent back: Walmart did it


async def test_a_refused_action_is_retried_a_bounded_number_of_times(tenant, sb, rt, sessionmaker, monkeypatch):
    channel = await connect(tenant.api, sb, "ebay")
    record = aftersales.create(sb.state, sb.store("ebay"), "return")
    await refresh(rt, channel)
    await drain(sessionmaker)
    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "rejected", "reason": "used"})
    calls = []

    async def refuse(self, record, action, amount):  # type: ignore[no-untyped-def]
        calls.append(action)
        raise Permanent("the return cannot be declined", status=400, code="1204")

    monkeypatch.setattr(EbayConnector, "after_sales_action", refuse)
    counts = [(await refresh(rt, channel))["failed"] for _ in range(sync_aftersales.MAX_ATTEMPTS + 2)]
    assert counts == [1] * sync_aftersales.MAX_ATTEMPTS + [0, 0]
    assert calls == ["decline"] * sync_aftersales.MAX_ATTEMPTS
    assert record.status == "RETURN_REQUESTED"


async def test_other_organizations_never_see_a_marketplace_case(tenant, other_tenant, sb, rt, sessionmaker):
    channel = await connect(tenant.api, sb, "ebay")
    aftersales.create(sb.state, sb.store("ebay"), "return")
    await refresh(rt, channel)
    await drain(sessionmaker)
    [case] = (await tenant.agent.get("/v1/cases")).json()["items"]
    assert (await other_tenant.agent.get("/v1/cases")).json()["items"] == []
    assert (await other_tenant.agent.get(f"/v1/cases/{case['id']}")).status_code == 404
