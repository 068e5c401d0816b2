"""Cursors carry the list, sort and filters they were issued for, and are signed: a cursor from
another list, another sort, other filters or another organization, or an edited one, is a 422
problem naming `cursor`, on every paginated endpoint."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from api.kit.errors import InvalidInput
from api.kit.pagination import CursorScope
from api.models import WebhookEndpoint
from tests.helpers import make_channel, push


def _refusal(r):
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["query.cursor"], fields
    return r.json()["errors"][0]["reason"]


def _reason(exc_info):
    return exc_info.value.errors[0].reason


def test_a_cursor_round_trips_only_in_its_own_scope():
    when = datetime(2026, 11, 1, tzinfo=UTC)
    row = uuid.uuid4()
    scope = CursorScope("conversations:last_message", {"org": "o1", "view": "all", "q": None})
    cursor = scope.issue(when, row)
    assert scope.read(cursor) == (when, row)
    assert scope.read(None) is None
    # An absent filter and an explicit None are the same query.
    assert CursorScope("conversations:last_message", {"org": "o1", "view": "all"}).read(cursor) == (when, row)
    with pytest.raises(InvalidInput) as other_list:
        CursorScope("messages:created", {"org": "o1", "view": "all"}).read(cursor)
    assert "another list" in _reason(other_list)
    with pytest.raises(InvalidInput) as other_filters:
        CursorScope("conversations:last_message", {"org": "o1", "view": "unread"}).read(cursor)
    assert "other filters" in _reason(other_filters)


def test_an_edited_cursor_is_refused():
    scope = CursorScope("orders:created", {"org": "o1"})
    cursor = scope.issue(datetime(2026, 11, 1, tzinfo=UTC), uuid.uuid4())
    body, _, signature = cursor.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["k"] = "2020-01-01T00:00:00+00:00"  # jump elsewhere, keeping list and filters
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=") + "." + signature
    for bad in (forged, body, body + ".", "garbage!", cursor[:-2], "." + signature):
        with pytest.raises(InvalidInput) as refused:
            scope.read(bad)
        assert refused.value.errors[0].field == "query.cursor"


async def _message_cursor(tenant):
    channel = await make_channel(tenant.api)
    for _ in range(3):
        await push(tenant.api, channel["id"])
    page = (await tenant.api.get("/v1/messages", params={"limit": 1})).json()
    assert page["next_cursor"]
    return channel, page["next_cursor"]


async def test_a_messages_cursor_is_refused_by_every_other_list(tenant, sessionmaker):
    _, cursor = await _message_cursor(tenant)
    conversation_id = (await tenant.api.get("/v1/conversations")).json()["items"][0]["id"]
    async with sessionmaker.begin() as s:  # a row, not the API: creating one is not what is tested here
        hook = WebhookEndpoint(
            organization_id=tenant.org_id, url="https://erp.example/hook", event_types=["x"], secret_encrypted=b"x"
        )
        s.add(hook)
        await s.flush()
        hook_id = hook.id
    lists = [
        "/v1/conversations",
        "/v1/conversations/sync",
        f"/v1/conversations/{conversation_id}/messages",
        "/v1/customers",
        "/v1/orders",
        "/v1/audit",
        f"/v1/webhooks/{hook_id}/deliveries",
    ]
    for path in lists:
        reason = _refusal(await tenant.admin.get(path, params={"cursor": cursor}))
        assert "another list" in reason, (path, reason)
    # ...and the list that issued it still accepts it.
    assert (await tenant.api.get("/v1/messages", params={"limit": 1, "cursor": cursor})).status_code == 200


async def test_a_cursor_is_bound_to_its_filters_sort_and_organization(tenant, other_tenant):
    channel, cursor = await _message_cursor(tenant)
    _refusal(await tenant.api.get("/v1/messages", params={"cursor": cursor, "direction": "inbound"}))
    _refusal(await tenant.api.get("/v1/messages", params={"cursor": cursor, "channel_id": channel["id"]}))
    _refusal(await other_tenant.api.get("/v1/messages", params={"cursor": cursor}))

    inbox = (await tenant.api.get("/v1/conversations", params={"limit": 1})).json()["next_cursor"]
    assert inbox
    assert "another list" in _refusal(
        await tenant.api.get("/v1/conversations", params={"cursor": inbox, "sort": "deadline"})
    )
    for other in ({"view": "unread"}, {"q": "order"}, {"status": "open"}, {"channel_id": channel["id"]}):
        assert "other filters" in _refusal(
            await tenant.api.get("/v1/conversations", params={"cursor": inbox, **other})
        ), other
    page = await tenant.api.get("/v1/conversations", params={"cursor": inbox, "limit": 1})
    assert page.status_code == 200 and len(page.json()["items"]) == 1
