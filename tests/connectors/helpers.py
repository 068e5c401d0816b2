"""Connectors pointed at an in-process sandbox store."""

from __future__ import annotations

from typing import Any

from api.channel.connectors.base import Connector
from api.channel.connectors.profiles import sandbox_channel
from api.channel.connectors.registry import build
from api.kit.outbound import OutboundPolicy
from sandbox import Sandbox, SandboxConfig
from sandbox.admin import store_json


def sandbox_config(**overrides: Any) -> SandboxConfig:
    return SandboxConfig(
        **{"http_port": 0, "imap_port": 0, "smtp_port": 0, "seed": 7, "orders_per_store": 20, **overrides}
    )


def channel_body(sb: Sandbox, marketplace: str, **settings: Any) -> dict[str, Any]:
    store = sb.store(marketplace)
    return sandbox_channel(store_json(sb.state, store), **{"timeout_seconds": 5, **settings})


def sandbox_outbound(sb: Sandbox) -> OutboundPolicy:
    """The outbound policy allowing exactly the sandbox's HTTP, IMAP and SMTP `host:port`s."""
    from urllib.parse import urlsplit

    http = urlsplit(sb.http_url)
    return OutboundPolicy([f"{http.hostname}:{http.port}", f"127.0.0.1:{sb.imap_port}", f"127.0.0.1:{sb.smtp_port}"])


def connector(sb: Sandbox, marketplace: str, **settings: Any) -> Connector:
    body = channel_body(sb, marketplace, **settings)
    return build(marketplace, body["settings"], body["credentials"], outbound=sandbox_outbound(sb))
