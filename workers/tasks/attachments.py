"""The attachment loops: one fetches buyers' files that marketplaces serve by URL (api/attachment/service.py),
through the outbound policy, into the file store (a new pending file notifies NOTIFY_CHANNEL at commit);
the other deletes agents' uploads left unsent past their grace period (api/attachment/cleanup.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api.attachment.cleanup import BATCH as CLEANUP_BATCH
from api.attachment.cleanup import sweep
from api.attachment.repository import NOTIFY_CHANNEL
from api.attachment.service import fetch_pending, file_store
from api.config import Settings
from api.db import Sessionmaker
from api.kit.outbound import outbound_client, policy_for
from api.kit.time import utc_now
from workers.loops import MORE, Loop, StepResult

POLL_SECONDS = 30.0


def attachment_step(sessionmaker: Sessionmaker, settings: Settings, client: httpx.AsyncClient | None = None) -> Any:
    http = client or outbound_client(
        policy_for(settings.outbound_allowed, ca_file=settings.outbound_ca_file), timeout=30.0
    )
    store = file_store(settings)

    async def step() -> StepResult:
        found = await fetch_pending(sessionmaker, http, store, settings.attachment_max_bytes)
        return MORE if found else None

    return step


def attachment_loop(sessionmaker: Sessionmaker, settings: Settings, client: httpx.AsyncClient | None = None) -> Loop:
    return Loop(
        "attachments", attachment_step(sessionmaker, settings, client), channels=(NOTIFY_CHANNEL,), poll=POLL_SECONDS
    )


# Unsent uploads are hours old when they go: a look every ten minutes is plenty.
CLEANUP_INTERVAL_SECONDS = 600.0


def upload_cleanup_step(sessionmaker: Sessionmaker, settings: Settings) -> Any:
    store = file_store(settings)
    grace = timedelta(hours=settings.attachment_upload_grace_hours)

    async def step() -> StepResult:
        swept = await sweep(sessionmaker, store, grace, utc_now())
        # A full batch: more are probably waiting.
        return MORE if swept.examined >= CLEANUP_BATCH else CLEANUP_INTERVAL_SECONDS

    return step


def upload_cleanup_loop(sessionmaker: Sessionmaker, settings: Settings) -> Loop:
    return Loop("attachment_cleanup", upload_cleanup_step(sessionmaker, settings), poll=CLEANUP_INTERVAL_SECONDS)
