"""Another organization's ids inside request bodies and query filters are refused or match nothing
(OWASP API1, the half the path walk in test_tenant_isolation.py cannot see).

The walk reads every id field (`format: uuid`) of every request body from the OpenAPI spec, so a new
field fails here until it has a sample below. For each field it first sends the body with the
caller's own ids (which must succeed: the sample is valid), then the same body with only that field
set to the other organization's id, which must be a 4xx. Afterwards no row of the caller's
organization mentions any of the other organization's ids, and none of the other organization's rows
changed.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from sqlalchemy import text

from api.auth.usage import stamps as usage_stamps
from api.models import Base
from tests.api.test_tenant_isolation import _victim_ids
from tests.helpers import make_channel, push

# Bodies with placeholders for ids: {team}, {user}, {template}, {channel}, {conversation}, {calendar}.
# Each placeholder is one id field under test; a route can need several samples (fields that exclude
# each other, or actions of different types).
SAMPLES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("post", "/v1/assignment/rules"): [
        {"name": "to team", "position": 1, "team_id": "{team}"},
        {"name": "to user", "position": 2, "user_id": "{user}"},
    ],
    ("patch", "/v1/assignment/rules/{rule_id}"): [{"team_id": "{team}"}, {"team_id": None, "user_id": "{user}"}],
    ("post", "/v1/automation/rules"): [
        {"name": "a", "position": 1, "actions": [{"type": "assign", "team_id": "{team}"}]},
        {"name": "b", "position": 2, "actions": [{"type": "assign", "user_id": "{user}"}]},
        {"name": "c", "position": 3, "actions": [{"type": "send_template", "template_id": "{template}"}]},
        {"name": "d", "position": 4, "actions": [{"type": "remind", "user_id": "{user}"}]},
        {
            "name": "e",
            "position": 5,
            "conditions": {"channel_ids": ["{channel}"]},
            "actions": [{"type": "add_label", "label": "x"}],
        },
    ],
    ("patch", "/v1/automation/rules/{rule_id}"): [
        {"actions": [{"type": "assign", "team_id": "{team}"}]},
        {"actions": [{"type": "assign", "user_id": "{user}"}]},
        {"actions": [{"type": "send_template", "template_id": "{template}"}]},
        {"actions": [{"type": "remind", "user_id": "{user}"}]},
        {"conditions": {"channel_ids": ["{channel}"]}},
    ],
    ("post", "/v1/channels"): [{"marketplace": "api", "name": "ERP {n}", "default_team_id": "{team}"}],
    ("patch", "/v1/channels/{channel_id}"): [{"default_team_id": "{team}"}],
    ("post", "/v1/compliance/check"): [{"text": "Thanks for your order.", "conversation_id": "{conversation}"}],
    ("patch", "/v1/conversations/{conversation_id}"): [{"assignee_id": "{user}"}, {"team_id": "{team}"}],
    ("post", "/v1/conversations/{conversation_id}/replies"): [
        {"body": "Hello", "template_id": "{template}"},
        {"body": "Hello", "based_on_message_id": "{message}", "confirm": True},
        {"body": "Hello", "attachment_ids": ["{attachment}"]},
    ],
    # One shift per agent and time: each control's shift is deleted again (an overlap is refused).
    ("post", "/v1/shifts"): [
        {
            "team_id": "{team}",
            "user_id": "{user}",
            "time_zone": "Asia/Shanghai",
            "weekday": 0,
            "start_time": "09:00",
            "duration_minutes": 480,
        }
    ],
    ("put", "/v1/orders/{order_id}"): [{"status": "shipped", "channel_id": "{channel}"}],
    ("post", "/v1/sla/policies"): [
        {"name": "P {n}", "position": 50, "first_response_seconds": 3600, "calendar_id": "{calendar}"},
        {"name": "Q {n}", "position": 51, "first_response_seconds": 3600, "conditions": {"channel_ids": ["{channel}"]}},
    ],
    ("patch", "/v1/sla/policies/{policy_id}"): [
        {"calendar_id": "{calendar}"},
        {"conditions": {"channel_ids": ["{channel}"]}},
    ],
    ("post", "/v1/teams"): [{"name": "Team {n}", "member_ids": ["{user}"]}],
    ("patch", "/v1/teams/{team_id}"): [{"calendar_id": "{calendar}"}, {"member_ids": ["{user}"]}],
    ("post", "/v1/templates/{template_id}/preview"): [{"conversation_id": "{conversation}"}],
    ("post", "/v1/saved-views"): [
        {"name": "V {n}", "query": {"channel_id": "{channel}"}},
        {"name": "V {n}", "query": {"team_id": "{team}"}},
        {"name": "V {n}", "query": {"view": "all"}, "team_id": "{team}"},
    ],
    ("post", "/v1/reports/schedules"): [
        {"name": "R {n}", "period": "week", "time_zone": "UTC", "recipient_user_ids": ["{user}"]}
    ],
    ("patch", "/v1/reports/schedules/{schedule_id}"): [{"recipient_user_ids": ["{user}"]}],
    ("post", "/v1/cases"): [
        {"conversation_id": "{conversation}", "kind": "return"},
        {"conversation_id": "{conversation}", "kind": "claim", "linked_conversation_ids": ["{conversation}"]},
        {"conversation_id": "{conversation}", "kind": "refund", "attachment_ids": ["{attachment}"]},
    ],
    ("patch", "/v1/cases/{case_id}"): [
        {"assignee_id": "{user}"},
        {"linked_conversation_ids": ["{conversation}"]},
        {"attachment_ids": ["{attachment}"]},
    ],
    ("patch", "/v1/cases/settings"): [{"followup_template_id": "{template}"}],
    ("post", "/v1/customers/{customer_id}/merge"): [{"customer_ids": ["{customer}"]}],
    ("post", "/v1/conversations/bulk"): [
        {"conversation_ids": ["{conversation}"], "action": {"kind": "set_priority", "priority": "high"}},
        {"filter": {"channel_id": "{channel}"}, "action": {"kind": "add_labels", "labels": ["b"]}},
        {"filter": {"team_id": "{team}"}, "action": {"kind": "add_labels", "labels": ["b"]}},
        {"filter": {"customer_id": "{customer}"}, "action": {"kind": "add_labels", "labels": ["b"]}},
        {
            "conversation_ids": ["{conversation}"],
            "action": {"kind": "assign", "assignee_id": "{user}", "team_id": "{team}"},
        },
        {"conversation_ids": ["{conversation}"], "action": {"kind": "send_template", "template_id": "{template}"}},
        {"conversation_ids": ["{conversation}"], "action": {"kind": "apply_macro", "macro_id": "{macro}"}},
    ],
    ("post", "/v1/macros"): [
        {"name": "M {n}", "visibility": "team", "team_id": "{team}", "actions": {"priority": "low"}},
        {"name": "M {n}", "actions": {"assign_to": "user", "assignee_id": "{user}"}},
        {"name": "M {n}", "actions": {"reply": {"template_id": "{template}"}}},
    ],
    ("patch", "/v1/macros/{macro_id}"): [
        {"visibility": "team", "team_id": "{team}"},
        {"actions": {"assign_to": "user", "assignee_id": "{user}"}},
        {"actions": {"reply": {"template_id": "{template}"}}},
    ],
    ("post", "/v1/cases/bulk"): [
        {"case_ids": ["{case}"], "action": {"kind": "transition", "to": "approved"}},
        {"case_ids": ["{case}"], "action": {"kind": "assign", "assignee_id": "{user}"}},
    ],
    ("post", "/v1/exports"): [
        {"kind": "conversations", "filter": {"channel_id": "{channel}"}},
        {"kind": "conversations", "filter": {"team_id": "{team}"}},
        {"kind": "messages", "filter": {"customer_id": "{customer}"}},
        {"kind": "reports", "report_filter": {"agent_id": "{user}"}},
    ],
    ("post", "/v1/knowledge/articles"): [
        {"variants": [{"language": "en", "title": "t", "body": "b"}], "channel_ids": ["{channel}"]}
    ],
    ("patch", "/v1/knowledge/articles/{article_id}"): [{"channel_ids": ["{channel}"]}],
    ("post", "/v1/knowledge/help-sites"): [
        {"slug": "own-{n}", "title": "Help", "channel_id": "{channel}"},
        {"slug": "own-{n}", "title": "Help", "channel_id": "{store}", "intake_channel_id": "{channel}"},
    ],
    ("post", "/v1/conversations/{conversation_id}/suggestions/use"): [
        {"kind": "article", "id": "{article}", "action": "inserted"}
    ],
}
PLACEHOLDER = re.compile(
    r"^\{(team|user|template|channel|conversation|calendar|customer|article|store|case|message|macro|attachment)\}$"
)

# Query filters that take ids: another organization's id must match nothing (or be refused).
QUERY_FILTERS = {
    "/v1/conversations": ("channel_id", "team_id", "customer_id"),
    "/v1/conversations/counts": ("channel_id", "team_id", "customer_id"),
    "/v1/messages": ("channel_id", "conversation_id"),
    "/v1/orders": ("customer_id",),
    "/v1/automation/runs": ("conversation_id", "rule_id"),
    "/v1/cases": ("conversation_id", "customer_id"),
}


def _id_fields(spec: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(method, path, field path) of every uuid field of every request body, e.g. `actions[].team_id`."""
    schemas = spec["components"]["schemas"]

    def resolve(s: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in s:
            s = schemas[s["$ref"].rsplit("/", 1)[-1]]
        return s

    def walk(s: dict[str, Any], at: str, out: set[str]) -> None:
        s = resolve(s)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in s.get(key, []):
                walk(sub, at, out)
        if s.get("format") == "uuid":
            out.add(at)
        if s.get("type") == "array" and "items" in s:
            walk(s["items"], f"{at}[]", out)
        for name, prop in s.get("properties", {}).items():
            walk(prop, f"{at}.{name}" if at else name, out)

    found = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for content in op.get("requestBody", {}).get("content", {}).values():
                fields: set[str] = set()
                walk(content["schema"], "", fields)
                found |= {(method, path, f) for f in fields}
    return found


def _placeholders(body: Any, at: str = "") -> list[tuple[str, str]]:
    """(field path, kind) of every placeholder in a sample, paths spelled as in `_id_fields`."""
    if isinstance(body, dict):
        return [p for k, v in body.items() for p in _placeholders(v, f"{at}.{k}" if at else k)]
    if isinstance(body, list):
        return [p for v in body for p in _placeholders(v, f"{at}[]")]
    if isinstance(body, str) and (m := PLACEHOLDER.match(body)):
        return [(at, m.group(1))]
    return []


def _fill(body: Any, ids: dict[str, str], n: int, target: str | None = None, foreign: str | None = None) -> Any:
    """The sample with own ids, except the placeholder at `target`, which gets `foreign`."""

    def go(v: Any, at: str) -> Any:
        if isinstance(v, dict):
            return {k: go(x, f"{at}.{k}" if at else k) for k, x in v.items()}
        if isinstance(v, list):
            return [go(x, f"{at}[]") for x in v]
        if isinstance(v, str) and (m := PLACEHOLDER.match(v)):
            return foreign if at == target else ids[m.group(1)]
        if isinstance(v, str):
            return v.replace("{n}", str(n))
        return v

    return go(copy.deepcopy(body), "")


async def _own_ids(tenant) -> dict[str, str]:
    channel = await make_channel(tenant.api, name="Own ERP")
    message = await push(tenant.api, channel["id"])
    # The agent is in the team, so a shift of theirs in it is accepted.
    team = (
        await tenant.admin.post("/v1/teams", json={"name": "Own team", "member_ids": [str(tenant.agent_id)]})
    ).json()
    calendar = (
        await tenant.admin.post(
            "/v1/sla/calendars", json={"name": "Own", "time_zone": "UTC", "intervals": {"mon": ["09:00-17:00"]}}
        )
    ).json()
    policy = (
        await tenant.admin.post(
            "/v1/sla/policies", json={"name": "Own policy", "position": 40, "first_response_seconds": 7200}
        )
    ).json()
    auto_rule = (
        await tenant.admin.post(
            "/v1/automation/rules",
            json={"name": "own", "position": 9, "actions": [{"type": "add_label", "label": "x"}]},
        )
    ).json()
    assign_rule = (
        await tenant.admin.post("/v1/assignment/rules", json={"name": "own", "position": 9, "team_id": team["id"]})
    ).json()
    template = (await tenant.admin.get("/v1/templates")).json()[0]
    case = (
        await tenant.agent.post("/v1/cases", json={"conversation_id": message["conversation_id"], "kind": "return"})
    ).json()
    # In the own team, so a bulk filter on the team matches it.
    conversation = (
        await tenant.admin.patch(f"/v1/conversations/{message['conversation_id']}", json={"team_id": team["id"]})
    ).json()
    # A second customer of the caller's, to merge the first into.
    second = (
        await tenant.api.put(
            "/v1/orders/OWN-2", json={"marketplace": "ebay", "status": "shipped", "buyer": {"external_id": "own-2"}}
        )
    ).json()
    article = (
        await tenant.admin.post(
            "/v1/knowledge/articles", json={"variants": [{"language": "en", "title": "Own", "body": "b"}]}
        )
    ).json()
    schedule = (
        await tenant.admin.post(
            "/v1/reports/schedules",
            json={
                "name": "Own weekly",
                "period": "week",
                "time_zone": "UTC",
                "recipient_addresses": ["me@own.example"],
            },
        )
    ).json()
    macro = (
        await tenant.admin.post("/v1/macros", json={"name": "Own macro", "actions": {"add_labels": ["own"]}})
    ).json()
    attachment = (
        await tenant.agent.post("/v1/attachments", params={"filename": "own.png"}, content=b"\x89PNG\r\n\x1a\nown")
    ).json()
    return {
        "macro": macro["id"],
        "macro_id": macro["id"],
        "attachment": attachment["id"],
        "schedule_id": schedule["id"],
        "case_id": case["id"],
        "case": case["id"],
        "message": message["id"],
        "customer_id": second["customer_id"],
        "customer": conversation["customer"]["id"],
        "article": article["id"],
        "article_id": article["id"],
        "store": channel["id"],
        "team": team["id"],
        "user": str(tenant.agent_id),
        "template": template["id"],
        "channel": channel["id"],
        "conversation": message["conversation_id"],
        "calendar": calendar["id"],
        # path parameters
        "channel_id": channel["id"],
        "conversation_id": message["conversation_id"],
        "team_id": team["id"],
        "policy_id": policy["id"],
        "template_id": template["id"],
        "order_id": "OWN-1",
        "automation_rule_id": auto_rule["id"],
        "assignment_rule_id": assign_rule["id"],
    }


async def _rows(sessionmaker, organization_id) -> dict[str, list[str]]:
    """Every row of every tenant table that belongs to one organization, as text."""
    # API keys' usage stamps are written in the background (api/auth/usage.py): write them now, so a
    # stamp landing between two snapshots is not mistaken for a change made across tenants.
    await usage_stamps.flush(sessionmaker)
    out = {}
    async with sessionmaker() as s:
        for table in Base.metadata.sorted_tables:
            if "organization_id" not in table.c:
                continue
            rows = await s.execute(
                text(f'SELECT t::text FROM "{table.name}" t WHERE organization_id = :org ORDER BY 1'),
                {"org": organization_id},
            )
            out[table.name] = [r[0] for r in rows]
    return out


async def test_other_tenants_ids_in_request_bodies_are_refused(app, sessionmaker, tenant, other_tenant):
    victim = await _victim_ids(other_tenant, sessionmaker)
    foreign = {
        "team": victim["team_id"],
        "user": victim["user_id"],
        "template": victim["template_id"],
        "channel": victim["channel_id"],
        "conversation": victim["conversation_id"],
        "calendar": victim["calendar_id"],
        "customer": victim["customer_id"],
        "article": victim["article_id"],
        "store": victim["channel_id"],
        "case": victim["case_id"],
        "message": victim["message_id"],
        "macro": victim["macro_id"],
        "attachment": victim["attachment_id"],
    }
    own = await _own_ids(tenant)
    victim_before = await _rows(sessionmaker, other_tenant.org_id)

    spec = app.openapi()
    wanted = _id_fields(spec)
    covered = {(m, p, f) for (m, p), samples in SAMPLES.items() for s in samples for f, _ in _placeholders(s)}
    assert wanted <= covered, f"add samples for these body id fields: {sorted(wanted - covered)}"

    n = 0
    refused, accepted = [], []
    for (method, path), samples in SAMPLES.items():
        params = re.findall(r"{(\w+)}", path)
        rule_kind = "assignment_rule_id" if path.startswith("/v1/assignment") else "automation_rule_id"
        url = path.format(**{p: own[rule_kind] if p == "rule_id" else own[p] for p in params})
        for sample in samples:
            for field, kind in _placeholders(sample):
                n += 1
                control = await tenant.admin.request(method.upper(), url, json=_fill(sample, own, n))
                assert control.status_code < 300, (method, path, field, "own ids", control.status_code, control.text)
                if path == "/v1/shifts":
                    await tenant.admin.delete(f"/v1/shifts/{control.json()['id']}")
                n += 1
                body = _fill(sample, own, n, target=field, foreign=foreign[kind])
                r = await tenant.admin.request(method.upper(), url, json=body)
                if not 400 <= r.status_code < 500:
                    accepted.append((method, path, field, r.status_code))
                    continue
                assert r.headers["content-type"].startswith("application/problem+json"), r.headers
                # No oracle: the answer for another organization's id is the answer for an id that
                # exists nowhere (an echo of the caller's own input aside).
                unknown = str(uuid.uuid4())
                nowhere = await tenant.admin.request(
                    method.upper(), url, json=_fill(sample, own, n, target=field, foreign=unknown)
                )
                assert (r.status_code, r.text.replace(foreign[kind], "ID")) == (
                    nowhere.status_code,
                    nowhere.text.replace(unknown, "ID"),
                ), (method, path, field)
                refused.append((method, path, field, r.status_code))
    assert accepted == [], f"another organization's id accepted in: {accepted}"
    assert len(refused) >= len(wanted)

    # Nothing of the caller's links to the other organization...
    for table, rows in (await _rows(sessionmaker, tenant.org_id)).items():
        for row in rows:
            for kind, victim_id in foreign.items():
                assert victim_id not in row, f"{table} row of the caller names the other org's {kind}: {row}"
    # ...and nothing of the other organization changed.
    assert await _rows(sessionmaker, other_tenant.org_id) == victim_before


async def test_other_tenants_ids_in_query_filters_match_nothing(app, sessionmaker, tenant, other_tenant):
    victim = await _victim_ids(other_tenant, sessionmaker)
    own = await _own_ids(tenant)
    victim["rule_id"] = (await other_tenant.admin.get("/v1/automation/rules")).json()[0]["id"]
    spec = app.openapi()
    for path, names in QUERY_FILTERS.items():
        declared = {p["name"] for p in spec["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}
        assert set(names) <= declared, (path, set(names) - declared)
    for path, names in QUERY_FILTERS.items():
        for name in names:
            r = await tenant.admin.get(path, params={name: victim[name]})
            assert r.status_code == 200 or 400 <= r.status_code < 500, (path, name, r.status_code, r.text)
            if r.status_code == 200:
                data = r.json()
                items = data if isinstance(data, list) else data.get("items")
                if items is not None:
                    assert items == [], (path, name, items)
                else:
                    counts = {k: v for k, v in data.items() if k != "cap"}  # cap: the counting limit
                    assert set(counts.values()) == {0}, (path, name, data)
            assert victim["conversation_id"] not in r.text and victim["channel_id"] not in r.text
    assert own["conversation"]  # the caller has data of its own, so an empty answer is a filter, not a void
    mine = (await tenant.admin.get("/v1/conversations", params={"channel_id": own["channel"]})).json()["items"]
    assert [c["id"] for c in mine] == [own["conversation"]]


def test_samples_name_only_real_routes(app):
    spec = app.openapi()
    for method, path in SAMPLES:
        assert method in spec["paths"].get(path, {}), (method, path)


async def test_a_rule_or_policy_naming_another_organizations_channel_says_which_field(tenant, other_tenant):
    own = await make_channel(tenant.api, name="Mine")
    theirs = await make_channel(other_tenant.api, name="Theirs")
    conditions = {"channel_ids": [own["id"], theirs["id"]]}
    rule = {"name": "r", "position": 1, "conditions": conditions, "actions": [{"type": "add_label", "label": "x"}]}
    policy = {"name": "p", "position": 5, "first_response_seconds": 3600, "conditions": conditions}
    for url, body in (("/v1/automation/rules", rule), ("/v1/sla/policies", policy)):
        r = await tenant.admin.post(url, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"field": "body.conditions.channel_ids.1", "reason": "no such channel"}]
        body["conditions"] = {"channel_ids": [own["id"]]}
        assert (await tenant.admin.post(url, json=body)).status_code == 201
