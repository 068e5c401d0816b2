"""Cases through the API: opening from a conversation, the state machine (409s), currency and items
checks, the ERP closing a refunded case, listing with filters and cursors, and the case.* events."""

import uuid

from sqlalchemy import select

from api.models import AuditEntry, OutboxEvent
from tests.helpers import make_channel, push


async def walmart_conversation(tenant, *, order="7001", currency="USD"):
    channel = await make_channel(tenant.api, marketplace="walmart")
    r = await tenant.api.put(
        f"/v1/orders/{order}",
        json={
            "channel_id": channel["id"],
            "currency": currency,
            "total_amount": "59.98",
            "items": [
                {"sku": "MUG-1", "title": "Ceramic mug", "quantity": 2, "unit_price": "29.99"},
                {"sku": "LID-1", "title": "Lid", "quantity": 1},
            ],
        },
    )
    assert r.status_code in (200, 201), r.text
    msg = await push(tenant.api, channel["id"], order_id=order, body="The mug arrived broken, I want to return it")
    return channel, msg["conversation_id"]


async def open_return(client, conversation_id, **extra):
    body = {
        "conversation_id": conversation_id,
        "kind": "return",
        "reason": "arrived broken",
        "items": [{"sku": "MUG-1", "quantity": 1}],
        "amount": "29.99",
        **extra,
    }
    return await client.post("/v1/cases", json=body)


async def test_agent_opens_a_return_and_walks_it_to_closed_with_history(tenant, sessionmaker):
    _, conv = await walmart_conversation(tenant)
    r = await open_return(tenant.agent, conv)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["state"] == "requested" and case["source"] == "agent" and case["marketplace"] == "walmart"
    assert case["currency"] == "USD" and case["amount"] == "29.99"  # currency taken from the order
    assert case["order_id"] == "7001" and case["items"] == [
        {"sku": "MUG-1", "title": "Ceramic mug", "quantity": 1, "item_id": None}
    ]
    assert case["allowed_transitions"] == ["approved", "rejected", "withdrawn"]
    assert case["handling_due_at"] is not None and case["due_at"] == case["handling_due_at"]
    assert [h["to_state"] for h in case["history"]] == ["requested"]
    for to in ("approved", "item_shipped_back", "received", "refunded", "closed"):
        r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": to, "reason": f"step {to}"})
        assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "closed" and done["closed_at"] and done["refunded_amount"] == "29.99"
    assert done["due_at"] is None and done["handled_at"]
    history = done["history"]
    assert [h["to_state"] for h in history] == [
        "requested",
        "approved",
        "item_shipped_back",
        "received",
        "refunded",
        "closed",
    ]
    assert history[1]["from_state"] == "requested" and history[1]["reason"] == "step approved"
    assert history[1]["actor_type"] == "user" and history[1]["actor_id"] == str(tenant.agent_id)
    assert history[1]["actor_name"] == "Agent"
    async with sessionmaker() as s:
        types = [
            e
            for (e,) in await s.execute(
                select(OutboxEvent.event_type).where(OutboxEvent.event_type.like("case.%")).order_by(OutboxEvent.id)
            )
        ]
        audits = (
            (await s.execute(select(AuditEntry.action).where(AuditEntry.entity_type == "case").order_by(AuditEntry.id)))
            .scalars()
            .all()
        )
        closed = (
            (
                await s.execute(
                    select(OutboxEvent.payload).where(OutboxEvent.event_type == "case.updated").order_by(OutboxEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert types == ["case.created"] + ["case.updated"] * 5 + ["case.closed"]
    assert audits == ["case.opened"] + ["case.transitioned"] * 5
    assert closed[0]["data"]["from_state"] == "requested" and closed[0]["data"]["state"] == "approved"
    assert closed[0]["data"]["reason"] == "step approved"


async def test_a_disallowed_transition_is_a_409_naming_both_states(tenant):
    _, conv = await walmart_conversation(tenant)
    case = (await open_return(tenant.agent, conv)).json()
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "refunded"})
    assert r.status_code == 409
    problem = r.json()
    assert problem["current_state"] == "requested" and problem["requested_state"] == "refunded"
    assert problem["allowed"] == ["approved", "rejected", "withdrawn"]
    assert "'requested'" in problem["detail"] and "'refunded'" in problem["detail"]
    assert problem["type"].endswith("case-transition-refused")
    # Nothing changed.
    again = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert again["state"] == "requested" and len(again["history"]) == 1
    r = await tenant.agent.post(f"/v1/cases/{case['id']}/transitions", json={"to": "teleported"})
    assert r.status_code == 422


async def test_currency_amount_and_items_are_checked_against_the_order(tenant):
    _, conv = await walmart_conversation(tenant)
    r = await open_return(tenant.agent, conv, currency="EUR")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.currency"
    assert "USD" in r.json()["errors"][0]["reason"]
    r = await open_return(tenant.agent, conv, amount="-1.00")
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("body.amount")
    r = await open_return(tenant.agent, conv, items=[{"sku": "NOPE", "quantity": 1}])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.items.0"
    r = await open_return(tenant.agent, conv, items=[{"sku": "MUG-1", "quantity": 3}])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.items.0.quantity"
    r = await open_return(tenant.agent, conv, items=[{"sku": "MUG-1", "quantity": 0}])
    assert r.status_code == 422
    case = (await open_return(tenant.agent, conv)).json()
    r = await tenant.api.patch(f"/v1/cases/{case['id']}", json={"currency": "GBP"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.currency"
    r = await tenant.api.patch(f"/v1/cases/{case['id']}", json={"refunded_amount": "-5"})
    assert r.status_code == 422


async def test_a_conversation_without_an_order_needs_a_currency_for_an_amount(tenant):
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    r = await tenant.agent.post("/v1/cases", json={"conversation_id": conv, "kind": "refund", "amount": "10.00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.currency"
    r = await tenant.agent.post(
        "/v1/cases", json={"conversation_id": conv, "kind": "refund", "amount": "10.00", "currency": "USD"}
    )
    assert r.status_code == 201


async def test_the_erp_marks_a_refund_done_and_that_closes_the_case(tenant):
    _, conv = await walmart_conversation(tenant)
    r = await tenant.api.post(
        "/v1/cases",
        json={"conversation_id": conv, "kind": "refund", "amount": "29.99", "marketplace_case_id": "RMA-1"},
    )
    assert r.status_code == 201 and r.json()["source"] == "erp"
    case = r.json()
    # Opening again with the marketplace's id is idempotent.
    again = await tenant.api.post(
        "/v1/cases", json={"conversation_id": conv, "kind": "refund", "marketplace_case_id": "RMA-1"}
    )
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    r = await tenant.api.patch(f"/v1/cases/{case['id']}", json={"state": "approved", "reason": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "approved"
    r = await tenant.api.patch(
        f"/v1/cases/{case['id']}",
        json={"state": "refunded", "close": True, "refunded_amount": "25.00", "reason": "refunded in ERP"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "closed" and body["refunded_amount"] == "25.00"
    assert [h["to_state"] for h in body["history"]][-2:] == ["refunded", "closed"]
    assert body["history"][-1]["actor_type"] == "api_key" and body["history"][-1]["reason"] == "refunded in ERP"
    r = await tenant.api.patch(f"/v1/cases/{case['id']}", json={"state": "approved"})
    assert r.status_code == 409 and r.json()["current_state"] == "closed"


async def test_listing_filters_and_cursor_pagination(tenant):
    _, conv = await walmart_conversation(tenant)
    ebay = await make_channel(tenant.api, marketplace="ebay")
    ebay_conv = (await push(tenant.api, ebay["id"]))["conversation_id"]
    ids = []
    for _ in range(5):
        ids.append((await open_return(tenant.agent, conv)).json()["id"])
    claim = (await tenant.agent.post("/v1/cases", json={"conversation_id": ebay_conv, "kind": "claim"})).json()
    await tenant.agent.post(f"/v1/cases/{ids[0]}/transitions", json={"to": "approved"})
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await tenant.agent.get("/v1/cases", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [claim["id"], *reversed(ids)]
    r = await tenant.agent.get("/v1/cases", params={"kind": "claim"})
    assert [c["id"] for c in r.json()["items"]] == [claim["id"]]
    r = await tenant.agent.get("/v1/cases", params={"marketplace": "walmart", "state": "approved"})
    assert [c["id"] for c in r.json()["items"]] == [ids[0]]
    r = await tenant.agent.get("/v1/cases", params={"min_age_hours": 1})
    assert r.json()["items"] == []
    r = await tenant.agent.get("/v1/cases", params={"conversation_id": ebay_conv})
    assert [c["id"] for c in r.json()["items"]] == [claim["id"]]
    # By deadline: the claim's clock fired at once (target 0); returns are due in 6 h, the approved one has none.
    r = await tenant.agent.get("/v1/cases", params={"sort": "deadline"})
    order = [c["id"] for c in r.json()["items"]]
    assert order[0] == claim["id"] and ids[0] not in order and len(order) == 5
    # A cursor belongs to its filters.
    first = (await tenant.agent.get("/v1/cases", params={"limit": 1})).json()
    r = await tenant.agent.get("/v1/cases", params={"limit": 1, "kind": "return", "cursor": first["next_cursor"]})
    assert r.status_code == 422


async def test_unknown_or_foreign_conversation_and_case(tenant, other_tenant):
    _, conv = await walmart_conversation(tenant)
    r = await other_tenant.agent.post("/v1/cases", json={"conversation_id": conv, "kind": "return"})
    assert r.status_code == 404
    case = (await open_return(tenant.agent, conv)).json()
    for client in (other_tenant.agent, other_tenant.api):
        assert (await client.get(f"/v1/cases/{case['id']}")).status_code == 404
        assert (await client.post(f"/v1/cases/{case['id']}/transitions", json={"to": "approved"})).status_code == 404
        assert (await client.patch(f"/v1/cases/{case['id']}", json={"reason": "x"})).status_code in (404, 422)
        assert (await client.get("/v1/cases")).json()["items"] == []
    r = await tenant.agent.post(
        "/v1/cases", json={"conversation_id": conv, "kind": "return", "linked_conversation_ids": [str(uuid.uuid4())]}
    )
    assert r.status_code == 422


async def test_state_machines_are_published(tenant):
    r = await tenant.agent.get("/v1/cases/states")
    machines = {m["kind"]: m["transitions"] for m in r.json()}
    assert machines["return"]["requested"] == ["approved", "rejected", "withdrawn"]
    assert set(machines) == {"return", "refund", "replacement", "reship", "cancellation", "claim"}
