"""Housekeeping: stores, templates, automation rules and SLA policies can be deleted once nothing
uses them. `GET .../{id}/usage` lists what does; DELETE is a 409 problem+json with `used_by` (and a
hint such as disabling instead) while anything does; each delete is audited; another
organization's things are 404 whatever they are."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from api.models import AuditEntry
from tests.helpers import make_channel, push


async def audited(sessionmaker, entity_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = await session.execute(select(AuditEntry.action).where(AuditEntry.entity_id == entity_id))
        return list(rows.scalars())


async def rule(client: Any, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "position": 90, "actions": [{"type": "add_label", "label": "x"}], **fields}
    r = await client.post("/v1/automation/rules", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def template(client: Any, name: str) -> dict[str, Any]:
    r = await client.post(
        "/v1/templates", json={"name": name, "category": "shipping", "language": "en", "body": "Hello, it ships today."}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_store_with_conversations_is_refused_and_suggests_disabling(tenant, other_tenant, sessionmaker):
    store = await make_channel(tenant.admin, name="Old store")
    await push(tenant.api, store["id"])
    usage = (await tenant.admin.get(f"/v1/channels/{store['id']}/usage")).json()
    assert usage["deletable"] is False
    assert usage["used_by"] == [{"kind": "conversations", "id": None, "name": "conversations", "count": 1}]
    r = await tenant.admin.delete(f"/v1/channels/{store['id']}")
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["used_by"] == usage["used_by"] and "Disable" in problem["hint"] and "Disable" in problem["detail"]
    assert (await tenant.admin.get(f"/v1/channels/{store['id']}")).status_code == 200
    # Another organization cannot see or delete it.
    assert (await other_tenant.admin.get(f"/v1/channels/{store['id']}/usage")).status_code == 404
    assert (await other_tenant.admin.delete(f"/v1/channels/{store['id']}")).status_code == 404
    assert (await tenant.agent.delete(f"/v1/channels/{store['id']}")).status_code == 403


async def test_a_store_named_by_a_rule_is_refused_until_the_rule_lets_go(tenant, sessionmaker):
    store = await make_channel(tenant.admin, name="Unused store")
    named = await rule(tenant.admin, "Only this store", conditions={"channel_ids": [store["id"]]})
    r = await tenant.admin.delete(f"/v1/channels/{store['id']}")
    assert r.status_code == 409
    assert r.json()["used_by"] == [
        {"kind": "automation_rule", "id": named["id"], "name": "Only this store", "count": 1}
    ]
    patched = await tenant.admin.patch(f"/v1/automation/rules/{named['id']}", json={"conditions": {"channel_ids": []}})
    assert patched.status_code == 200, patched.text
    assert (await tenant.admin.get(f"/v1/channels/{store['id']}/usage")).json() == {
        "used_by": [],
        "deletable": True,
        "hint": None,
    }
    assert (await tenant.admin.delete(f"/v1/channels/{store['id']}")).status_code == 204
    assert (await tenant.admin.get(f"/v1/channels/{store['id']}")).status_code == 404
    assert "channel.deleted" in await audited(sessionmaker, store["id"])


async def test_a_template_sent_by_a_rule_or_the_followup_is_refused(tenant, other_tenant, sessionmaker):
    tpl = await template(tenant.admin, "Ships today")
    sender = await rule(tenant.admin, "Send it", actions=[{"type": "send_template", "template_id": tpl["id"]}])
    r = await tenant.admin.patch("/v1/cases/settings", json={"followup_template_id": tpl["id"]})
    assert r.status_code == 200, r.text
    used = (await tenant.admin.get(f"/v1/templates/{tpl['id']}/usage")).json()
    assert [u["kind"] for u in used["used_by"]] == ["automation_rule", "case_settings"]
    assert used["used_by"][0]["id"] == sender["id"]
    r = await tenant.admin.delete(f"/v1/templates/{tpl['id']}")
    assert r.status_code == 409 and [u["kind"] for u in r.json()["used_by"]] == ["automation_rule", "case_settings"]
    # Another organization's view: not found, and its own identical setup does not count here.
    assert (await other_tenant.admin.get(f"/v1/templates/{tpl['id']}/usage")).status_code == 404
    assert (await other_tenant.admin.delete(f"/v1/templates/{tpl['id']}")).status_code == 404

    assert (await tenant.admin.delete(f"/v1/automation/rules/{sender['id']}")).status_code == 204
    await tenant.admin.patch("/v1/cases/settings", json={"followup_template_id": None})
    assert (await tenant.admin.delete(f"/v1/templates/{tpl['id']}")).status_code == 204
    assert (await tenant.admin.get(f"/v1/templates/{tpl['id']}")).status_code == 404
    assert "template.deleted" in await audited(sessionmaker, tpl["id"])
    assert "automation_rule.deleted" in await audited(sessionmaker, sender["id"])


async def test_rules_delete_and_stay_isolated(tenant, other_tenant):
    mine = await rule(tenant.admin, "Mine")
    assert (await tenant.admin.get(f"/v1/automation/rules/{mine['id']}/usage")).json()["deletable"] is True
    assert (await other_tenant.admin.delete(f"/v1/automation/rules/{mine['id']}")).status_code == 404
    assert (await tenant.agent.delete(f"/v1/automation/rules/{mine['id']}")).status_code == 403
    assert (await tenant.admin.delete(f"/v1/automation/rules/{mine['id']}")).status_code == 204
    assert (await tenant.admin.delete(f"/v1/automation/rules/{mine['id']}")).status_code == 404
    assert (await tenant.admin.delete(f"/v1/automation/rules/{uuid.uuid4()}")).status_code == 404


async def test_policies_with_running_clocks_or_built_in_are_refused(tenant, other_tenant, sessionmaker):
    store = await make_channel(tenant.admin, name="Clocked store")
    r = await tenant.admin.post(
        "/v1/sla/policies",
        json={
            "name": "Fast lane",
            "position": 0,
            "first_response_seconds": 600,
            "conditions": {"channel_ids": [store["id"]]},
        },
    )
    assert r.status_code == 201, r.text
    policy = r.json()
    await push(tenant.api, store["id"])
    used = (await tenant.admin.get(f"/v1/sla/policies/{policy['id']}/usage")).json()
    assert used["used_by"] == [{"kind": "open_clocks", "id": None, "name": "running clocks", "count": 1}], used
    r = await tenant.admin.delete(f"/v1/sla/policies/{policy['id']}")
    assert r.status_code == 409 and "Deactivate" in r.json()["hint"]
    assert (await other_tenant.admin.delete(f"/v1/sla/policies/{policy['id']}")).status_code == 404

    builtin = next(p for p in (await tenant.admin.get("/v1/sla/policies")).json() if p.get("builtin_key"))
    r = await tenant.admin.delete(f"/v1/sla/policies/{builtin['id']}")
    assert r.status_code == 409 and r.json()["used_by"][0]["kind"] == "builtin"

    spare = (
        await tenant.admin.post(
            "/v1/sla/policies", json={"name": "Spare", "position": 60, "first_response_seconds": 7200}
        )
    ).json()
    assert (await tenant.admin.delete(f"/v1/sla/policies/{spare['id']}")).status_code == 204
    assert spare["id"] not in [p["id"] for p in (await tenant.admin.get("/v1/sla/policies")).json()]
    assert "sla_policy.deleted" in await audited(sessionmaker, spare["id"])


async def test_calendars_in_use_or_default_are_refused_until_let_go(tenant, other_tenant, sessionmaker):
    async def calendar(name: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "time_zone": "Asia/Shanghai", "intervals": {"mon": ["09:00-18:00"]}, **fields}
        r = await tenant.admin.post("/v1/sla/calendars", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    office = await calendar("Shanghai office", is_default=True)
    night = await calendar("Night desk")
    r = await tenant.admin.post(
        "/v1/sla/policies",
        json={"name": "Office hours", "position": 50, "first_response_seconds": 7200, "calendar_id": night["id"]},
    )
    assert r.status_code == 201, r.text
    policy = r.json()
    team = (await tenant.admin.post("/v1/teams", json={"name": "Night team"})).json()
    r = await tenant.admin.patch(f"/v1/teams/{team['id']}", json={"calendar_id": night["id"]})
    assert r.status_code == 200, r.text

    used = (await tenant.admin.get(f"/v1/sla/calendars/{night['id']}/usage")).json()
    assert used["deletable"] is False
    assert used["used_by"] == [
        {"kind": "sla_policy", "id": policy["id"], "name": "Office hours", "count": 1},
        {"kind": "team", "id": team["id"], "name": "Night team", "count": 1},
    ]
    r = await tenant.admin.delete(f"/v1/sla/calendars/{night['id']}")
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["used_by"] == used["used_by"] and "another calendar" in r.json()["hint"]

    # The default calendar is what internal clocks fall back on: it goes only once another is the default.
    r = await tenant.admin.delete(f"/v1/sla/calendars/{office['id']}")
    assert r.status_code == 409 and r.json()["used_by"][0]["kind"] == "default_calendar"

    # Another organization cannot see or delete it; an agent may not.
    assert (await other_tenant.admin.get(f"/v1/sla/calendars/{night['id']}/usage")).status_code == 404
    assert (await other_tenant.admin.delete(f"/v1/sla/calendars/{night['id']}")).status_code == 404
    assert (await tenant.agent.delete(f"/v1/sla/calendars/{night['id']}")).status_code == 403

    # Let go: the policy and the team take other hours, another calendar becomes the default.
    await tenant.admin.patch(f"/v1/sla/policies/{policy['id']}", json={"calendar_id": office["id"]})
    await tenant.admin.patch(f"/v1/teams/{team['id']}", json={"calendar_id": None})
    assert (await tenant.admin.get(f"/v1/sla/calendars/{night['id']}/usage")).json()["deletable"] is True
    assert (await tenant.admin.delete(f"/v1/sla/calendars/{night['id']}")).status_code == 204
    assert (await tenant.admin.delete(f"/v1/sla/calendars/{night['id']}")).status_code == 404
    assert "calendar.deleted" in await audited(sessionmaker, night["id"])

    await tenant.admin.patch(f"/v1/sla/policies/{policy['id']}", json={"calendar_id": None})
    r = await tenant.admin.patch(f"/v1/sla/calendars/{office['id']}", json={"is_default": False})
    assert r.status_code == 200, r.text
    assert (await tenant.admin.delete(f"/v1/sla/calendars/{office['id']}")).status_code == 204
    assert (await tenant.admin.get("/v1/sla/calendars")).json() == []
