"""The attachment loop: fetches buyers' files that marketplaces serve by URL (api/attachment/service.py),
through the outbound policy, into the file store. A new pending file notifies NOTIFY_CHANNEL at commit."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.attachment.repository import NOTIFY_CHANNEL
from api.attachment.service import fetch_pending, file_store
from api.config import Settings
from api.kit.outbound import outbound_client, policy_for
from workers.loops import MORE, Loop, StepResult

POLL_SECONDS = 30.0


def attachment_step(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, client: httpx.AsyncClient | None = None
) -> Any:
    http = client or outbound_client(
        policy_for(settings.outbound_allowed, ca_file=settings.outbound_ca_file), timeout=30.0
    )
    store = file_store(settings)

    async def step() -> StepResult:
        found = await fetch_pending(sessionmaker, http, store, settings.attachment_max_bytes)
        return MORE if found else None

    return step


def attachment_loop(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, client: httpx.AsyncClient | None = None
) -> Loop:
    return Loop(
        "attachments", attachment_step(sessionmaker, settings, client), channels=(NOTIFY_CHANNEL,), poll=POLL_SECONDS
    )
