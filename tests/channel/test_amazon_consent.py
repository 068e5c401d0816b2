"""Amazon SP-API website authorization with Login with Amazon, end to end through the sandbox's
Seller Central consent page and LWA token endpoint: the relay channel is connected with its form,
then authorized; the refresh token is stored encrypted beside the relay logins; refusals (denied,
invalid_grant, bad or expired state, another organization's channel) are named."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from api.channel import authorize
from api.models import AuditEntry, Channel
from sandbox import Sandbox
from sandbox.admin import store_json
from tests.connectors.helpers import channel_body, sandbox_allowed
from tests.sync.test_connect_consent import PUBLIC, consent, run_callback

SP_KEYS = ("lwa_client_id", "lwa_client_secret", "refresh_token", "access_token")


@pytest.fixture
def amazon_app(app, sb: Sandbox, monkeypatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from hourglass.demo import demo_connect_apps

    configured = demo_connect_apps([store_json(sb.state, sb.store("amazon"))], sb.http_url)
    settings = app.state.settings
    monkeypatch.setattr(settings, "connect_apps", configured)
    monkeypatch.setattr(settings, "public_url", PUBLIC)
    monkeypatch.setattr(settings, "outbound_allowed", sandbox_allowed(sb))
    sb.store("amazon").credentials["redirect_uri"] = f"{PUBLIC}/v1/channels/connect/amazon/callback"
    return configured["amazon"]


async def relay_channel(client: Any, sb: Sandbox) -> dict[str, Any]:
    """The Amazon store connected with its relay form only (no SP-API yet)."""
    body = channel_body(sb, "amazon")
    body["credentials"] = {k: v for k, v in body["credentials"].items() if k not in SP_KEYS}
    body["verify"] = False
    r = await client.post("/v1/channels", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def start(client: Any, channel_id: str) -> str:
    r = await client.post("/v1/channels/connect/amazon/start", params={"channel_id": channel_id})
    assert r.status_code == 200, r.text
    return str(r.json()["authorize_url"])


async def stored(sessionmaker, app, channel_id: str) -> tuple[Channel, dict[str, Any]]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        channel = (await session.execute(select(Channel).where(Channel.id == uuid.UUID(channel_id)))).scalar_one()
    return channel, dict(app.state.cipher.decrypt(channel.credentials_encrypted))


async def test_consent_authorizes_sp_api_on_the_relay_channel(tenant, sb, amazon_app, client, app, sessionmaker):
    channel = await relay_channel(tenant.admin, sb)
    url = await start(tenant.admin, channel["id"])
    parts = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{sb.http_url}/apps/authorize/consent?")
    assert parts["application_id"] == [sb.store("amazon").credentials["application_id"]]
    assert parts["redirect_uri"] == [f"{PUBLIC}/v1/channels/connect/amazon/callback"]
    back = await consent(sb, url)
    query = parse_qs(urlsplit(back).query)
    assert query["selling_partner_id"] == [sb.store("amazon").credentials["seller_id"]]
    assert query["spapi_oauth_code"] and query["state"] == parts["state"]
    outcome = await run_callback(client, back)
    assert outcome["result"] == ["connected"] and outcome["channel"] == [channel["id"]], outcome

    row, credentials = await stored(sessionmaker, app, channel["id"])
    # The relay logins are kept; the seller's refresh token is added, encrypted at rest.
    assert credentials["imap_password"] == sb.store("amazon").credentials["imap_password"]
    assert credentials["refresh_token"].startswith("Atzr|")
    assert credentials["lwa_client_id"] == amazon_app["lwa_client_id"]
    raw = row.credentials_encrypted
    assert credentials["refresh_token"].encode() not in (raw if isinstance(raw, bytes) else str(raw).encode())
    assert row.settings["selling_partner_id"] == sb.store("amazon").credentials["seller_id"]
    # The new refresh token works at LWA (the refresh_token grant), as the connector will use it.
    async with httpx.AsyncClient(base_url=sb.http_url, trust_env=False) as lwa:
        r = await lwa.post(
            "/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": credentials["refresh_token"],
                "client_id": credentials["lwa_client_id"],
                "client_secret": credentials["lwa_client_secret"],
            },
        )
        assert r.status_code == 200 and r.json()["token_type"] == "bearer" and r.json()["expires_in"] == 3600
    read = (await tenant.admin.get(f"/v1/channels/{channel['id']}")).json()
    assert "Atzr" not in str(read) and read["has_credentials"]
    async with sessionmaker() as session:
        actions = (
            await session.execute(select(AuditEntry.action).where(AuditEntry.entity_id == channel["id"]))
        ).scalars()
        assert "channel.authorized" in list(actions)
    assert len((await tenant.admin.get("/v1/channels")).json()["items"]) == 1


async def test_lwa_authorization_code_grant_errors_are_lwas(sb, amazon_app):
    store = sb.store("amazon").credentials
    base = {
        "grant_type": "authorization_code",
        "client_id": store["lwa_client_id"],
        "client_secret": store["lwa_client_secret"],
        "redirect_uri": store["redirect_uri"],
    }
    async with httpx.AsyncClient(base_url=sb.http_url, trust_env=False) as lwa:
        r = await lwa.post("/auth/o2/token", data={**base, "code": "ANDGnotacode"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant" and r.json()["error_description"]
        r = await lwa.post("/auth/o2/token", data=base)
        assert r.status_code == 400 and r.json()["error"] == "invalid_request"
        r = await lwa.post("/auth/o2/token", data={**base, "client_secret": "wrong", "code": "x"})
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        r = await lwa.post("/auth/o2/token", data={**base, "grant_type": "password", "code": "x"})
        assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


async def test_a_spent_or_stale_code_is_invalid_grant(tenant, sb, amazon_app, client, app, sessionmaker):
    channel = await relay_channel(tenant.admin, sb)
    back = await consent(sb, await start(tenant.admin, channel["id"]))
    code = parse_qs(urlsplit(back).query)["spapi_oauth_code"][0]
    # The code lives 5 minutes: the sandbox's world clock moves past it.
    sb.state.clock.advance(301)
    outcome = await run_callback(client, back)
    assert outcome["result"] == ["error"] and outcome["reason"] == ["exchange_refused"]
    assert outcome["code"] == ["invalid_grant"], outcome
    status, _ = sb.state.tokens.check(code, sb.state.clock.now(), ("code",))
    assert status == "expired"
    _, credentials = await stored(sessionmaker, app, channel["id"])
    assert "refresh_token" not in credentials


async def test_denied_consent_and_bad_states_are_named(tenant, sb, amazon_app, client, app, redis):
    channel = await relay_channel(tenant.admin, sb)
    back = await consent(sb, await start(tenant.admin, channel["id"]), decision="deny")
    assert (await run_callback(client, back))["reason"] == ["denied"]
    back = await consent(sb, await start(tenant.admin, channel["id"]))
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    for bad in ("", "garbage", query["state"][:-3] + "abc"):
        r = await client.get("/v1/channels/connect/amazon/callback", params={**query, "state": bad})
        assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["state_invalid"], bad
    secret = app.state.settings.secret_key.get_secret_value()
    expired = authorize.ConnectState(
        "amazon", tenant.org_id, tenant.admin_id, "a1", int(time.time()) - 1, uuid.UUID(channel["id"])
    )
    await redis.set("hourglass:channel-connect:a1", "amazon", ex=60)
    r = await client.get(
        "/v1/channels/connect/amazon/callback", params={**query, "state": authorize.sign_state(secret, expired)}
    )
    assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["state_expired"]
    # The good state still works once, then not again.
    assert (await run_callback(client, back))["result"] == ["connected"]
    assert (await run_callback(client, back))["reason"] == ["state_used"]


async def test_amazon_needs_its_own_channel_of_this_organization(tenant, other_tenant, sb, amazon_app):
    r = await tenant.admin.post("/v1/channels/connect/amazon/start")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.channel_id"
    foreign = await relay_channel(other_tenant.admin, sb)
    r = await tenant.admin.post("/v1/channels/connect/amazon/start", params={"channel_id": foreign["id"]})
    assert r.status_code == 404
    api_channel = await tenant.admin.post("/v1/channels", json={"marketplace": "api", "name": "ERP"})
    r = await tenant.admin.post("/v1/channels/connect/amazon/start", params={"channel_id": api_channel.json()["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.channel_id"
    assert (await tenant.admin.get("/v1/channels/connect")).json() == {"consent": ["amazon"]}


async def test_a_state_for_a_channel_of_another_organization_changes_nothing(
    tenant, other_tenant, sb, amazon_app, client, app, redis, sessionmaker
):
    victim = await relay_channel(other_tenant.admin, sb)
    before, _ = await stored(sessionmaker, app, victim["id"])
    back = await consent(sb, await start(tenant.admin, (await relay_channel(tenant.admin, sb))["id"]))
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    secret = app.state.settings.secret_key.get_secret_value()
    # Signed by us for this organization's admin, but naming the other organization's channel.
    forged = authorize.ConnectState(
        "amazon", tenant.org_id, tenant.admin_id, "a2", int(time.time()) + 60, uuid.UUID(victim["id"])
    )
    await redis.set("hourglass:channel-connect:a2", "amazon", ex=60)
    r = await client.get(
        "/v1/channels/connect/amazon/callback", params={**query, "state": authorize.sign_state(secret, forged)}
    )
    assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["wrong_organization"]
    after, _ = await stored(sessionmaker, app, victim["id"])
    assert after.credentials_encrypted == before.credentials_encrypted


async def test_the_seller_central_page_refuses_bad_links(sb, amazon_app):
    async with httpx.AsyncClient(base_url=sb.http_url, trust_env=False) as browser:
        r = await browser.get("/apps/authorize/consent", params={"application_id": "amzn1.sellerapps.app.nope"})
        assert r.status_code == 400 and "application_id" in r.text
        r = await browser.get("/apps/authorize/consent", params={"application_id": ""})
        assert r.status_code == 400
        app_id = sb.store("amazon").credentials["application_id"]
        r = await browser.get(
            "/apps/authorize/consent", params={"application_id": app_id, "redirect_uri": "https://evil.example/cb"}
        )
        assert r.status_code == 400 and "redirect" in r.text
