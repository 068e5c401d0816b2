"""The webhook dispatcher loop (beside the arq jobs): see api/webhook/dispatcher.py."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.kit.crypto import CredentialCipher
from api.webhook.dispatcher import Dispatcher
from api.webhook.sender import WebhookSender
from api.webhook.ssrf import SsrfGuard


def build_dispatcher(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Dispatcher:
    sender = WebhookSender(SsrfGuard(settings.webhook_allowed_networks))
    return Dispatcher(sessionmaker, sender, CredentialCipher(settings.secret_key.get_secret_value()))


async def run_dispatch_loop(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    try:
        await dispatcher.run(stop)
    finally:
        await dispatcher.sender.aclose()
