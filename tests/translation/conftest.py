from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from api.kit.outbound import OutboundPolicy
from sandbox import Sandbox
from tests.connectors.helpers import sandbox_config


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """The sandbox server, whose translation stand-ins the real adapters call over HTTP."""
    async with Sandbox(sandbox_config(orders_per_store=1)) as sb:
        yield sb


@pytest.fixture
def policy(sandbox: Sandbox) -> OutboundPolicy:
    http = urlsplit(sandbox.http_url)
    return OutboundPolicy([f"{http.hostname}:{http.port}"])
