"""The webhook dispatcher loop (beside the arq jobs): see api/webhook/dispatcher.py."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.kit.crypto import CredentialCipher
from api.kit.outbound import policy_for
from api.webhook.dispatcher import Dispatcher
from api.webhook.sender import WebhookSender


def build_dispatcher(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Dispatcher:
    sender = WebhookSender(policy_for(settings.outbound_allowed))
    return Dispatcher(sessionmaker, sender, CredentialCipher(settings.secret_key.get_secret_value()))


async def run_dispatch_loop(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    try:
        await dispatcher.run(stop)
    finally:
        await dispatcher.sender.aclose()
