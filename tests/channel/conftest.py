"""Channel tests: a real sandbox in-process (consent pages, LWA, IMAP and SMTP servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox import Sandbox
from tests.connectors.helpers import sandbox_config


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(sandbox_config()) as sandbox:
        yield sandbox
