""" "Test connection": each part of a store's connection checked on its own and named in plain words
(fields, marketplace API, IMAP login, SMTP connect/EHLO/STARTTLS/AUTH), against the sandbox's real
IMAP and SMTP servers and LWA, every host through the outbound policy."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from sandbox import Sandbox
from tests.connectors.helpers import channel_body, sandbox_allowed


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def allowed(app, sb: Sandbox, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    """The sandbox's endpoints allowed outbound, plus one closed loopback port (returned)."""
    port = closed_port()
    monkeypatch.setattr(app.state.settings, "outbound_allowed", [*sandbox_allowed(sb), f"127.0.0.1:{port}"])
    return port


def form(sb: Sandbox, marketplace: str = "amazon", **settings: Any) -> dict[str, Any]:
    body = channel_body(sb, marketplace, **settings)
    return {"marketplace": marketplace, "settings": body["settings"], "credentials": body["credentials"]}


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result["checks"]}


async def test_every_part_passes_with_the_sandbox_values(tenant, sb, allowed):
    r = await tenant.admin.post("/v1/channels/test", json=form(sb))
    assert r.status_code == 200, r.text
    result = r.json()
    checks = by_name(result)
    assert result["ok"] is True and set(checks) == {"api", "imap", "smtp"}, result
    assert "Login with Amazon" in checks["api"]["message"]
    assert checks["imap"]["target"] == f"127.0.0.1:{sb.imap_port}"
    assert "EHLO" in checks["smtp"]["message"] and "login" in checks["smtp"]["message"]


async def test_a_wrong_imap_password_and_an_unreachable_smtp_port_are_named(tenant, sb, allowed):
    body = form(sb, smtp_port=allowed)
    body["credentials"]["imap_password"] = "not-the-password"
    r = await tenant.admin.post("/v1/channels/test", json=body)
    assert r.status_code == 200, r.text
    result = r.json()
    checks = by_name(result)
    assert result["ok"] is False
    assert checks["imap"]["ok"] is False and checks["imap"]["reason"] == "login_refused"
    assert "rejected the login" in checks["imap"]["message"] and "password" in checks["imap"]["message"]
    assert checks["smtp"]["ok"] is False and checks["smtp"]["reason"] == "unreachable"
    assert checks["smtp"]["target"] == f"127.0.0.1:{allowed}" and f"127.0.0.1:{allowed}" in checks["smtp"]["message"]
    # One failure does not hide the others: the API part still passed.
    assert checks["api"]["ok"] is True
    # The far side's own words never come back.
    assert "AUTHENTICATIONFAILED" not in r.text and "Invalid credentials" not in r.text


async def test_a_wrong_smtp_password_and_a_refused_lwa_secret_are_named(tenant, sb, allowed):
    body = form(sb)
    body["credentials"]["smtp_password"] = "nope"
    body["credentials"]["lwa_client_secret"] = "amzn1.oa2-cs.v1.wrong"
    checks = by_name((await tenant.admin.post("/v1/channels/test", json=body)).json())
    assert checks["smtp"]["reason"] == "login_refused" and "reply 535" in checks["smtp"]["message"]
    assert checks["api"]["reason"] == "rejected" and "Amazon" in checks["api"]["message"]
    assert checks["imap"]["ok"] is True


async def test_hosts_outside_the_policy_are_refused_before_connecting(tenant, sb, allowed):
    body = form(sb, imap_host="10.0.0.7", smtp_host="169.254.169.254", smtp_port=25)
    checks = by_name((await tenant.admin.post("/v1/channels/test", json=body)).json())
    assert checks["imap"]["reason"] == "refused_host" and checks["smtp"]["reason"] == "refused_host"
    body = form(sb, "ebay", base_url="http://127.0.0.1:9")
    checks = by_name((await tenant.admin.post("/v1/channels/test", json=body)).json())
    assert checks["api"]["ok"] is False and checks["api"]["reason"] == "refused_host"


async def test_missing_fields_are_listed_and_http_marketplaces_check_their_api(tenant, sb, allowed):
    body = form(sb)
    del body["settings"]["imap_host"]
    result = (await tenant.admin.post("/v1/channels/test", json=body)).json()
    assert result["ok"] is False and result["checks"][0]["reason"] == "fields"
    assert "settings.imap_host" in result["checks"][0]["message"]
    for marketplace in ("ebay", "tiktok", "shopee"):
        result = (await tenant.admin.post("/v1/channels/test", json=form(sb, marketplace))).json()
        assert result["ok"] is True and [c["name"] for c in result["checks"]] == ["api"], (marketplace, result)
    bad = form(sb, "tiktok")
    bad["credentials"]["access_token"] = "TTP_wrong"
    result = (await tenant.admin.post("/v1/channels/test", json=bad)).json()
    assert result["checks"][0]["reason"] == "rejected" and "TikTok Shop" in result["checks"][0]["message"]


async def test_a_saved_channel_is_tested_with_its_stored_credentials(tenant, other_tenant, sb, allowed):
    created = await tenant.admin.post("/v1/channels", json={**channel_body(sb, "amazon"), "verify": False})
    channel_id = created.json()["id"]
    result = (await tenant.admin.post(f"/v1/channels/{channel_id}/test")).json()
    assert result["ok"] is True, result
    # Another organization's channel is not found; agents may not test (it uses the credentials).
    assert (await other_tenant.admin.post(f"/v1/channels/{channel_id}/test")).status_code == 404
    assert (await tenant.agent.post(f"/v1/channels/{channel_id}/test")).status_code == 403
    assert (await tenant.agent.post("/v1/channels/test", json=form(sb))).status_code == 403
    erp = await tenant.admin.post("/v1/channels", json={"marketplace": "api", "name": "ERP"})
    result = (await tenant.admin.post(f"/v1/channels/{erp.json()['id']}/test")).json()
    assert result["ok"] is True and result["checks"][0]["reason"] == "no_connector"
