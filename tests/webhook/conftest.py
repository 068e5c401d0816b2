import random

import pytest

from api.kit.outbound import OutboundPolicy
from api.outbox.relay import relay_once
from api.webhook.sender import WebhookSender
from workers.webhook_dispatcher import Dispatcher


@pytest.fixture
async def dispatcher(app, sessionmaker, settings):
    sender = WebhookSender(OutboundPolicy(settings.outbound_allowed), timeout=2.0)
    yield Dispatcher(sessionmaker, sender, app.state.cipher, rng=random.Random(7))
    await sender.aclose()


@pytest.fixture
def relay(sessionmaker, redis):
    async def run(**kwargs):
        async with sessionmaker.begin() as session:
            return await relay_once(session, redis, **kwargs)

    return run
