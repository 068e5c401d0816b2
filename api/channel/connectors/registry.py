"""Which connector serves which marketplace, and building one for a channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from api.channel.connectors.amazon import AmazonConnector
from api.channel.connectors.base import Connector, CredentialsGuard, CredentialsSaver
from api.channel.connectors.ebay import EbayConnector
from api.channel.connectors.email import EmailConnector
from api.channel.connectors.shopee import ShopeeConnector
from api.channel.connectors.tiktok import TiktokConnector
from api.channel.connectors.walmart import WalmartConnector
from api.kit.outbound import OutboundPolicy

CONNECTORS: dict[str, type[Connector]] = {
    c.marketplace: c
    for c in (EbayConnector, ShopeeConnector, TiktokConnector, AmazonConnector, WalmartConnector, EmailConnector)
}


def connector_class(marketplace: str) -> type[Connector] | None:
    return CONNECTORS.get(marketplace)


def build(
    marketplace: str,
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    *,
    http: httpx.AsyncClient | None = None,
    save_credentials: CredentialsSaver | None = None,
    credentials_guard: CredentialsGuard | None = None,
    outbound: OutboundPolicy | None = None,
) -> Connector:
    cls = CONNECTORS.get(marketplace)
    if cls is None:
        raise LookupError(f"no connector for {marketplace!r}")
    return cls(
        settings,
        credentials,
        http=http,
        save_credentials=save_credentials,
        credentials_guard=credentials_guard,
        outbound=outbound,
    )
