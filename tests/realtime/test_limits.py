"""Per-credential WebSocket limits against a real server: a cap on open sockets (one budget per user
or API key, shared by every API process through Redis) and a rate limit on `since=` catch-ups."""

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.auth import service as auth_service
from api.outbox import events
from api.realtime import limits


async def _refused(url):
    """The close frame of a socket the server accepts and then closes."""
    async with connect(url, open_timeout=5) as conn:
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                while True:
                    await conn.recv()
    return closed.value.rcvd


async def test_open_sockets_are_capped_per_credential(tenant, open_socket, ws_url, app):
    app.state.realtime.config.max_sockets_per_credential = 3
    agent = [await open_socket(tenant.agent_token) for _ in range(3)]
    refused = await _refused(f"{ws_url}?token={tenant.agent_token}")
    assert refused.code == 1008 and "too many sockets" in refused.reason and "3" in refused.reason
    # The budget is per user across sessions: a second session of the same user shares it.
    async with app.state.sessionmaker.begin() as s:
        slug = (
            await s.execute(text("SELECT slug FROM organizations WHERE id = :id"), {"id": tenant.org_id})
        ).scalar_one()
        second_token, _, _ = await auth_service.login(s, f"agent@{slug}.test", "agent-password-1", timedelta(hours=1))
    assert (await _refused(f"{ws_url}?token={second_token}")).code == 1008
    # Other credentials have budgets of their own.
    await open_socket(tenant.admin_token)
    await open_socket(tenant.api_key)
    # Closing a socket frees its slot.
    await agent[0].close()
    for _ in range(100):  # the server releases the slot once it has seen the close
        if await app.state.redis.zcard(f"hg:ws:slots:user:{tenant.agent_id}") < 3:
            break
        await asyncio.sleep(0.05)
    again = await open_socket(tenant.agent_token)
    assert again.hello["type"] == "hello"


async def test_slots_of_a_dead_process_lapse_and_live_ones_are_renewed(tenant, redis):
    """A process that died cannot release its slots: they expire unless a heartbeat renews them."""
    credential = f"user:{tenant.agent_id}"
    assert await limits.claim_socket(redis, credential, "dead-1", 2, ttl=0.2)
    assert await limits.claim_socket(redis, credential, "live-1", 2, ttl=0.2)
    assert not await limits.claim_socket(redis, credential, "new-1", 2, ttl=60)
    await limits.renew_sockets(redis, [(credential, "live-1")], ttl=60)
    for _ in range(100):  # until dead-1 has lapsed: then its slot is free again
        if await limits.claim_socket(redis, credential, "new-1", 2, ttl=60):
            break
        await asyncio.sleep(0.05)
    members = {m.decode() for m in await redis.zrange(f"hg:ws:slots:{credential}", 0, -1)}
    assert members == {"live-1", "new-1"}


async def test_claims_race_for_the_last_slot(tenant, redis):
    credential = f"key:{tenant.org_id}"
    taken = await asyncio.gather(*(limits.claim_socket(redis, credential, f"s{i}", 5, ttl=60) for i in range(40)))
    assert sum(taken) == 5


async def test_catch_up_replays_are_rate_limited_per_credential(tenant, open_socket, ws_url, app, sessionmaker, relay):
    async with sessionmaker.begin() as s:
        events.emit(s, tenant.org_id, "note.created", {})
    await relay()
    app.state.realtime.config.catch_ups_per_minute = 2
    # Counted in one-minute windows: start early in one so the test does not straddle two.
    if time.time() % 60 > 50:
        await asyncio.sleep(61 - time.time() % 60)
    for _ in range(2):
        sock = await open_socket(tenant.agent_token, since=0)
        assert sock.hello["data"]["resumed"]
        await sock.close()
    refused = await _refused(f"{ws_url}?token={tenant.agent_token}&since=0")
    assert refused.code == 1013 and refused.reason.startswith("catch-up rate limited, retry in ")
    # A socket that does not ask for a replay still connects; other credentials have their own budget.
    assert (await open_socket(tenant.agent_token)).hello["type"] == "hello"
    assert (await open_socket(tenant.admin_token, since=0)).hello["data"]["resumed"]
