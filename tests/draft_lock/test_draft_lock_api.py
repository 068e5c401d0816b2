"""Soft draft locks over the API: the organization's switch, take / conflict / renew / release,
expiry, a supervisor's audited take-over, sending against a colleague's lock, the live broadcast,
and tenant isolation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from api.models import AuditEntry
from api.realtime.frames import org_channel
from tests.helpers import make_channel, push


async def _conversation(tenant) -> str:
    channel = await make_channel(tenant.api)
    return (await push(tenant.api, channel["id"]))["conversation_id"]


async def _enable(tenant, ttl: int = 120) -> None:
    r = await tenant.admin.put("/v1/draft-lock/settings", json={"enabled": True, "ttl_seconds": ttl})
    assert r.status_code == 200, r.text


async def test_settings_default_off_admin_only_and_validated(tenant):
    r = await tenant.agent.get("/v1/draft-lock/settings")
    assert r.status_code == 200 and r.json() == {"enabled": False, "ttl_seconds": 120}
    assert (await tenant.agent.put("/v1/draft-lock/settings", json={"enabled": True})).status_code == 403
    bad = await tenant.admin.put("/v1/draft-lock/settings", json={"enabled": True, "ttl_seconds": 5})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.ttl_seconds"
    await _enable(tenant, 60)
    assert (await tenant.agent.get("/v1/draft-lock/settings")).json() == {"enabled": True, "ttl_seconds": 60}


async def test_taking_a_lock_needs_locks_on(tenant):
    cid = await _conversation(tenant)
    r = await tenant.agent.post(f"/v1/conversations/{cid}/draft-lock")
    assert r.status_code == 409 and r.json()["errors"][0] == {"field": "draft_lock", "reason": "disabled"}
    lock = (await tenant.agent.get(f"/v1/conversations/{cid}/draft-lock")).json()
    assert lock["enabled"] is False and lock["holder"] is None


async def test_take_conflict_renew_release(tenant, redis):
    await _enable(tenant)
    cid = await _conversation(tenant)
    url = f"/v1/conversations/{cid}/draft-lock"
    taken = await tenant.agent.post(url)
    assert taken.status_code == 200, taken.text
    assert taken.json()["mine"] is True and taken.json()["holder"]["name"] == "Agent"
    # Held for the organization's time-out, no longer.
    ttl = await redis.pttl(f"hg:draftlock:{tenant.org_id}:{cid}")
    assert 0 < ttl <= 120_000

    seen = (await tenant.admin.get(url)).json()
    assert seen["mine"] is False and seen["holder"]["user_id"] == str(tenant.agent_id)
    clash = await tenant.admin.post(url)
    assert clash.status_code == 409 and clash.headers["content-type"].startswith("application/problem+json")
    assert "Agent is drafting" in clash.json()["detail"] and clash.json()["holder"]["name"] == "Agent"
    # Only the holder renews; taking again renews too.
    assert (await tenant.admin.put(url)).status_code == 409
    assert (await tenant.agent.put(url)).status_code == 200
    assert (await tenant.agent.post(url)).status_code == 200
    # Someone else's DELETE leaves the lock alone; the holder's frees it.
    assert (await tenant.admin.delete(url)).status_code == 204
    assert (await tenant.agent.get(url)).json()["holder"]["user_id"] == str(tenant.agent_id)
    assert (await tenant.agent.delete(url)).status_code == 204
    assert (await tenant.agent.get(url)).json()["holder"] is None
    assert (await tenant.admin.post(url)).json()["mine"] is True
    # A renewal of a lock one lost is refused, not silently re-taken.
    lost = await tenant.agent.put(url)
    assert lost.status_code == 409 and "Admin holds it now" in lost.json()["detail"]


async def test_an_abandoned_lock_times_out(tenant, redis):
    await _enable(tenant)
    cid = await _conversation(tenant)
    url = f"/v1/conversations/{cid}/draft-lock"
    assert (await tenant.agent.post(url)).status_code == 200
    # The holder's laptop closed: nothing renews the key and its time runs out (a deadline in the
    # past makes Redis expire it now, as it would after the time-out).
    await redis.pexpireat(f"hg:draftlock:{tenant.org_id}:{cid}", 1)
    assert (await tenant.admin.get(url)).json()["holder"] is None
    assert (await tenant.admin.post(url)).json()["mine"] is True
    renew = await tenant.agent.put(url)
    assert renew.status_code == 409


async def test_sending_against_a_colleagues_lock_is_refused_and_sending_releases(tenant):
    await _enable(tenant)
    cid = await _conversation(tenant)
    url = f"/v1/conversations/{cid}/draft-lock"
    assert (await tenant.agent.post(url)).status_code == 200
    r = await tenant.admin.post(f"/v1/conversations/{cid}/replies", json={"body": "Hello from admin"})
    assert r.status_code == 423 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["holder"]["name"] == "Agent" and "Agent is drafting" in r.json()["detail"]
    # Integrations are not held back by a person's draft.
    assert (await tenant.api.post(f"/v1/conversations/{cid}/replies", json={"body": "ERP"})).status_code == 201
    # The holder sends: the lock goes with the reply.
    sent = await tenant.agent.post(f"/v1/conversations/{cid}/replies", json={"body": "Hello from agent"})
    assert sent.status_code == 201, sent.text
    assert (await tenant.admin.get(url)).json()["holder"] is None
    assert (await tenant.admin.post(f"/v1/conversations/{cid}/replies", json={"body": "Me too"})).status_code == 201


async def test_locks_off_never_block_a_reply(tenant):
    await _enable(tenant)
    cid = await _conversation(tenant)
    assert (await tenant.agent.post(f"/v1/conversations/{cid}/draft-lock")).status_code == 200
    await tenant.admin.put("/v1/draft-lock/settings", json={"enabled": False})
    r = await tenant.admin.post(f"/v1/conversations/{cid}/replies", json={"body": "Off means off"})
    assert r.status_code == 201
    assert (await tenant.admin.get(f"/v1/conversations/{cid}/draft-lock")).json()["holder"] is None


async def test_take_over_is_for_supervisors_and_audited(tenant, sessionmaker):
    await _enable(tenant)
    cid = await _conversation(tenant)
    url = f"/v1/conversations/{cid}/draft-lock"
    assert (await tenant.admin.post(url)).status_code == 200
    refused = await tenant.agent.post(f"{url}/take-over")
    assert refused.status_code == 403
    assert (await tenant.api.post(url)).status_code == 403  # API keys draft no replies

    assert (await tenant.agent.delete(url)).status_code == 204  # not theirs: nothing happens
    # Admin released, agent takes, admin takes it over.
    assert (await tenant.admin.delete(url)).status_code == 204
    assert (await tenant.agent.post(url)).status_code == 200
    over = await tenant.admin.post(f"{url}/take-over")
    assert over.status_code == 200 and over.json()["mine"] is True
    assert (await tenant.agent.get(url)).json()["holder"]["user_id"] == str(tenant.admin_id)
    async with sessionmaker() as s:
        entry = (
            await s.execute(select(AuditEntry).where(AuditEntry.action == "conversation.draft_lock_taken_over"))
        ).scalar_one()
    assert entry.organization_id == tenant.org_id and entry.actor_id == str(tenant.admin_id)
    assert entry.entity_id == cid and entry.data["from_user_id"] == str(tenant.agent_id)


async def test_lock_changes_are_broadcast_to_the_organization(tenant, redis):
    await _enable(tenant)
    cid = await _conversation(tenant)
    url = f"/v1/conversations/{cid}/draft-lock"
    pubsub = redis.pubsub()
    await pubsub.subscribe(org_channel(tenant.org_id))
    try:
        await pubsub.get_message(timeout=1)  # the subscription confirmation

        async def next_lock_frame() -> dict:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if message is None:
                    raise AssertionError("no draft_lock frame")
                frame = json.loads(message["data"])
                if frame["type"] == "draft_lock":
                    return frame

        await tenant.agent.post(url)
        held = await next_lock_frame()
        assert held["conversation_id"] == cid and held["data"]["state"] == "held"
        assert held["data"]["holder"]["user_id"] == str(tenant.agent_id) and held["data"]["expires_in_seconds"] > 0
        await tenant.admin.post(f"{url}/take-over")
        over = await next_lock_frame()
        assert over["data"]["holder"]["user_id"] == str(tenant.admin_id)
        assert over["data"]["taken_from"]["user_id"] == str(tenant.agent_id)
        await tenant.admin.delete(url)
        assert (await next_lock_frame())["data"] == {"conversation_id": cid, "state": "released", "holder": None}
    finally:
        await pubsub.aclose()


async def test_another_organizations_conversation_is_not_found(tenant, other_tenant):
    await _enable(tenant)
    await _enable(other_tenant)
    theirs = await _conversation(other_tenant)
    url = f"/v1/conversations/{theirs}/draft-lock"
    assert (await other_tenant.agent.post(url)).status_code == 200
    for method, path in (("GET", url), ("POST", url), ("PUT", url), ("DELETE", url), ("POST", f"{url}/take-over")):
        r = await tenant.admin.request(method, path)
        assert r.status_code == 404, (method, path, r.text)
    # Their lock is untouched.
    assert (await other_tenant.admin.get(url)).json()["holder"]["user_id"] == str(other_tenant.agent_id)


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"name": "no user"}'])
async def test_an_unreadable_stored_value_is_no_holder_and_is_overwritten(tenant, redis, raw):
    await _enable(tenant)
    cid = await _conversation(tenant)
    await redis.set(f"hg:draftlock:{tenant.org_id}:{cid}", raw, px=60_000)
    url = f"/v1/conversations/{cid}/draft-lock"
    assert (await tenant.admin.get(url)).json()["holder"] is None
    assert (await tenant.agent.post(url)).json()["mine"] is True


async def test_an_automatic_acknowledgement_is_no_collision(tenant):
    """The out-of-hours acknowledgement lands while an agent drafts: it answers nothing, so their
    reply goes without the prompt; a colleague's reply still asks first."""
    channel = await make_channel(tenant.api)
    first = await push(tenant.api, channel["id"])
    cid = first["conversation_id"]
    url = f"/v1/conversations/{cid}/replies"
    auto = await tenant.api.post(
        url, json={"body": "We are away; we reply within a business day.", "author_kind": "auto"}
    )
    assert auto.status_code == 201, auto.text
    mine = await tenant.agent.post(url, json={"body": "Hello!", "based_on_message_id": first["id"]})
    assert mine.status_code == 201, mine.text
    clash = await tenant.admin.post(url, json={"body": "Hi!", "based_on_message_id": first["id"]})
    assert clash.status_code == 409 and clash.json()["newer_message"]["id"] == mine.json()["id"]
