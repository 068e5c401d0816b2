"""Input the database cannot take is a 4xx problem naming the field, never a 500 (issue 17, item 5).

Each class is checked through several unrelated operations, because the fix is one mechanism
(`RequestModel`, `PatchModel`, the path/query middleware, the database backstop), not one per field.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.kit.errors import PROBLEM_MEDIA_TYPE
from api.ops.openapi import SPEC_PATH
from tests.helpers import inbound, make_channel, push

NUL = "a\u0000b"


def assert_problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), r.headers
    problem = r.json()
    if field is not None:
        fields = [e["field"] for e in problem.get("errors") or []]
        assert field in fields, problem
    return problem


async def _conversation(tenant) -> tuple[dict[str, Any], str]:  # type: ignore[no-untyped-def]
    channel = await make_channel(tenant.api)
    pushed = await push(tenant.api, channel["id"])
    return channel, pushed["conversation_id"]


# --- NUL and lone surrogates, in bodies ---------------------------------------------------------


async def test_nul_in_body_strings_is_422_naming_the_field(tenant):
    channel, conversation_id = await _conversation(tenant)
    cid = channel["id"]
    cases = [
        ("POST", f"/v1/channels/{cid}/messages", inbound(body=NUL), "body.body"),
        ("POST", f"/v1/channels/{cid}/messages", inbound(subject=NUL), "body.subject"),
        ("POST", f"/v1/channels/{cid}/messages", inbound(external_message_id=NUL), "body.external_message_id"),
        ("POST", f"/v1/channels/{cid}/messages", inbound(order_id=NUL), "body.order_id"),
        (
            "POST",
            f"/v1/channels/{cid}/messages",
            inbound(buyer={"external_id": NUL, "name": "B"}),
            "body.buyer.external_id",
        ),
        ("POST", f"/v1/channels/{cid}/messages", inbound(buyer={"external_id": "b", "name": NUL}), "body.buyer.name"),
        ("POST", f"/v1/conversations/{conversation_id}/replies", {"body": NUL}, "body.body"),
        ("POST", f"/v1/conversations/{conversation_id}/notes", {"body": NUL}, "body.body"),
        ("PATCH", f"/v1/conversations/{conversation_id}", {"labels": ["ok", NUL]}, "body.labels.1"),
        ("POST", "/v1/channels", {"marketplace": "api", "name": NUL}, "body.name"),
        ("POST", "/v1/teams", {"name": NUL}, "body.name"),
        ("POST", "/v1/templates", {"name": "t", "category": "general", "body": NUL}, "body.body"),
        (
            "POST",
            "/v1/users",
            {"email": "x@example.com", "name": NUL, "password": "correct horse battery"},
            "body.name",
        ),
        ("PUT", "/v1/orders/o-1", {"channel_id": cid, "status": NUL}, "body.status"),
    ]
    for method, url, body, field in cases:
        # Users are managed by admins (a session), not API keys.
        caller = tenant.admin if url.startswith("/v1/users") else tenant.api
        r = await caller.request(method, url, json=body)
        assert_problem(r, 422, field)
        assert "NUL" in json.dumps(r.json()), r.text


async def test_nul_in_dict_keys_and_nested_values_is_refused(tenant):
    channel, _ = await _conversation(tenant)
    r = await tenant.api.post("/v1/channels", json={"marketplace": "api", "name": "x", "settings": {NUL: "v"}})
    problem = assert_problem(r, 422, f"body.settings.{NUL}")
    assert "key" in problem["errors"][0]["reason"]
    r = await tenant.api.post(
        "/v1/channels", json={"marketplace": "api", "name": "x", "settings": {"deep": [{"k": NUL}]}}
    )
    assert_problem(r, 422, "body.settings.deep.0.k")
    r = await tenant.api.patch(f"/v1/channels/{channel['id']}", json={"settings": {"a": NUL}, "verify": False})
    assert_problem(r, 422, "body.settings.a")
    customers = (await tenant.api.get("/v1/customers")).json()["items"]
    r = await tenant.api.patch(f"/v1/customers/{customers[0]['id']}", json={"tags": [NUL]})
    assert_problem(r, 422, "body.tags.0")


async def test_lone_surrogate_is_refused_like_nul(tenant):
    # json.dumps keeps "\ud800" as an escape; json.loads on the server turns it into an unencodable str.
    r = await tenant.api.post(
        "/v1/teams", content=b'{"name": "a\\ud800b"}', headers={"content-type": "application/json"}
    )
    problem = assert_problem(r, 422, "body.name")
    assert "surrogate" in problem["errors"][0]["reason"]


# --- NUL in the query string and the path --------------------------------------------------------


async def test_nul_in_query_and_path_is_422_naming_the_parameter(tenant):
    await _conversation(tenant)
    assert_problem(await tenant.api.get("/v1/conversations", params={"q": NUL}), 422, "query.q")
    assert_problem(await tenant.api.get("/v1/customers", params={"q": NUL}), 422, "query.q")
    assert_problem(await tenant.api.get("/v1/conversations", params={"label": NUL}), 422, "query.label")
    assert_problem(await tenant.api.get("/v1/orders/a%00b"), 422, "path.order_id")
    # Before the idempotency store (which records the path) sees it.
    r = await tenant.api.put("/v1/orders/a%00b", json={}, headers={"Idempotency-Key": "k-1"})
    assert_problem(r, 422, "path.order_id")


# --- Datetimes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T00:00:00Z"])
async def test_datetimes_out_of_range_are_422_naming_the_field(tenant, value):
    channel = await make_channel(tenant.api)
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(sent_at=value))
    problem = assert_problem(r, 422, "body.sent_at")
    assert "UTC" in problem["errors"][0]["reason"]


async def test_datetime_rule_reaches_nested_and_list_values(tenant):
    channel = await make_channel(tenant.api)
    order = {"channel_id": channel["id"], "status": "shipped"}
    r = await tenant.api.put("/v1/orders/o-9", json={**order, "placed_at": "0001-01-01T00:00:00+01:00"})
    assert_problem(r, 422, "body.placed_at")
    shipment = {"carrier": "UPS", "shipped_at": "9999-12-31T23:59:59-01:00"}
    r = await tenant.api.put("/v1/orders/o-9", json={**order, "shipments": [shipment]})
    assert_problem(r, 422, "body.shipments.0.shipped_at")
    r = await tenant.api.put("/v1/orders/o-9", json={**order, "placed_at": "2026-01-01T00:00:00+01:00"})
    assert r.status_code in (200, 201), r.text


# --- Explicit null in a PATCH --------------------------------------------------------------------


async def test_explicit_null_for_a_required_column_is_422_naming_the_field(tenant):
    channel, conversation_id = await _conversation(tenant)
    policy = (await tenant.api.get("/v1/sla/policies")).json()
    policy_id = (policy["items"] if isinstance(policy, dict) else policy)[0]["id"]
    team = (await tenant.api.post("/v1/teams", json={"name": "T"})).json()
    template = (await tenant.api.post("/v1/templates", json={"name": "n", "category": "general", "body": "Hi"})).json()
    cases = [
        (f"/v1/conversations/{conversation_id}", "status"),
        (f"/v1/conversations/{conversation_id}", "priority"),
        (f"/v1/channels/{channel['id']}", "name"),
        (f"/v1/channels/{channel['id']}", "status"),
        (f"/v1/channels/{channel['id']}", "settings"),
        (f"/v1/sla/policies/{policy_id}", "first_response_seconds"),
        (f"/v1/sla/policies/{policy_id}", "conditions"),
        (f"/v1/sla/policies/{policy_id}", "name"),
        (f"/v1/teams/{team['id']}", "name"),
        (f"/v1/templates/{template['id']}", "body"),
        (f"/v1/users/{tenant.agent_id}", "role"),
    ]
    for url, field in cases:
        caller = tenant.admin if url.startswith("/v1/users") else tenant.api
        r = await caller.patch(url, json={field: None})
        problem = assert_problem(r, 422, f"body.{field}")
        assert "null" in problem["errors"][0]["reason"]


async def test_null_still_clears_what_it_is_documented_to_clear(tenant):
    _, conversation_id = await _conversation(tenant)
    r = await tenant.api.patch(f"/v1/conversations/{conversation_id}", json={"assignee_id": None, "team_id": None})
    assert r.status_code == 200, r.text
    r = await tenant.admin.patch(f"/v1/conversations/{conversation_id}", json={"status": "pending"})
    assert r.status_code == 200 and r.json()["status"] == "pending", r.text


def test_spec_says_which_patch_fields_take_null():
    schemas = json.loads(SPEC_PATH.read_text())["components"]["schemas"]
    update = schemas["ConversationUpdate"]["properties"]
    assert update["status"].get("type") == "string" and "anyOf" not in update["status"]
    assert {"type": "null"} in update["assignee_id"]["anyOf"]


# --- Renames and other collisions ----------------------------------------------------------------


async def test_renaming_to_an_existing_name_is_409(tenant):
    await tenant.api.post("/v1/teams", json={"name": "Alpha"})
    beta = (await tenant.api.post("/v1/teams", json={"name": "Beta"})).json()
    assert_problem(await tenant.api.patch(f"/v1/teams/{beta['id']}", json={"name": "Alpha"}), 409, "body.name")
    # Keeping one's own name is no conflict.
    assert (await tenant.api.patch(f"/v1/teams/{beta['id']}", json={"name": "Beta"})).status_code == 200

    body = {"category": "general", "body": "Hi", "language": "en"}
    await tenant.api.post("/v1/templates", json={"name": "one", **body})
    two = (await tenant.api.post("/v1/templates", json={"name": "two", **body})).json()
    # Templates have no check of their own: the database's unique constraint is turned into the 409.
    r = await tenant.api.patch(f"/v1/templates/{two['id']}", json={"name": "one"})
    assert_problem(r, 409, "body.name")


# --- The spec documents what the API answers ------------------------------------------------------


async def test_invalid_utf8_body_is_a_documented_400_problem(tenant):
    r = await tenant.api.post(
        "/v1/teams", content=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert_problem(r, 400)
    spec = json.loads(SPEC_PATH.read_text())
    assert "400" in spec["paths"]["/v1/teams"]["post"]["responses"]
    assert "409" in spec["paths"]["/v1/users/{user_id}"]["patch"]["responses"]


def test_every_error_response_in_the_spec_is_problem_json():
    spec = json.loads(SPEC_PATH.read_text())
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if status[0] in "45" and response.get("content"):
                    assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (method, path, status)
            if "requestBody" in operation:
                assert {"400", "409", "422"} <= set(operation["responses"]), (method, path)
    hook = spec["paths"]["/v1/hooks/{marketplace}/{channel_id}"]["post"]["responses"]
    assert list(hook["422"]["content"]) == [PROBLEM_MEDIA_TYPE]
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_reference_in_the_spec_resolves():
    """The generated SPA client refuses a document with a dangling `$ref`."""
    text = SPEC_PATH.read_text()
    schemas = json.loads(text)["components"]["schemas"]
    prefix = '"#/components/schemas/'
    refs = {chunk.split('"', 1)[0] for chunk in text.split(prefix)[1:]}
    assert refs and refs <= set(schemas), refs - set(schemas)


def test_every_request_body_uses_the_shared_bases():
    """A body schema that bypasses `RequestModel` (or a PATCH body `PatchModel`) would lose the rules."""
    from api.kit.schema import PatchModel, RequestModel
    from api.ops.openapi import build_spec

    def names(base: type) -> set[str]:
        found, todo = set(), [base]
        while todo:
            for sub in todo.pop().__subclasses__():
                found.add(sub.__name__)
                todo.append(sub)
        return found

    spec = build_spec()  # imports every endpoint module, so every schema class exists for the walk
    request_models, patch_models = names(RequestModel), names(PatchModel)
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is None:
                continue
            # An optional body (`Model | None = None`) is `anyOf: [{$ref}, {type: null}]`: still one model.
            refs = [body] if "$ref" in body else [b for b in body.get("anyOf", []) if "$ref" in b]
            assert len(refs) == 1, (method, path, body)
            name = refs[0]["$ref"].rsplit("/", 1)[1]
            assert name in request_models, (method, path, name)
            if method == "patch":
                assert name in patch_models, (method, path, name)


async def test_database_refusals_become_problems_not_500s(sessionmaker, tenant):
    """The backstop for a check a service forgot: PostgreSQL's own refusal, mapped to 409/422."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from api.kit.errors import Conflict, InvalidInput, database_refusal

    async def refusal(sql: str) -> object:
        async with sessionmaker() as session:
            with pytest.raises(DBAPIError) as caught:
                await session.execute(text(sql), {"org": tenant.org_id})
            await session.rollback()
        return database_refusal(caught.value)

    insert = "INSERT INTO teams (id, organization_id, name) VALUES (gen_random_uuid(), :org, {})"
    not_null = await refusal(insert.format("NULL"))
    assert isinstance(not_null, InvalidInput) and not_null.errors[0].field == "body.name"
    async with sessionmaker.begin() as session:
        await session.execute(text(insert.format("'Taken'")), {"org": tenant.org_id})
    unique = await refusal(insert.format("'Taken'"))
    assert isinstance(unique, Conflict) and [e.field for e in unique.errors] == ["body.name"]
    assert "Taken" not in unique.detail  # the values are not echoed
    out_of_range = await refusal("SELECT 2147483647::int4 + 1")
    assert isinstance(out_of_range, InvalidInput) and out_of_range.status_code == 422


async def test_seconds_added_to_datetimes_are_bounded(tenant):
    """An escalation tier's offset is added to a clock's start: an unbounded int overflowed there."""
    policy = {"name": "p", "position": 5, "first_response_seconds": 3600}
    for key in ("after_seconds", "before_deadline_seconds"):
        tier = {"action": "email_assignee", key: 10**12}
        r = await tenant.api.post("/v1/sla/policies", json={**policy, "tiers": [tier]})
        assert_problem(r, 422, f"body.tiers.0.{key}")
