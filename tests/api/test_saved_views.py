"""Saved views: personal, shared with a team, replayable, deletable only by their owner."""

from __future__ import annotations


async def _team(tenant, name, member_ids):
    r = await tenant.admin.post("/v1/teams", json={"name": name, "member_ids": [str(m) for m in member_ids]})
    assert r.status_code == 201, r.text
    return r.json()


async def test_personal_and_team_views(tenant):
    query = {"view": "response_needed", "sort": "deadline", "marketplace": "walmart", "sla_state": "overdue"}
    mine = await tenant.agent.post("/v1/saved-views", json={"name": "My Walmart overdue", "query": query})
    assert mine.status_code == 201, mine.text
    assert {k: v for k, v in mine.json()["query"].items() if v is not None} == query
    assert mine.json()["mine"] is True and mine.json()["team_id"] is None
    # Not visible to anyone else.
    assert (await tenant.admin.get("/v1/saved-views")).json() == []

    team = await _team(tenant, "Care", [tenant.agent_id, tenant.admin_id])
    shared = await tenant.agent.post(
        "/v1/saved-views", json={"name": "Care queue", "query": {"view": "customer_care"}, "team_id": team["id"]}
    )
    assert shared.status_code == 201, shared.text
    seen = (await tenant.admin.get("/v1/saved-views")).json()
    assert [(v["name"], v["mine"]) for v in seen] == [("Care queue", False)]
    assert [v["name"] for v in (await tenant.agent.get("/v1/saved-views")).json()] == [
        "Care queue",
        "My Walmart overdue",
    ]
    # Only the owner deletes; a view you cannot see is a 404.
    assert (await tenant.admin.delete(f"/v1/saved-views/{shared.json()['id']}")).status_code == 403
    assert (await tenant.admin.delete(f"/v1/saved-views/{mine.json()['id']}")).status_code == 404
    assert (await tenant.agent.delete(f"/v1/saved-views/{shared.json()['id']}")).status_code == 204
    assert (await tenant.admin.get("/v1/saved-views")).json() == []


async def test_sharing_needs_membership_and_valid_queries(tenant):
    team = await _team(tenant, "Others", [tenant.admin_id])
    r = await tenant.agent.post("/v1/saved-views", json={"name": "X", "query": {"view": "all"}, "team_id": team["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.team_id"
    r = await tenant.agent.post("/v1/saved-views", json={"name": "X", "query": {"view": "nope"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("body.query.view")
    # API keys have no person to save views for.
    assert (await tenant.api.get("/v1/saved-views")).status_code == 403
