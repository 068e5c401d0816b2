"""Accounts: login throttling, password strength, sessions ended by a password change, and email
addresses that do not leak across organizations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from redis.asyncio import Redis
from typer.testing import CliRunner

from api.auth import service as auth_service
from api.auth.throttle import ACCOUNT, CLEAN_PER_MINUTE, PAIR, LoginThrottle, delay_after
from api.kit.errors import InvalidInput

AGENT = "agent@acme-sellers.test"
WEAK = ["aaaaaaaaaa", "1234567890", "password12"]


def _from(app, address: str, token: str | None = None) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


async def _login(c: httpx.AsyncClient, email: str, password: str, **extra: str) -> httpx.Response:
    return await c.post("/v1/auth/login", json={"email": email, "password": password, **extra})


# --- throttling ---------------------------------------------------------------------------------


def test_delays_grow_and_are_capped():
    assert [delay_after(n, PAIR) for n in range(1, 10)] == [0, 0, 0, 0, 0, 2, 4, 8, 16]
    assert delay_after(100, PAIR) == PAIR.max_seconds == 900
    # The account-wide block (what a distributed attacker can impose on a user) stays short.
    assert delay_after(10_000, ACCOUNT) == 60


async def test_forty_wrong_passwords_are_throttled(app, tenant):
    with time_machine.travel(datetime(2026, 12, 4, 12, 0, tzinfo=UTC), tick=False) as clock:
        async with _from(app, "198.51.100.7") as c:
            responses = [await _login(c, AGENT, f"wrong-guess-{i}") for i in range(40)]
            statuses = [r.status_code for r in responses]
            # Five free failures, the sixth starts a 2 s block; everything after it is refused unchecked.
            assert statuses == [401] * 6 + [429] * 34
            for r in responses[6:]:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["type"].endswith("rate-limited")
                assert int(r.headers["Retry-After"]) == 2
            # Blocked means blocked: even the right password waits.
            assert (await _login(c, AGENT, "agent-password-1")).status_code == 429
            clock.shift(timedelta(seconds=3))
            assert (await _login(c, AGENT, "wrong-again")).status_code == 401  # 7th failure: 4 s now
            r = await _login(c, AGENT, "agent-password-1")
            assert r.status_code == 429 and int(r.headers["Retry-After"]) == 4
            clock.shift(timedelta(seconds=5))
            assert (await _login(c, AGENT, "agent-password-1")).status_code == 200


async def test_distributed_guessing_does_not_lock_out_the_real_user(app, tenant):
    with time_machine.travel(datetime(2026, 12, 4, 12, 0, 5, tzinfo=UTC), tick=False):
        # Twelve attacker addresses, one guess each: the account passes its 10 free failures.
        for i in range(12):
            async with _from(app, f"203.0.113.{i}") as c:
                assert (await _login(c, AGENT, f"guess-{i}")).status_code == 401
        async with _from(app, "203.0.113.1") as c:  # an address that has failed: blocked for this account
            r = await _login(c, AGENT, "agent-password-1")
            assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
        async with _from(app, "192.0.2.10") as user:  # the user's own address, no failures: let in
            assert (await _login(user, AGENT, "agent-password-1")).status_code == 200
        # The looser path is bounded too: fresh addresses get CLEAN_PER_MINUTE attempts a minute.
        statuses = []
        for i in range(CLEAN_PER_MINUTE + 3):
            async with _from(app, f"198.18.0.{i}") as c:
                statuses.append((await _login(c, AGENT, f"botnet-{i}")).status_code)
        # (The twelfth guess above and the user's login already used two of this minute's attempts.)
        assert statuses == [401] * (CLEAN_PER_MINUTE - 2) + [429] * 5


async def test_parallel_guesses_cannot_outrun_the_count(app, tenant):
    """Each attempt is counted in the same atomic step as the check, before the password is verified."""
    with time_machine.travel(datetime(2026, 12, 4, 12, 0, tzinfo=UTC), tick=False):
        async with _from(app, "198.51.100.8") as c:
            responses = await asyncio.gather(*(_login(c, AGENT, f"parallel-{i}") for i in range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * (PAIR.free_failures + 1) + [429] * (20 - PAIR.free_failures - 1)


async def test_one_address_spraying_many_accounts_is_throttled(app, tenant):
    with time_machine.travel(datetime(2026, 12, 4, 12, 0, tzinfo=UTC), tick=False):
        async with _from(app, "198.51.100.99") as c:
            statuses = [(await _login(c, f"user{i}@nowhere.test", "wrong-password")).status_code for i in range(32)]
            assert statuses[:31] == [401] * 31 and statuses[31] == 429
            assert (await _login(c, AGENT, "agent-password-1")).status_code == 429
        async with _from(app, "198.51.100.100") as other:
            assert (await _login(other, AGENT, "agent-password-1")).status_code == 200


async def test_throttle_keeps_counting_in_process_when_redis_is_down():
    # A closed loopback port: every Redis call fails, so the process's own counters take over.
    throttle = LoginThrottle(Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5))
    now = 1_800_000_000.0
    for _ in range(PAIR.free_failures + 1):
        assert (await throttle.attempt("a@b.test", "192.0.2.1", now)).allowed
    verdict = await throttle.attempt("a@b.test", "192.0.2.1", now)
    assert not verdict.allowed and verdict.retry_after == 2
    assert (await throttle.attempt("a@b.test", "192.0.2.2", now)).allowed


# --- password strength --------------------------------------------------------------------------


@pytest.mark.parametrize("weak", WEAK)
async def test_weak_passwords_are_refused_everywhere(tenant, sessionmaker, weak):
    r = await tenant.admin.post("/v1/users", json={"email": "new@acme.test", "name": "New", "password": weak})
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["field"] == "body.password" and error["reason"].startswith("too easy to guess: ")
    assert len(error["reason"]) > len("too easy to guess: ") + 10  # zxcvbn's advice is in the reason

    r = await tenant.admin.patch(f"/v1/users/{tenant.agent_id}", json={"password": weak})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.password"

    r = await tenant.agent.post(
        "/v1/auth/password", json={"current_password": "agent-password-1", "new_password": weak}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.new_password"

    async with sessionmaker() as s:
        with pytest.raises(InvalidInput):
            await auth_service.create_user(s, tenant.org_id, email="x@acme.test", name="X", password=weak)

    from hourglass.cli import app as cli

    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-user",
            "--org",
            "acme-sellers",
            "--email",
            "cli@acme.test",
            "--name",
            "Cli",
            "--password",
            weak,
        ],
    )
    assert result.exit_code != 0 and "too easy to guess" in result.output


async def test_password_containing_the_address_is_weak(tenant):
    r = await tenant.admin.post(
        "/v1/users", json={"email": "mandy.moore@acme.test", "name": "Mandy Moore", "password": "mandymoore123"}
    )
    assert r.status_code == 422


# --- sessions end when the password changes ------------------------------------------------------


async def test_changing_own_password_ends_every_other_session(app, tenant):
    async with _from(app, "192.0.2.20") as c:
        first = (await _login(c, AGENT, "agent-password-1")).json()["token"]
        second = (await _login(c, AGENT, "agent-password-1")).json()["token"]
    async with _from(app, "192.0.2.20", first) as me:
        r = await me.post(
            "/v1/auth/password", json={"current_password": "agent-password-1", "new_password": "teal-otter-sings-42"}
        )
        assert r.status_code == 204, r.text
        assert (await me.get("/v1/auth/me")).status_code == 200  # the session making the change stays
    for token in (second, tenant.agent_token):
        async with _from(app, "192.0.2.20", token) as old:
            assert (await old.get("/v1/auth/me")).status_code == 401
    async with _from(app, "192.0.2.21") as c:
        assert (await _login(c, AGENT, "agent-password-1")).status_code == 401
        assert (await _login(c, AGENT, "teal-otter-sings-42")).status_code == 200
    async with _from(app, "192.0.2.20", first) as me:
        r = await me.post("/v1/auth/password", json={"current_password": "nope", "new_password": "teal-otter-sings-43"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.current_password"


async def test_admin_reset_ends_the_users_sessions(app, tenant):
    r = await tenant.admin.patch(f"/v1/users/{tenant.agent_id}", json={"password": "violet-harbor-lamp-9"})
    assert r.status_code == 200
    assert (await tenant.agent.get("/v1/auth/me")).status_code == 401
    assert (await tenant.admin.get("/v1/auth/me")).status_code == 200
    # An admin resetting their own password keeps the session making the change, loses the others.
    async with _from(app, "192.0.2.30") as c:
        other_admin_session = (await _login(c, "admin@acme-sellers.test", "admin-password-1")).json()["token"]
    r = await tenant.admin.patch(f"/v1/users/{tenant.admin_id}", json={"password": "amber-castle-road-5"})
    assert r.status_code == 200
    assert (await tenant.admin.get("/v1/auth/me")).status_code == 200
    async with _from(app, "192.0.2.30", other_admin_session) as old:
        assert (await old.get("/v1/auth/me")).status_code == 401


# --- addresses do not leak across organizations ---------------------------------------------------


async def test_address_of_another_organization_is_not_revealed(app, tenant, other_tenant):
    taken_elsewhere = "agent@other-org.test"
    fresh = await tenant.admin.post(
        "/v1/users", json={"email": "nobody-yet@acme.test", "name": "Fresh", "password": "quiet-maple-river-3"}
    )
    elsewhere = await tenant.admin.post(
        "/v1/users", json={"email": taken_elsewhere, "name": "Twin", "password": "quiet-maple-river-4"}
    )
    assert fresh.status_code == elsewhere.status_code == 201
    assert set(fresh.json()) == set(elsewhere.json())
    assert elsewhere.json()["organization_id"] == str(tenant.org_id)
    # Within one organization an address is still unique (the admin sees those users anyway).
    again = await tenant.admin.post(
        "/v1/users", json={"email": taken_elsewhere.upper(), "name": "Twin 2", "password": "quiet-maple-river-5"}
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "body.email"

    async with _from(app, "192.0.2.40") as c:
        theirs = await _login(c, taken_elsewhere, "agent-password-1")
        ours = await _login(c, taken_elsewhere, "quiet-maple-river-4")
        assert theirs.status_code == ours.status_code == 200
        assert theirs.json()["user"]["organization_id"] == str(other_tenant.org_id)
        assert ours.json()["user"]["organization_id"] == str(tenant.org_id)


async def test_same_address_and_password_in_two_organizations_needs_the_organization(app, tenant, other_tenant):
    r = await tenant.admin.post(
        "/v1/users", json={"email": "admin@other-org.test", "name": "Same", "password": "admin-password-1"}
    )
    assert r.status_code == 201
    async with _from(app, "192.0.2.50") as c:
        r = await _login(c, "admin@other-org.test", "admin-password-1")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.organization"
        r = await _login(c, "admin@other-org.test", "admin-password-1", organization="other-org")
        assert r.status_code == 200 and r.json()["user"]["organization_id"] == str(other_tenant.org_id)
        r = await _login(c, "admin@other-org.test", "admin-password-1", organization="acme-sellers")
        assert r.status_code == 200 and r.json()["user"]["organization_id"] == str(tenant.org_id)
        assert (await _login(c, "admin@other-org.test", "admin-password-1", organization="nope")).status_code == 401
