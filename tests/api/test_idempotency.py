"""Idempotency-Key on POST: replay, mismatch (422), in flight (409), and who may replay what.

Authentication and authorisation run before any replay; replays are scoped to the credential and count
against its rate limit; failed outcomes (5xx/401/429) are never stored; the stored response is complete
before the first response is sent.
"""

import hashlib
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.auth import service as auth_service
from api.kit.errors import TooManyRequests, Unauthorized
from api.kit.time import utc_now
from api.models import IdempotencyRecord
from tests.helpers import inbound, make_channel


def _digest(path: str, body: bytes) -> str:
    return hashlib.sha256(b"POST\n" + path.encode() + b"?\n" + body).hexdigest()


async def _key_scope(client: httpx.AsyncClient) -> str:
    me = (await client.get("/v1/auth/me")).json()
    return f"key:{me['api_key_id']}"


async def _records(sessionmaker) -> list[IdempotencyRecord]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        return list((await s.execute(select(IdempotencyRecord))).scalars())


async def _login(app, email: str, password: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.post("/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        token = r.json()["token"]
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {token}"})


async def test_same_key_same_body_replays(tenant):
    channel = await make_channel(tenant.api)
    payload = inbound()
    h = {"Idempotency-Key": "k-1"}
    first = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload, headers=h)
    second = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"


async def test_reply_with_key_creates_one_message(tenant):
    channel = await make_channel(tenant.api)
    msg = (await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound())).json()
    h = {"Idempotency-Key": "reply-1"}
    for _ in range(3):
        r = await tenant.api.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Hi"}, headers=h)
        assert r.status_code == 201
    out = await tenant.api.get("/v1/messages", params={"direction": "outbound"})
    assert len(out.json()["items"]) == 1


async def test_same_key_other_body_is_422(tenant):
    channel = await make_channel(tenant.api)
    h = {"Idempotency-Key": "k-2"}
    await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(), headers=h)
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(), headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_key_in_flight_is_409(tenant, sessionmaker):
    scope = await _key_scope(tenant.api)
    body = b'{"marketplace":"api","name":"x"}'
    async with sessionmaker.begin() as s:
        await s.execute(
            insert(IdempotencyRecord).values(
                principal=scope, key="busy", method="POST", path="/v1/channels", request_digest="x" * 64
            )
        )
        await s.execute(
            insert(IdempotencyRecord).values(
                principal=scope,
                key="busy2",
                method="POST",
                path="/v1/channels",
                request_digest=_digest("/v1/channels", body),
            )
        )
    r = await tenant.api.post(
        "/v1/channels", json={"marketplace": "api", "name": "x"}, headers={"Idempotency-Key": "busy"}
    )
    # Different digest from the in-flight record: the mismatch wins over "in flight".
    assert r.status_code == 422
    r = await tenant.api.post(
        "/v1/channels", content=body, headers={"Idempotency-Key": "busy2", "content-type": "application/json"}
    )
    assert r.status_code == 409 and r.headers["retry-after"] == "1"


async def test_stale_in_flight_record_is_taken_over(tenant, sessionmaker):
    """A record left in flight by a process that died is taken over once it is older than STALE_AFTER."""
    scope = await _key_scope(tenant.api)
    body = b'{"marketplace":"api","name":"after-crash"}'
    async with sessionmaker.begin() as s:
        await s.execute(
            insert(IdempotencyRecord).values(
                principal=scope,
                key="crashed",
                method="POST",
                path="/v1/channels",
                request_digest=_digest("/v1/channels", body),
                created_at=utc_now() - timedelta(minutes=5),
            )
        )
    h = {"Idempotency-Key": "crashed", "content-type": "application/json"}
    first = await tenant.api.post("/v1/channels", content=body, headers=h)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    (record,) = await _records(sessionmaker)
    assert record.response_status == 201 and record.completed_at is not None
    # The taken-over record now replays like any other.
    again = await tenant.api.post("/v1/channels", content=body, headers=h)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    channels = (await tenant.api.get("/v1/channels")).json()
    items = channels["items"] if isinstance(channels, dict) else channels
    assert [c["name"] for c in items].count("after-crash") == 1


async def test_keys_are_scoped_per_credential(tenant):
    channel = await make_channel(tenant.api)
    h = {"Idempotency-Key": "shared"}
    a = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(), headers=h)
    b = await tenant.admin.post("/v1/channels", json={"marketplace": "api", "name": "y"}, headers=h)
    assert a.status_code == 201 and b.status_code == 201


async def test_logged_out_session_cannot_replay_the_api_key_secret(app, tenant, sessionmaker):
    admin = await _login(app, "admin@acme-sellers.test", "admin-password-1")
    body = {"name": "erp-2", "scopes": ["orders:read"]}
    h = {"Idempotency-Key": "create-key"}
    first = await admin.post("/v1/api-keys", json=body, headers=h)
    assert first.status_code == 201
    secret = first.json()["key"]
    assert (await admin.post("/v1/auth/logout")).status_code == 204
    replay = await admin.post("/v1/api-keys", json=body, headers=h)
    assert replay.status_code == 401
    assert secret not in replay.text and "idempotent-replayed" not in replay.headers
    # A fresh session of the same admin is another credential: no replay of the secret either.
    again = await _login(app, "admin@acme-sellers.test", "admin-password-1")
    r = await again.post("/v1/api-keys", json=body, headers=h)
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers and r.json()["key"] != secret


async def test_revoked_key_cannot_replay(tenant):
    created = (await tenant.admin.post("/v1/api-keys", json={"name": "temp", "scopes": ["channels:write"]})).json()
    temp = httpx.AsyncClient(
        transport=tenant.admin._transport, base_url="http://test", headers={"Authorization": f"Bearer {created['key']}"}
    )
    h = {"Idempotency-Key": "c-1"}
    assert (await temp.post("/v1/channels", json={"marketplace": "api", "name": "z"}, headers=h)).status_code == 201
    await tenant.admin.post(f"/v1/api-keys/{created['id']}/revoke")
    r = await temp.post("/v1/channels", json={"marketplace": "api", "name": "z"}, headers=h)
    assert r.status_code == 401 and "idempotent-replayed" not in r.headers


async def test_replay_requires_the_authorisation_of_now(app, tenant, sessionmaker):
    """An admin demoted to agent replays a stored api-key creation: 403, not the secret."""
    async with sessionmaker.begin() as s:
        await auth_service.create_user(
            s, tenant.org_id, email="boss@acme.test", name="Boss", password="boss-password-1", role="admin"
        )
    boss = await _login(app, "boss@acme.test", "boss-password-1")
    body = {"name": "boss-key", "scopes": ["orders:read"]}
    h = {"Idempotency-Key": "boss-1"}
    first = await boss.post("/v1/api-keys", json=body, headers=h)
    assert first.status_code == 201
    me = (await boss.get("/v1/auth/me")).json()
    assert (await tenant.admin.patch(f"/v1/users/{me['user']['id']}", json={"role": "agent"})).status_code == 200
    r = await boss.post("/v1/api-keys", json=body, headers=h)
    assert r.status_code == 403 and first.json()["key"] not in r.text


async def test_replays_count_against_the_rate_limit(tenant):
    created = await tenant.admin.post(
        "/v1/api-keys", json={"name": "slow", "scopes": ["channels:write"], "rate_limit_per_minute": 3}
    )
    slow = httpx.AsyncClient(
        transport=tenant.admin._transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {created.json()['key']}", "Idempotency-Key": "same"},
    )
    body = {"marketplace": "api", "name": "limited"}
    statuses = [(await slow.post("/v1/channels", json=body)).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    r = await slow.post("/v1/channels", json=body)
    assert r.status_code == 429 and "idempotent-replayed" not in r.headers and int(r.headers["Retry-After"]) >= 1


async def test_unauthenticated_callers_store_nothing(client, tenant, sessionmaker):
    h = {"Idempotency-Key": "anon", "Authorization": "Bearer hg_not_a_key"}
    r = await client.post("/v1/api-keys", json={"name": "x", "scopes": ["orders:read"]}, headers=h)
    assert r.status_code == 401
    r = await client.post(
        "/v1/auth/login", json={"email": "agent@acme-sellers.test", "password": "agent-password-1"}, headers=h
    )
    assert r.status_code == 200
    r = await client.post("/v1/channels", json={"marketplace": "api", "name": "x"}, headers={"Idempotency-Key": "none"})
    assert r.status_code == 401
    assert await _records(sessionmaker) == []


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (RuntimeError("database fell over"), 500),
        (Unauthorized("credential went away mid-request"), 401),
        (TooManyRequests("slow down", headers={"Retry-After": "3"}), 429),
    ],
)
async def test_failed_outcomes_are_neither_stored_nor_replayed(app, tenant, sessionmaker, monkeypatch, failure, status):
    original = auth_service.create_api_key

    async def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise failure

    monkeypatch.setattr(auth_service, "create_api_key", failing)
    admin = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://test",
        headers={"Authorization": f"Bearer {tenant.admin_token}", "Idempotency-Key": "flaky"},
    )
    body = {"name": "flaky", "scopes": ["orders:read"]}
    r = await admin.post("/v1/api-keys", json=body)
    assert r.status_code == status
    assert await _records(sessionmaker) == []
    monkeypatch.setattr(auth_service, "create_api_key", original)
    retry = await admin.post("/v1/api-keys", json=body)
    assert retry.status_code == 201 and "idempotent-replayed" not in retry.headers
    assert retry.json()["key"].startswith("hg_")


class _SecondRequestWhenFirstIsSent:
    """ASGI wrapper: the moment the first response leaves the app, send the same request again.

    This is the earliest a client can repeat a request, so the stored record must be complete by then.
    """

    def __init__(self, app, repeat):  # type: ignore[no-untyped-def]
        self.app = app
        self.repeat = repeat
        self.second: httpx.Response | None = None

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        async def watch(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.body" and not message.get("more_body") and self.second is None:
                self.second = await self.repeat()
            await send(message)

        await self.app(scope, receive, watch)


@pytest.mark.parametrize("operation", ["reply", "api_key"])
async def test_sequential_replay_never_sees_in_flight(app, tenant, operation):
    if operation == "reply":
        channel = await make_channel(tenant.api)
        msg = (await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound())).json()
        path, body, token = f"/v1/conversations/{msg['conversation_id']}/replies", {"body": "Hi"}, tenant.api_key
    else:
        path, body, token = "/v1/api-keys", {"name": "seq", "scopes": ["orders:read"]}, tenant.admin_token
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"seq-{operation}"}
    direct = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)

    async def repeat() -> httpx.Response:
        return await direct.post(path, json=body)

    watcher = _SecondRequestWhenFirstIsSent(app, repeat)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=watcher), base_url="http://test") as c:
        first = await c.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert watcher.second is not None
    assert watcher.second.status_code == 201, watcher.second.text
    assert watcher.second.headers["idempotent-replayed"] == "true"
    assert watcher.second.json() == first.json()
    # And a plain sequential double POST, as a client would send it.
    third = await direct.post(path, json=body)
    assert third.status_code == 201 and third.json() == first.json()


def _api_routes(routes):  # type: ignore[no-untyped-def]
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from _api_routes(route.original_router.routes)


def _calls(dependant):  # type: ignore[no-untyped-def]
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def test_every_authenticated_post_route_goes_through_the_gate(app):
    """A POST route that authenticates must take its principal from a dependency that ends with the
    idempotency gate (`authenticated`, `require(...)`, `require_role(...)`), never from `authenticate`
    alone, or its replays would skip authorisation. Unauthenticated routes store nothing."""
    from api.auth.dependencies import authenticate

    unauthenticated = {"/v1/auth/login"}
    checked = 0
    for route in _api_routes(app.router.routes):
        # /help/... and /csat/{token}: the public help pages and survey pages, for buyers with no
        # account (rate-limited, not idempotent; a survey's token is its only authority).
        public = route.path.startswith(("/v1/hooks/", "/help/", "/csat/"))
        if "POST" not in route.methods or route.path in unauthenticated or public:
            continue
        calls = list(_calls(route.dependant))
        assert authenticate in calls, f"POST {route.path} does not authenticate"
        assert any(getattr(c, "authorises", False) for c in calls), f"POST {route.path} bypasses the gate"
        checked += 1
    assert checked >= 20
