"""The webhook dispatcher loop (run by workers/loops.py, woken by the relay when it creates deliveries and
by each finished request): see workers/webhook_dispatcher.py and api/webhook/delivery.py."""

from __future__ import annotations

import asyncio

from api.config import Settings
from api.db import Sessionmaker
from api.kit.crypto import CredentialCipher
from api.kit.outbound import policy_for
from api.webhook.sender import WebhookSender
from workers.loops import Loop, LoopRunner
from workers.webhook_dispatcher import Dispatcher


def build_dispatcher(settings: Settings, sessionmaker: Sessionmaker) -> Dispatcher:
    sender = WebhookSender(policy_for(settings.outbound_allowed))
    return Dispatcher(sessionmaker, sender, CredentialCipher(settings.secret_key.get_secret_value()))


def dispatch_loop(dispatcher: Dispatcher) -> Loop:
    async def drain() -> None:
        try:
            await dispatcher.drain()
        finally:
            await dispatcher.sender.aclose()

    return Loop("webhooks", dispatcher.step, poll=dispatcher.idle_poll, drain=drain, wake=dispatcher.wake)


async def run_dispatch_loop(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """The dispatcher alone until `stop` is set (tests and one-off runs)."""
    runner = LoopRunner()
    runner.add(dispatch_loop(dispatcher))
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()
