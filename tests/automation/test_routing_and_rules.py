"""Routing and rule actions through the database and the worker's pipeline: round-robin turns kept on
the team row, the "already assigned" guard, `stop_after_match`, and the `assign` action."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from api.models import AuditEntry, AutomationRun, Team, User
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push


async def _agents(tenant, sessionmaker, n, capacity=10):
    ids = []
    for i in range(n):
        r = await tenant.admin.post(
            "/v1/users",
            json={"email": f"rr{i}@acme.test", "name": f"RR{i}", "password": "long-password-1", "capacity": capacity},
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    async with sessionmaker.begin() as s:
        await s.execute(update(User).where(User.email.like("rr%@acme.test")).values(status="online"))
    return sorted(ids)  # round-robin walks members in id order


async def _team(tenant, member_ids, strategy):
    team = (await tenant.admin.post("/v1/teams", json={"name": f"Team {strategy}", "member_ids": member_ids})).json()
    r = await tenant.admin.patch(f"/v1/teams/{team['id']}", json={"assignment_strategy": strategy})
    assert r.status_code == 200 and r.json()["assignment_strategy"] == strategy, r.text
    return team


async def _channel_into(tenant, team):
    r = await tenant.api.post(
        "/v1/channels", json={"marketplace": "walmart", "name": "W", "default_team_id": team["id"]}
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _assignee(tenant, conversation_id):
    return (await tenant.api.get(f"/v1/conversations/{conversation_id}")).json()["assignee_id"]


async def _routed(sessionmaker, conversation_id):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(AuditEntry).where(
                AuditEntry.action == "conversation.routed", AuditEntry.entity_id == str(conversation_id)
            )
        )
        return list(rows.scalars())


async def test_round_robin_takes_turns_in_order_regardless_of_load(tenant, sessionmaker):
    a, b, c = await _agents(tenant, sessionmaker, 3)
    team = await _team(tenant, [a, b, c], "round_robin")
    channel = await _channel_into(tenant, team)
    # `a` already carries two open conversations: least-loaded would start with b; round-robin starts
    # with the first member and then keeps turns, whatever the loads.
    for i in range(2):
        m = await push(tenant.api, channel["id"], buyer={"external_id": f"old-{i}"})
        await tenant.admin.patch(f"/v1/conversations/{m['conversation_id']}", json={"assignee_id": a})
    await drain(sessionmaker)

    order = []
    for i in range(5):  # one at a time: each turn is read from the team row the previous one wrote
        m = await push(tenant.api, channel["id"], buyer={"external_id": f"buyer-{i}"})
        await drain(sessionmaker)
        order.append(await _assignee(tenant, m["conversation_id"]))
    assert order == [a, b, c, a, b]
    async with sessionmaker() as s:
        assert str((await s.get(Team, uuid.UUID(team["id"]))).last_assigned_user_id) == b


async def test_round_robin_skips_an_agent_who_is_not_online(tenant, sessionmaker):
    a, b, c = await _agents(tenant, sessionmaker, 3)
    team = await _team(tenant, [a, b, c], "round_robin")
    channel = await _channel_into(tenant, team)
    async with sessionmaker.begin() as s:
        await s.execute(update(User).where(User.id == uuid.UUID(b)).values(status="away"))
    order = []
    for i in range(3):
        m = await push(tenant.api, channel["id"], buyer={"external_id": f"buyer-{i}"})
        await drain(sessionmaker)
        order.append(await _assignee(tenant, m["conversation_id"]))
    assert order == [a, c, a]


async def test_least_loaded_is_the_default_and_fills_the_lightest_agent_first(tenant, sessionmaker):
    a, b = await _agents(tenant, sessionmaker, 2)
    team = (await tenant.admin.post("/v1/teams", json={"name": "LB", "member_ids": [a, b]})).json()
    channel = await _channel_into(tenant, team)
    for i in range(2):
        m = await push(tenant.api, channel["id"], buyer={"external_id": f"old-{i}"})
        await tenant.admin.patch(f"/v1/conversations/{m['conversation_id']}", json={"assignee_id": a})
    await drain(sessionmaker)
    order = []
    for i in range(3):
        m = await push(tenant.api, channel["id"], buyer={"external_id": f"buyer-{i}"})
        await drain(sessionmaker)
        order.append(await _assignee(tenant, m["conversation_id"]))
    assert order == [b, b, a]  # loads 0 < 2, 1 < 2, then 2 = 2: a tie goes to the lower id


async def test_an_assigned_conversation_is_never_rerouted(tenant, sessionmaker):
    a, b = await _agents(tenant, sessionmaker, 2)
    team = await _team(tenant, [a, b], "round_robin")
    r = await tenant.admin.post(
        "/v1/assignment/rules", json={"name": "Everything to the team", "position": 1, "team_id": team["id"]}
    )
    assert r.status_code == 201, r.text
    channel = await make_channel(tenant.api, marketplace="shopee")

    # Assigned by a person before the worker saw the message: routing leaves it alone.
    first = await push(tenant.api, channel["id"], external_thread_id="T1", buyer={"external_id": "x"})
    conversation_id = first["conversation_id"]
    await tenant.admin.patch(f"/v1/conversations/{conversation_id}", json={"assignee_id": str(tenant.agent_id)})
    await drain(sessionmaker)
    assert await _assignee(tenant, conversation_id) == str(tenant.agent_id)
    assert await _routed(sessionmaker, conversation_id) == []

    # Routed once; the buyer writing again does not move it to the next agent in turn.
    second = await push(tenant.api, channel["id"], external_thread_id="T2", buyer={"external_id": "y"})
    await drain(sessionmaker)
    owner = await _assignee(tenant, second["conversation_id"])
    assert owner == a
    for _ in range(2):
        await push(tenant.api, channel["id"], external_thread_id="T2", buyer={"external_id": "y"})
        await drain(sessionmaker)
    assert await _assignee(tenant, second["conversation_id"]) == a
    assert len(await _routed(sessionmaker, second["conversation_id"])) == 1
    async with sessionmaker() as s:
        assert str((await s.get(Team, uuid.UUID(team["id"]))).last_assigned_user_id) == a  # no turn was consumed


async def _rule(tenant, name, position, actions, stop_after_match=False, **conditions):
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={
            "name": name,
            "position": position,
            "conditions": conditions,
            "actions": actions,
            "stop_after_match": stop_after_match,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _runs(sessionmaker):
    async with sessionmaker() as s:
        return list((await s.execute(select(AutomationRun).order_by(AutomationRun.id))).scalars())


async def test_stop_after_match_ends_the_rule_walk_when_its_rule_fires(tenant, sessionmaker):
    first = await _rule(
        tenant, "Refunds", 1, [{"type": "add_label", "label": "refund"}], stop_after_match=True, keywords=["refund"]
    )
    await _rule(tenant, "Everything", 2, [{"type": "add_label", "label": "seen"}])
    channel = await make_channel(tenant.api, marketplace="ebay")
    refund = await push(tenant.api, channel["id"], body="I want a refund please")
    other = await push(tenant.api, channel["id"], body="Is this available in blue?")
    await drain(sessionmaker)

    stopped = (await tenant.api.get(f"/v1/conversations/{refund['conversation_id']}")).json()
    assert stopped["labels"] == ["refund"]  # the later rule never ran
    walked_on = (await tenant.api.get(f"/v1/conversations/{other['conversation_id']}")).json()
    assert walked_on["labels"] == ["seen"]  # no match, no stop: the walk goes on
    runs = await _runs(sessionmaker)
    assert [(str(r.message_id), str(r.rule_id), r.outcome) for r in runs if str(r.message_id) == refund["id"]] == [
        (refund["id"], first["id"], "fired")
    ]


async def test_without_stop_after_match_every_matching_rule_fires_in_position_order(tenant, sessionmaker):
    first = await _rule(tenant, "Refunds", 1, [{"type": "add_label", "label": "refund"}], keywords=["refund"])
    second = await _rule(tenant, "Everything", 2, [{"type": "add_label", "label": "seen"}])
    channel = await make_channel(tenant.api, marketplace="ebay")
    refund = await push(tenant.api, channel["id"], body="I want a refund please")
    await drain(sessionmaker)
    conversation = (await tenant.api.get(f"/v1/conversations/{refund['conversation_id']}")).json()
    assert conversation["labels"] == ["refund", "seen"]
    assert [(str(r.rule_id), r.outcome) for r in await _runs(sessionmaker)] == [
        (first["id"], "fired"),
        (second["id"], "fired"),
    ]


async def test_assign_action_to_a_user_and_to_a_team(tenant, sessionmaker):
    a, b = await _agents(tenant, sessionmaker, 2)
    team = await _team(tenant, [a, b], "round_robin")
    await _rule(tenant, "VIP to Agent", 1, [{"type": "assign", "user_id": str(tenant.agent_id)}], keywords=["urgent"])
    await _rule(tenant, "Rest to the team", 2, [{"type": "assign", "team_id": team["id"]}], keywords=["order"])
    channel = await make_channel(tenant.api, marketplace="ebay")
    to_user = await push(tenant.api, channel["id"], body="urgent: the box is empty")
    to_team = [await push(tenant.api, channel["id"], body=f"where is my order {i}?") for i in range(3)]
    untouched = await push(tenant.api, channel["id"], body="hello")
    await drain(sessionmaker)

    assert await _assignee(tenant, to_user["conversation_id"]) == str(tenant.agent_id)
    team_owners = [await _assignee(tenant, m["conversation_id"]) for m in to_team]
    assert team_owners == [a, b, a]  # through the team's own strategy
    for m in to_team:
        assert (await tenant.api.get(f"/v1/conversations/{m['conversation_id']}")).json()["team_id"] == team["id"]
    assert await _assignee(tenant, untouched["conversation_id"]) is None
    runs = await _runs(sessionmaker)
    assert sorted(r.actions_done[0] for r in runs) == ["assigned"] * 4
    events = (await tenant.admin.get("/v1/audit", params={"entity_id": to_user["conversation_id"]})).json()["items"]
    assert any(e["action"] == "automation.fired" for e in events)


async def test_assign_action_ignores_a_user_who_left(tenant, sessionmaker):
    rule = await _rule(tenant, "To Agent", 1, [{"type": "assign", "user_id": str(tenant.agent_id)}])
    async with sessionmaker.begin() as s:
        await s.execute(update(User).where(User.id == tenant.agent_id).values(is_active=False))
    channel = await make_channel(tenant.api, marketplace="ebay")
    m = await push(tenant.api, channel["id"], body="hello")
    await drain(sessionmaker)
    assert await _assignee(tenant, m["conversation_id"]) is None
    assert [(str(r.rule_id), r.outcome) for r in await _runs(sessionmaker)] == [(rule["id"], "fired")]
