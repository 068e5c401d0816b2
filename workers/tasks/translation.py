"""The translation retry loop: message translations that failed for a reason time can fix (timeout,
rate limit, garbage, provider down) are asked again with back-off (api/translation/rules.py), so the
agent's notice clears by itself once the provider answers (api/translation/service.py retry_due)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.config import Settings
from api.db import Sessionmaker
from api.kit.crypto import CredentialCipher
from api.kit.outbound import outbound_client, policy_for
from api.kit.time import utc_now
from api.translation import repository, service
from workers.loops import MORE, Loop, StepResult, until_due

# Small batches: each retry may wait up to the provider timeout while its row is locked.
BATCH = 20
PROVIDER_TIMEOUT_SECONDS = 10.0
MAX_SLEEP = timedelta(seconds=30)
RECHECK = timedelta(milliseconds=200)


def translation_retry_step(sessionmaker: Sessionmaker, settings: Settings) -> Any:
    cipher = CredentialCipher(settings.secret_key.get_secret_value())
    # Provider hosts are set by users: the same outbound policy as the API's translation calls.
    policy = policy_for(settings.outbound_allowed)

    async def step() -> StepResult:
        """Retry the due translations; then sleep until the next one is due (at most MAX_SLEEP)."""
        async with (
            outbound_client(policy, timeout=PROVIDER_TIMEOUT_SECONDS) as client,
            sessionmaker.begin() as session,
        ):
            tried = await service.retry_due(session, BATCH, client=client, cipher=cipher)
        if tried == BATCH:
            return MORE
        async with sessionmaker() as session:
            upcoming = await repository.next_retry(session)
        return until_due(upcoming, utc_now(), recheck=RECHECK, cap=MAX_SLEEP, resolution=RECHECK)

    return step


def translation_retry_loop(sessionmaker: Sessionmaker, settings: Settings) -> Loop:
    return Loop(
        "translation_retries",
        translation_retry_step(sessionmaker, settings),
        channels=(repository.RETRY_CHANNEL,),
        poll=MAX_SLEEP.total_seconds(),
    )
