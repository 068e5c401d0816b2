"""Authentication costs no statement and takes no lock (api/auth/cache.py, api/auth/usage.py).

The bound under test: a revocation through this process counts on the very next request; one made
elsewhere (here: straight in the table) once the cache's TTL has passed; an expired session never passes.
Time is a fake monotonic clock the tests move: outcomes are asserted, never durations."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from api.auth import cache as auth_cache
from api.auth import dependencies
from api.auth import service as auth_service
from api.auth.cache import PrincipalCache, principals
from api.auth.principal import Principal
from api.auth.usage import UsageStamps, stamps
from api.kit.crypto import token_digest
from api.kit.time import utc_now
from api.models import ApiKey, User, UserSession
from tests.api.test_ingest_cost import statements
from tests.helpers import make_channel, push


class FakeClock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(principals, "clock", fake)
    return fake


def _bearer(app, token: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"Authorization": f"Bearer {token}"}
    )


async def _key_id(sessionmaker, key: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        return (await s.execute(select(ApiKey.id).where(ApiKey.key_digest == token_digest(key)))).scalar_one()


@pytest.mark.parametrize("who", ["api", "agent"])
async def test_a_cached_credential_costs_no_statement(tenant, who):
    client = getattr(tenant, who)
    assert (await client.get("/v1/auth/scopes")).status_code == 200  # read once, then cached
    with statements() as seen:
        for _ in range(5):
            assert (await client.get("/v1/auth/scopes")).status_code == 200
    assert seen == []


async def test_pushing_with_an_api_key_writes_nothing_to_api_keys_in_the_request(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    key_id = await _key_id(sessionmaker, tenant.api_key)
    async with sessionmaker.begin() as s:  # a stamp over a minute old: the old code wrote it in the request
        await s.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utc_now() - timedelta(hours=1)))
    principals.clear()
    stamps._known.pop(key_id, None)
    with statements() as seen:
        await push(tenant.api, channel["id"], external_thread_id="stamp-1")
        await push(tenant.api, channel["id"], external_thread_id="stamp-2")
    assert not [s for s in seen if "api_keys" in s and not s.startswith("SELECT")], "\n".join(seen)
    assert sum(1 for s in seen if s.startswith("SELECT") and "FROM api_keys" in s) <= 1, "\n".join(seen)


async def test_usage_stamps_are_flushed_in_their_own_transaction(tenant, sessionmaker):
    key_id = await _key_id(sessionmaker, tenant.api_key)
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 200
    # The background flusher may have written it already; either way one flush leaves it stored.
    await stamps.flush(sessionmaker)
    async with sessionmaker() as s:
        stored = (await s.execute(select(ApiKey.last_used_at).where(ApiKey.id == key_id))).scalar_one()
    assert stored is not None and utc_now() - stored < timedelta(minutes=1)
    # Used again within the minute: nothing more to write.
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 200
    assert key_id not in stamps.pending()


async def test_usage_stamps_are_coarse_and_never_move_backwards(sessionmaker, tenant):
    key_id = await _key_id(sessionmaker, tenant.api_key)
    later = utc_now() + timedelta(hours=1)
    async with sessionmaker.begin() as s:
        await s.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=later))
    usage = UsageStamps()
    now = utc_now()
    usage.record(key_id, now)
    usage.record(key_id, now + timedelta(seconds=30))
    assert usage.pending() == {key_id: now}  # once a minute at most
    assert await usage.flush(sessionmaker) == 1
    assert await usage.flush(sessionmaker) == 0
    async with sessionmaker() as s:
        assert (await s.execute(select(ApiKey.last_used_at).where(ApiKey.id == key_id))).scalar_one() == later
    fresh = UsageStamps()
    fresh.seen(key_id, now)  # the row read with the key says it was stamped just now
    fresh.record(key_id, now + timedelta(seconds=5))
    assert fresh.pending() == {}


async def test_revoking_a_key_here_counts_on_the_next_request(tenant, sessionmaker):
    key_id = await _key_id(sessionmaker, tenant.api_key)
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 200
    r = await tenant.admin.post(f"/v1/api-keys/{key_id}/revoke")
    assert r.status_code == 200, r.text
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 401


async def test_logout_counts_on_the_next_request(tenant):
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 200
    assert (await tenant.agent.post("/v1/auth/logout")).status_code == 204
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 401


async def test_password_change_and_deactivation_count_on_the_next_request(app, tenant, sessionmaker):
    async with sessionmaker.begin() as s:
        other, _, _ = await auth_service.login(s, "agent@acme-sellers.test", "agent-password-1", timedelta(hours=1))
    async with _bearer(app, other) as elsewhere:
        assert (await elsewhere.get("/v1/auth/me")).status_code == 200
        assert (await tenant.agent.get("/v1/auth/me")).status_code == 200
        r = await tenant.agent.post(
            "/v1/auth/password", json={"current_password": "agent-password-1", "new_password": "teal-otter-sings-42"}
        )
        assert r.status_code == 204, r.text
        assert (await elsewhere.get("/v1/auth/me")).status_code == 401
        assert (await tenant.agent.get("/v1/auth/me")).status_code == 200  # the session that changed it stays
    # A new role's scopes and a deactivation count from the next request too.
    assert (await tenant.agent.get("/v1/webhooks")).status_code == 403
    r = await tenant.admin.patch(f"/v1/users/{tenant.agent_id}", json={"role": "admin"})
    assert r.status_code == 200, r.text
    assert (await tenant.agent.get("/v1/webhooks")).status_code == 200
    r = await tenant.admin.patch(f"/v1/users/{tenant.agent_id}", json={"is_active": False})
    assert r.status_code == 200, r.text
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 401


async def test_a_revocation_made_elsewhere_counts_once_the_ttl_has_passed(tenant, sessionmaker, clock):
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 200
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 200
    async with sessionmaker.begin() as s:  # as another API process or an operator would
        await s.execute(
            update(ApiKey).where(ApiKey.key_digest == token_digest(tenant.api_key)).values(revoked_at=utc_now())
        )
        await s.execute(update(User).where(User.id == tenant.agent_id).values(is_active=False))
    # Within the bound the cached credentials still pass ...
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 200
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 200
    clock.now += principals.ttl_seconds
    # ... and not once it has passed.
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 401
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 401
    assert (await tenant.admin.get("/v1/auth/me")).status_code == 200


async def test_an_expired_session_is_refused_even_while_cached(tenant, sessionmaker, monkeypatch):
    async with sessionmaker() as s:
        expires_at = (
            await s.execute(
                select(UserSession.expires_at).where(UserSession.token_digest == token_digest(tenant.agent_token))
            )
        ).scalar_one()
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 200  # cached, fresh for the TTL
    monkeypatch.setattr(dependencies, "utc_now", lambda: expires_at)
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 401
    assert (await tenant.api.get("/v1/auth/scopes")).status_code == 200  # keys have no expiry


def _principal(**kw) -> Principal:  # type: ignore[no-untyped-def]
    return Principal(organization_id=uuid.uuid4(), scopes=frozenset(), **kw)


def test_the_cache_is_bounded_and_forgets_by_key_user_or_digest():
    cache = PrincipalCache(ttl_seconds=5, max_entries=3)
    key_id, user_id = uuid.uuid4(), uuid.uuid4()
    cache.put("a", _principal(api_key_id=key_id))
    cache.put("b", _principal(user_id=user_id, session_id=uuid.uuid4()), session_expires_at=utc_now() + timedelta(1))
    cache.put("c", _principal(user_id=user_id, session_id=uuid.uuid4()), session_expires_at=utc_now() + timedelta(1))
    cache.put("d", _principal(api_key_id=uuid.uuid4()))
    assert len(cache) == 3 and cache.get("a", utc_now()) is None  # the oldest made room
    cache.forget(user_id=user_id)
    assert cache.get("b", utc_now()) is None and cache.get("c", utc_now()) is None
    cache.forget(digest="d")
    assert len(cache) == 0
    off = PrincipalCache(ttl_seconds=0)
    off.put("a", _principal(api_key_id=key_id))
    assert off.get("a", utc_now()) is None


async def test_a_lookup_racing_an_uncommitted_revocation_is_forgotten_at_commit(sessionmaker):
    key_id = uuid.uuid4()
    async with sessionmaker() as session:
        auth_cache.forget(session, api_key_id=key_id)
        # A concurrent request read the row before the revocation committed and cached it again ...
        principals.put("racing-digest", _principal(api_key_id=key_id))
        await session.commit()
    # ... the commit forgets it once more.
    assert principals.get("racing-digest", utc_now()) is None


async def _resolve_together(sessionmaker, token: str, n: int, gate: asyncio.Event) -> list:  # type: ignore[no-untyped-def]
    """`n` concurrent resolutions of one uncached token; the first read waits at `gate` until every
    other request is waiting too, then the gate opens."""

    async def one() -> Principal | None:
        async with sessionmaker() as s:
            return await dependencies.principal_for_token(s, token)

    tasks = [asyncio.create_task(one()) for _ in range(n)]
    for _ in range(10):  # let every task run up to its first wait
        await asyncio.sleep(0)
    gate.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def _gated_key_reads(monkeypatch, *, first_fails: bool) -> tuple[asyncio.Event, list]:  # type: ignore[no-untyped-def]
    """API-key reads that are counted; the first waits at the returned gate (then fails, if asked)."""
    principals.clear()
    gate, reads = asyncio.Event(), []
    real = dependencies.repository.live_api_key

    async def read(session, digest):  # type: ignore[no-untyped-def]
        reads.append(digest)
        if len(reads) == 1:
            await gate.wait()
            if first_fails:
                raise ConnectionResetError("the database went away")
        return await real(session, digest)

    monkeypatch.setattr(dependencies.repository, "live_api_key", read)
    return gate, reads


async def test_requests_that_miss_together_read_the_credential_once(tenant, sessionmaker, monkeypatch):
    gate, reads = _gated_key_reads(monkeypatch, first_fails=False)
    found = await _resolve_together(sessionmaker, tenant.api_key, 32, gate)
    assert len(reads) == 1
    assert all(isinstance(p, Principal) and p.organization_id == tenant.org_id for p in found)
    assert dependencies._reads == {}


async def test_when_the_shared_read_fails_the_others_read_for_themselves(tenant, sessionmaker, monkeypatch):
    gate, reads = _gated_key_reads(monkeypatch, first_fails=True)
    found = await _resolve_together(sessionmaker, tenant.api_key, 8, gate)
    assert isinstance(found[0], ConnectionResetError)
    assert all(isinstance(p, Principal) for p in found[1:])
    assert len(reads) >= 2 and dependencies._reads == {}
