"""Connectors pointed at an in-process sandbox store."""

from __future__ import annotations

from typing import Any

from api.channel.connectors.base import Connector
from api.channel.connectors.registry import build
from api.kit.outbound import OutboundPolicy
from hourglass.sandbox_profiles import sandbox_channel
from sandbox import Sandbox, SandboxConfig
from sandbox.admin import store_json


def sandbox_config(**overrides: Any) -> SandboxConfig:
    return SandboxConfig(
        **{"http_port": 0, "imap_port": 0, "smtp_port": 0, "seed": 7, "orders_per_store": 20, **overrides}
    )


def channel_body(sb: Sandbox, marketplace: str, **settings: Any) -> dict[str, Any]:
    store = sb.store(marketplace)
    return sandbox_channel(store_json(sb.state, store), **{"timeout_seconds": 5, **settings})


def sandbox_allowed(sb: Sandbox) -> list[str]:
    """The sandbox's HTTP, IMAP(S) and SMTP `host:port`s."""
    from urllib.parse import urlsplit

    http = urlsplit(sb.http_url)
    allowed = [f"{http.hostname}:{http.port}", f"127.0.0.1:{sb.imap_port}", f"127.0.0.1:{sb.smtp_port}"]
    if sb.imaps_port:
        allowed.append(f"127.0.0.1:{sb.imaps_port}")
    return allowed


def sandbox_outbound(sb: Sandbox) -> OutboundPolicy:
    """The outbound policy allowing exactly the sandbox's endpoints, trusting the sandbox's mail CA
    when it runs with TLS (through the CA-file setting: verification stays on)."""
    return OutboundPolicy(sandbox_allowed(sb), ca_file=sb.mail_tls.ca_file if sb.mail_tls else None)


def connector(sb: Sandbox, marketplace: str, **settings: Any) -> Connector:
    body = channel_body(sb, marketplace, **settings)
    return build(marketplace, body["settings"], body["credentials"], outbound=sandbox_outbound(sb))
