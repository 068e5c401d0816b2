"""GET /v1/audit: supervisors and admins only, filters, order, cursor, and the 366-day limit; agents
read a conversation's own trail at /v1/conversations/{id}/activity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from api.auth import service as auth_service
from api.models import AuditEntry
from tests.helpers import make_channel, push


async def _entries(sessionmaker, org_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as s:
        for actor_type, actor_id, action, entity_type, entity_id in (
            ("user", "u1", "case.created", "case", "c1"),
            ("user", "u1", "case.transitioned", "case", "c1"),
            ("user", "u2", "template.created", "template", "t1"),
            ("api_key", "k1", "case.created", "case", "c2"),
            ("system", None, "privacy.retention_applied", "organization", None),
            ("user", "u1", "cases_x.other", "case", "c3"),
        ):
            s.add(
                AuditEntry(
                    organization_id=org_id,
                    actor_type=actor_type,
                    actor_id=actor_id,
                    action=action,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    data={},
                )
            )
            await s.flush()


async def _actions(client, **params) -> list[str]:  # type: ignore[no-untyped-def]
    r = await client.get("/v1/audit", params=params)
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["items"]]


async def test_filters(tenant, sessionmaker):
    await _entries(sessionmaker, tenant.org_id)
    assert await _actions(tenant.admin, actor_type="api_key") == ["case.created"]
    assert await _actions(tenant.admin, actor_id="u1") == ["case.created", "case.transitioned", "cases_x.other"]
    # A prefix: `case.` is the case actions, not `cases_x` (the `_` is not a wildcard).
    assert await _actions(tenant.admin, action="case.") == ["case.created", "case.transitioned", "case.created"]
    assert await _actions(tenant.admin, action="case_") == []
    assert await _actions(tenant.admin, target="template") == ["template.created"]
    assert await _actions(tenant.admin, target="case:c1") == ["case.created", "case.transitioned"]
    assert (await _actions(tenant.admin, order="desc"))[0] == "cases_x.other"


async def test_cursor_pages_in_both_orders_without_gaps(tenant, sessionmaker):
    await _entries(sessionmaker, tenant.org_id)
    for order in ("asc", "desc"):
        seen: list[int] = []
        cursor = None
        while True:
            params = {"limit": 2, "order": order, **({"cursor": cursor} if cursor else {})}
            body = (await tenant.admin.get("/v1/audit", params=params)).json()
            seen += [e["id"] for e in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == sorted(seen, reverse=order == "desc") and len(set(seen)) == len(seen) >= 6
    # A cursor of one order is refused by the other.
    first = (await tenant.admin.get("/v1/audit", params={"limit": 1})).json()["next_cursor"]
    r = await tenant.admin.get("/v1/audit", params={"limit": 1, "order": "desc", "cursor": first})
    assert r.status_code == 422


async def test_period_is_at_most_366_days_and_named(tenant):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ok = {"from": start.isoformat(), "to": (start + timedelta(days=366)).isoformat()}
    assert (await tenant.admin.get("/v1/audit", params=ok)).status_code == 200
    r = await tenant.admin.get(
        "/v1/audit", params={"from": start.isoformat(), "to": (start + timedelta(days=367)).isoformat()}
    )
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == "query.to" and "366" in body["errors"][0]["reason"]
    assert body["max_days"] == 366
    r = await tenant.admin.get("/v1/audit", params={"from": "2020-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.from"
    r = await tenant.admin.get("/v1/audit", params={"from": ok["to"], "to": ok["from"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.to"


async def test_agents_get_403_supervisors_and_keys_read(tenant, sessionmaker):
    r = await tenant.agent.get("/v1/audit")
    assert r.status_code == 403, r.text
    async with sessionmaker.begin() as s:
        sup = await auth_service.create_user(
            s, tenant.org_id, email="sup@acme.test", name="Sup", password="sup-password-1", role="supervisor"
        )
        token, _, _ = await auth_service.login(s, sup.email, "sup-password-1", timedelta(hours=1))
    assert (await tenant.api.get("/v1/audit", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert (await tenant.api.get("/v1/audit")).status_code == 200


async def test_a_conversation_activity_is_open_to_agents_and_scoped(tenant, other_tenant):
    channel = await make_channel(tenant.api)
    cid = (await push(tenant.api, channel["id"]))["conversation_id"]
    r = await tenant.agent.patch(f"/v1/conversations/{cid}", json={"status": "resolved"})
    assert r.status_code == 200, r.text
    r = await tenant.agent.get(f"/v1/conversations/{cid}/activity")
    assert r.status_code == 200
    assert r.json()["items"] and all(e["entity_id"] == cid for e in r.json()["items"])
    assert (await other_tenant.admin.get(f"/v1/conversations/{cid}/activity")).status_code == 404


async def test_the_audit_export_follows_the_same_filters(tenant, sessionmaker, settings):
    from tests.export.helpers import csv_rows, download, run_exports

    await _entries(sessionmaker, tenant.org_id)
    r = await tenant.admin.post("/v1/exports", json={"kind": "audit", "audit_filter": {"action": "case."}})
    assert r.status_code == 202, r.text
    await run_exports(sessionmaker, settings)
    rows = csv_rows(await download(tenant.admin, r.json()["id"]))
    assert [row["action"] for row in rows] == ["case.created", "case.transitioned", "case.created"]
