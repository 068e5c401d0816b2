"""Failed replies explained (reason and action on the message and on the Failed view's rows) and
retried many at once by a bulk job with per-conversation results."""

from __future__ import annotations

import uuid

from api.bulk import runner
from tests.helpers import make_channel, push

EBAY_UNKNOWN = "400 355007: Invalid or unrecognized conversation_id value."


async def _failed_reply(tenant, channel_id: str, error: str) -> tuple[str, str]:
    conversation_id = (await push(tenant.api, channel_id))["conversation_id"]
    r = await tenant.agent.post(f"/v1/conversations/{conversation_id}/replies", json={"body": "It ships today."})
    assert r.status_code == 201, r.text
    reply_id = r.json()["id"]
    r = await tenant.api.post(f"/v1/messages/{reply_id}/delivery", json={"status": "failed", "error": error})
    assert r.status_code == 200, r.text
    return conversation_id, reply_id


async def test_the_failed_message_and_the_failed_view_say_why_and_what_to_do(tenant):
    channel = await make_channel(tenant.api)
    conversation_id, reply_id = await _failed_reply(tenant, channel["id"], EBAY_UNKNOWN)

    message = (await tenant.agent.get(f"/v1/messages/{reply_id}")).json()
    assert message["delivery_error"] == EBAY_UNKNOWN  # the raw detail stays
    assert message["failure"] == {
        "reason": "conversation_unknown",
        "action": "answer_on_marketplace",
        "retry_helps": False,
    }
    rows = (await tenant.agent.get("/v1/conversations", params={"view": "failed"})).json()["items"]
    assert [(r["id"], r["failure"]["reason"]) for r in rows] == [(conversation_id, "conversation_unknown")]
    one = (await tenant.agent.get(f"/v1/conversations/{conversation_id}")).json()
    assert one["failure"]["action"] == "answer_on_marketplace"

    # A later failure of the same conversation is the one the row explains; retrying clears it.
    r = await tenant.agent.post(f"/v1/conversations/{conversation_id}/replies", json={"body": "Second try."})
    second = r.json()["id"]
    await tenant.api.post(f"/v1/messages/{second}/delivery", json={"status": "failed", "error": "503: unavailable"})
    rows = (await tenant.agent.get("/v1/conversations", params={"view": "failed"})).json()["items"]
    assert rows[0]["failure"] == {"reason": "marketplace_unavailable", "action": "retry_now", "retry_helps": True}
    await tenant.agent.post(f"/v1/messages/{second}/retry")
    rows = (await tenant.agent.get("/v1/conversations", params={"view": "failed"})).json()["items"]
    assert rows[0]["failure"]["reason"] == "conversation_unknown"
    await tenant.agent.post(f"/v1/messages/{reply_id}/retry")
    assert (await tenant.agent.get("/v1/conversations", params={"view": "failed"})).json()["items"] == []
    assert (await tenant.agent.get(f"/v1/conversations/{conversation_id}")).json()["failure"] is None
    assert (await tenant.agent.get(f"/v1/messages/{reply_id}")).json()["failure"] is None


async def test_retry_many_at_once_with_a_result_per_conversation(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    first, first_reply = await _failed_reply(tenant, channel["id"], "503: unavailable")
    second, second_reply = await _failed_reply(tenant, channel["id"], "timeout: took longer than 30 s")
    healthy = (await push(tenant.api, channel["id"]))["conversation_id"]

    r = await tenant.agent.post(
        "/v1/conversations/bulk",
        json={"conversation_ids": [first, second, healthy], "action": {"kind": "retry_failed"}},
    )
    assert r.status_code == 202, r.text
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))

    job = (await tenant.agent.get(f"/v1/conversations/bulk/{r.json()['id']}")).json()
    assert (job["status"], job["done"], job["failed"]) == ("completed", 2, 1)
    assert job["failures"] == [{"conversation_id": healthy, "reason": "The conversation has no failed reply to retry."}]
    for reply_id in (first_reply, second_reply):
        assert (await tenant.agent.get(f"/v1/messages/{reply_id}")).json()["delivery_status"] == "queued"
    assert (await tenant.agent.get("/v1/conversations", params={"view": "failed"})).json()["items"] == []


async def test_retrying_by_the_failed_filter_touches_only_this_organization(tenant, other_tenant, sessionmaker):
    mine = await make_channel(tenant.api)
    theirs = await make_channel(other_tenant.api)
    _, my_reply = await _failed_reply(tenant, mine["id"], "503: unavailable")
    _, their_reply = await _failed_reply(other_tenant, theirs["id"], "503: unavailable")
    r = await tenant.agent.post(
        "/v1/conversations/bulk", json={"filter": {"view": "failed"}, "action": {"kind": "retry_failed"}}
    )
    assert r.status_code == 202, r.text
    assert r.json()["total"] == 1
    await runner.run(sessionmaker, uuid.UUID(r.json()["id"]))
    assert (await tenant.agent.get(f"/v1/messages/{my_reply}")).json()["delivery_status"] == "queued"
    assert (await other_tenant.agent.get(f"/v1/messages/{their_reply}")).json()["delivery_status"] == "failed"
