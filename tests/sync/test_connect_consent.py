"""Connecting a store through the marketplace's consent page (eBay OAuth, Shopee partner
authorization, TikTok Shop app authorization), end to end against the sandbox's consent pages and
token endpoints: start, Allow/Deny, callback, tokens encrypted, channel created or updated."""

from __future__ import annotations

import html
import re
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

PUBLIC = "http://hourglass.test"


@pytest.fixture
def apps(app, sb: Sandbox, monkeypatch) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The sandbox's first stores as this deployment's marketplace apps; only the sandbox's own
    host:ports allowed outbound; callbacks registered as a developer registers them."""
    from hourglass.demo import demo_connect_apps

    stores = [store_json(sb.state, sb.store(m)) for m in ("ebay", "shopee", "tiktok")]
    configured = demo_connect_apps(stores, sb.http_url)
    settings = app.state.settings
    monkeypatch.setattr(settings, "connect_apps", configured)
    monkeypatch.setattr(settings, "public_url", PUBLIC)
    monkeypatch.setattr(settings, "outbound_allowed", sandbox_allowed(sb))
    for m in ("ebay", "tiktok"):
        sb.store(m).credentials["redirect_uri"] = f"{PUBLIC}/v1/channels/connect/{m}/callback"
    return configured


async def consent(sb: Sandbox, authorize_url: str, decision: str = "allow") -> str:
    """The seller at the marketplace's consent page: the page, then Allow or Deny; returns where the
    marketplace sends the browser back (our callback, with its query)."""
    async with httpx.AsyncClient(trust_env=False, timeout=10) as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text
        assert "consent-allow" in page.text and "consent-deny" in page.text
        fields = {k: html.unescape(v) for k, v in re.findall(r"name='([^']+)' value='([^']*)'", page.text)}
        fields.pop("decision", None)
        # A form without an action posts back to the page's own URL, query included.
        answer = await browser.post(authorize_url, data={**fields, "decision": decision})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


async def run_callback(client: httpx.AsyncClient, back: str) -> dict[str, list[str]]:
    """The browser following the marketplace's redirect to our callback (no bearer token)."""
    parts = urlsplit(back)
    assert back.startswith(PUBLIC), back
    r = await client.get(f"{parts.path}?{parts.query}")
    assert r.status_code == 303, r.text
    target = r.headers["location"]
    assert target.startswith(f"{PUBLIC}/settings/channels?"), target
    return parse_qs(urlsplit(target).query)


async def start(tenant: Any, marketplace: str) -> str:
    r = await tenant.admin.post(f"/v1/channels/connect/{marketplace}/start")
    assert r.status_code == 200, r.text
    assert r.json()["expires_in"] == authorize.STATE_TTL_SECONDS
    return str(r.json()["authorize_url"])


async def channels_of(sessionmaker, org_id: uuid.UUID) -> list[Channel]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return list((await session.execute(select(Channel).where(Channel.organization_id == org_id))).scalars())


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_consent_connects_the_store_and_keeps_tokens_encrypted(
    marketplace, tenant, sb, apps, client, app, sessionmaker
):
    url = await start(tenant, marketplace)
    assert url.startswith(sb.http_url)
    back = await consent(sb, url)
    outcome = await run_callback(client, back)
    assert outcome["result"] == ["connected"], outcome
    channels = await channels_of(sessionmaker, tenant.org_id)
    assert [str(c.id) for c in channels] == outcome["channel"]
    channel = channels[0]
    assert channel.marketplace == marketplace and channel.status == "active"
    credentials = app.state.cipher.decrypt(channel.credentials_encrypted)
    assert credentials["access_token"] and credentials["refresh_token"]
    # Encrypted at rest: no token appears in the stored bytes.
    raw = channel.credentials_encrypted
    assert credentials["access_token"].encode() not in (raw if isinstance(raw, bytes) else str(raw).encode())
    store = sb.store(marketplace)
    if marketplace == "ebay":
        assert channel.settings["seller_username"] == store.credentials["seller_username"]
    else:
        assert str(credentials["shop_id"]) == str(store.credentials["shop_id"])
    read = (await tenant.admin.get(f"/v1/channels/{channel.id}")).json()
    assert read["has_credentials"] and "access_token" not in str(read)
    async with sessionmaker() as session:
        actions = (
            await session.execute(select(AuditEntry.action).where(AuditEntry.entity_id == str(channel.id)))
        ).scalars()
        assert "channel.created" in list(actions)

    # Connecting the same store again updates its channel (new tokens), no second channel.
    again = await run_callback(client, await consent(sb, await start(tenant, marketplace)))
    assert again["result"] == ["connected"] and again["channel"] == outcome["channel"]
    assert len(await channels_of(sessionmaker, tenant.org_id)) == 1


async def test_denied_consent_connects_nothing(tenant, sb, apps, client, sessionmaker):
    for marketplace in ("ebay", "shopee", "tiktok"):
        back = await consent(sb, await start(tenant, marketplace), decision="deny")
        outcome = await run_callback(client, back)
        assert outcome["result"] == ["error"] and outcome["reason"] == ["denied"], (marketplace, outcome)
    assert await channels_of(sessionmaker, tenant.org_id) == []


async def test_replayed_state_is_refused(tenant, sb, apps, client, sessionmaker):
    back = await consent(sb, await start(tenant, "tiktok"))
    assert (await run_callback(client, back))["result"] == ["connected"]
    replay = await run_callback(client, back)
    assert replay["reason"] == ["state_used"]


async def test_tampered_and_foreign_states_are_refused(tenant, sb, apps, client, sessionmaker):
    back = await consent(sb, await start(tenant, "ebay"))
    query = parse_qs(urlsplit(back).query)
    state = query["state"][0]
    payload, mac = state.split(".")
    flipped = ("A" if payload[5] != "A" else "B").join((payload[:5], payload[6:]))
    for bad in (f"{flipped}.{mac}", f"{payload}.{mac[:-2]}xx", "", "garbage"):
        r = await client.get("/v1/channels/connect/ebay/callback", params={"state": bad, "code": query["code"][0]})
        assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["state_invalid"], bad
    # A state issued for eBay is not good at TikTok's callback.
    r = await client.get("/v1/channels/connect/tiktok/callback", params={"state": state, "code": query["code"][0]})
    assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["state_invalid"]
    assert await channels_of(sessionmaker, tenant.org_id) == []


async def test_expired_state_is_refused(tenant, sb, apps, client, app, redis):
    secret = app.state.settings.secret_key.get_secret_value()
    state = authorize.ConnectState("ebay", tenant.org_id, tenant.admin_id, "n1", int(time.time()) - 1)
    await redis.set("hourglass:channel-connect:n1", "ebay", ex=60)
    r = await client.get(
        "/v1/channels/connect/ebay/callback", params={"state": authorize.sign_state(secret, state), "code": "x"}
    )
    assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["state_expired"]


async def test_a_state_naming_a_user_of_another_organization_is_refused(
    tenant, other_tenant, sb, apps, client, app, redis, sessionmaker
):
    secret = app.state.settings.secret_key.get_secret_value()
    # Signed by us, but the user is not in that organization: nothing is connected anywhere.
    for org, user, nonce in (
        (tenant.org_id, other_tenant.admin_id, "n2"),
        (other_tenant.org_id, tenant.admin_id, "n3"),
        (tenant.org_id, tenant.agent_id, "n4"),  # agents may not connect stores
    ):
        state = authorize.ConnectState("tiktok", org, user, nonce, int(time.time()) + 60)
        await redis.set(f"hourglass:channel-connect:{nonce}", "tiktok", ex=60)
        r = await client.get(
            "/v1/channels/connect/tiktok/callback", params={"state": authorize.sign_state(secret, state), "code": "c"}
        )
        assert parse_qs(urlsplit(r.headers["location"]).query)["reason"] == ["wrong_organization"]
    assert await channels_of(sessionmaker, tenant.org_id) == []
    assert await channels_of(sessionmaker, other_tenant.org_id) == []


async def test_reconnecting_never_touches_another_organizations_channel(
    tenant, other_tenant, sb, apps, client, sessionmaker
):
    # The other organization has the same eBay store connected with the form.
    victim = await other_tenant.api.post("/v1/channels", json=channel_body(sb, "ebay"))
    assert victim.status_code == 201, victim.text
    before = (await channels_of(sessionmaker, other_tenant.org_id))[0].credentials_encrypted
    outcome = await run_callback(client, await consent(sb, await start(tenant, "ebay")))
    assert outcome["result"] == ["connected"] and outcome["channel"] != [victim.json()["id"]]
    after = await channels_of(sessionmaker, other_tenant.org_id)
    assert len(after) == 1 and after[0].credentials_encrypted == before
    assert len(await channels_of(sessionmaker, tenant.org_id)) == 1


async def test_token_endpoint_refusals_are_named(tenant, sb, apps, client, sessionmaker):
    # A code the marketplace did not issue (or already used): each marketplace's refusal, by code.
    cases = {"ebay": "invalid_grant", "tiktok": "36004004", "shopee": "error_auth"}
    for marketplace, code in cases.items():
        back = await consent(sb, await start(tenant, marketplace))
        parts = urlsplit(back)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["code"] = "not-a-code"
        r = await client.get(parts.path, params=query)
        outcome = parse_qs(urlsplit(r.headers["location"]).query)
        assert outcome["reason"] == ["exchange_refused"] and outcome["code"] == [code], (marketplace, outcome)
    assert await channels_of(sessionmaker, tenant.org_id) == []


@pytest.mark.parametrize("base", ["http://127.0.0.1:9", "http://169.254.169.254", "http://10.1.2.3:8080"])
async def test_token_endpoints_outside_the_allow_list_are_refused_before_connecting(
    base, tenant, sb, apps, client, app, monkeypatch, sessionmaker
):
    # The app's token endpoint moved somewhere only the policy stands between us and: refused, and
    # the sandbox sees no exchange (its code stays unspent, the truth records no token call).
    back = await consent(sb, await start(tenant, "ebay"))
    monkeypatch.setitem(app.state.settings.connect_apps, "ebay", {**apps["ebay"], "base_url": base})
    outcome = await run_callback(client, back)
    assert outcome["reason"] == ["refused_host"], outcome
    code = parse_qs(urlsplit(back).query)["code"][0]
    status, _ = sb.state.tokens.check(code, sb.state.clock.now(), ("code",))
    assert status == "ok"  # never presented
    assert await channels_of(sessionmaker, tenant.org_id) == []


async def test_start_explains_what_cannot_be_started(tenant, sb, apps, app, monkeypatch):
    r = await tenant.admin.post("/v1/channels/connect/walmart/start")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.marketplace"
    r = await tenant.api.post("/v1/channels/connect/ebay/start")  # an API key is not a person
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "header.authorization"
    r = await tenant.agent.post("/v1/channels/connect/ebay/start")
    assert r.status_code == 403
    monkeypatch.setattr(app.state.settings, "connect_apps", {})
    r = await tenant.admin.post("/v1/channels/connect/ebay/start")
    assert r.status_code == 422 and "no marketplace app configured" in r.text
    assert (await tenant.admin.get("/v1/channels/connect")).json() == {"consent": []}


async def test_options_list_the_configured_consent_flows(tenant, apps):
    assert (await tenant.admin.get("/v1/channels/connect")).json() == {"consent": ["ebay", "shopee", "tiktok"]}


async def test_the_sandbox_consent_pages_refuse_bad_links(sb, apps):
    async with httpx.AsyncClient(base_url=sb.http_url, trust_env=False) as browser:
        store = sb.store("ebay").credentials
        r = await browser.get(
            "/oauth2/authorize",
            params={
                "client_id": store["client_id"],
                "redirect_uri": "https://evil.example/cb",
                "response_type": "code",
            },
        )
        assert r.status_code == 400 and "RuName" in r.text
        r = await browser.get(
            "/api/v2/shop/auth_partner",
            params={"partner_id": sb.store("shopee").credentials["partner_id"], "timestamp": "1", "sign": "0"},
        )
        assert r.status_code in (400, 403) and r.json()["error"] in ("error_param", "error_sign")
        r = await browser.get("/open/authorize", params={"service_id": "0"})
        assert r.status_code == 400 and "service_id" in r.text
