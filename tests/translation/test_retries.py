"""Failed translations are retried later by the retry loop, with back-off, and the notice clears
once the provider answers; failures waiting cannot fix are not retried."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from api.models import TranslationRetry, TranslationSettings
from api.translation import rules
from tests.helpers import make_channel, push
from tests.translation.test_translation_api import SPANISH, _configure
from workers.tasks.translation import MAX_SLEEP, translation_retry_step


async def _message(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    return await push(tenant.api, channel["id"], body=SPANISH)


async def _retries(sessionmaker) -> list[TranslationRetry]:
    async with sessionmaker() as s:
        return list((await s.execute(select(TranslationRetry))).scalars())


async def _set_key_quietly(sessionmaker, tenant, key: str, cipher_settings) -> None:
    """Change the stored key without the settings endpoint (which would make the retries due at once)."""
    from api.kit.crypto import CredentialCipher

    cipher = CredentialCipher(cipher_settings.secret_key.get_secret_value())
    async with sessionmaker.begin() as s:
        await s.execute(
            update(TranslationSettings)
            .where(TranslationSettings.organization_id == tenant.org_id)
            .values(key_encrypted=cipher.encrypt({"key": key}))
        )


async def _make_due(sessionmaker) -> None:
    async with sessionmaker.begin() as s:
        await s.execute(update(TranslationRetry).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


async def test_a_rate_limited_translation_is_retried_by_the_loop_and_the_notice_clears(
    tenant, sandbox, sessionmaker, settings
):
    await _configure(tenant, sandbox, key="sbx-ratelimit")
    msg = await _message(tenant)
    url = f"/v1/messages/{msg['id']}/translation"
    first = (await tenant.agent.get(url, params={"target": "zh-CN"})).json()
    assert first["status"] == "failed" and first["text"] == SPANISH
    assert "retried" in first["notice"] and first["retry_after_seconds"] == 5.0
    [retry] = await _retries(sessionmaker)
    assert (retry.attempts, retry.last_failure, retry.target_language) == (1, "rate_limited", "zh-CN")

    # Reading again before the retry is due does not ask the provider: the same notice, the time left.
    await _set_key_quietly(sessionmaker, tenant, "sbx-demo", settings)
    again = (await tenant.agent.get(url, params={"target": "zh-CN"})).json()
    assert again["status"] == "failed" and 0 < again["retry_after_seconds"] <= 5.0
    assert [r.attempts for r in await _retries(sessionmaker)] == [1]

    step = translation_retry_step(sessionmaker, settings)
    assert await step() is not None  # not due yet: the loop sleeps until it is
    assert [r.attempts for r in await _retries(sessionmaker)] == [1]
    await _make_due(sessionmaker)
    assert await step() is None  # done, nothing else waits
    assert await _retries(sessionmaker) == []
    done = (await tenant.agent.get(url, params={"target": "zh-CN"})).json()
    assert done["status"] == "cached" and done["notice"] is None
    assert done["text"] == "你好，日安。我12天前下了订单WM-1，到现在还没收到。包裹在哪里？"


async def test_the_loop_backs_off_and_gives_up(tenant, sandbox, sessionmaker, settings):
    await _configure(tenant, sandbox, key="sbx-garbage")
    msg = await _message(tenant)
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})).json()
    assert out["status"] == "failed" and "unusable" in out["notice"]
    step = translation_retry_step(sessionmaker, settings)
    delays = []
    for attempt in range(2, rules.MAX_RETRY_ATTEMPTS):
        await _make_due(sessionmaker)
        before = datetime.now(UTC)
        assert 0 < await step() <= MAX_SLEEP.total_seconds()  # sleeps until the rescheduled attempt
        [retry] = await _retries(sessionmaker)
        assert retry.attempts == attempt and retry.last_failure == "garbage"
        delays.append((retry.next_attempt_at - before).total_seconds())
    # Each wait at least as long as the one before, roughly doubling.
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert delays[0] == pytest.approx(10.0, abs=2.0) and delays[1] == pytest.approx(20.0, abs=2.0)
    await _make_due(sessionmaker)
    await step()
    assert await _retries(sessionmaker) == []  # the last attempt failed too: given up


async def test_failures_waiting_cannot_fix_are_not_retried(tenant, sandbox, sessionmaker, settings):
    await _configure(tenant, sandbox, key="sbx-quota")
    msg = await _message(tenant)
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})).json()
    assert out["status"] == "failed" and out["retry_after_seconds"] is None
    assert await _retries(sessionmaker) == []
    # A retry whose provider meanwhile says "quota used up" is dropped rather than rescheduled.
    await _configure(tenant, sandbox, key="sbx-overloaded")
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})).json()
    assert out["status"] == "failed" and out["retry_after_seconds"] == 5.0
    await _set_key_quietly(sessionmaker, tenant, "sbx-quota", settings)
    await _make_due(sessionmaker)
    await translation_retry_step(sessionmaker, settings)()
    assert await _retries(sessionmaker) == []


async def test_saving_the_settings_makes_waiting_retries_due(tenant, sandbox, sessionmaker):
    await _configure(tenant, sandbox, key="sbx-ratelimit")
    msg = await _message(tenant)
    await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})
    [retry] = await _retries(sessionmaker)
    assert retry.next_attempt_at > datetime.now(UTC)
    await _configure(tenant, sandbox, key="sbx-demo")
    [retry] = await _retries(sessionmaker)
    assert retry.next_attempt_at <= datetime.now(UTC)
    # The next read is the attempt, succeeds, and the retry is gone.
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})).json()
    assert out["status"] == "translated" and out["notice"] is None
    assert await _retries(sessionmaker) == []


async def test_retries_are_per_tenant(tenant, other_tenant, sandbox, sessionmaker):
    await _configure(tenant, sandbox, key="sbx-ratelimit")
    msg = await _message(tenant)
    await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})
    r = await other_tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})
    assert r.status_code == 404
    [retry] = await _retries(sessionmaker)
    assert retry.organization_id == tenant.org_id


def test_retry_delays_double_up_to_an_hour_and_respect_the_provider():
    assert [rules.retry_delay(n, None) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert rules.retry_delay(30, None) == rules.RETRY_CAP_SECONDS
    assert rules.retry_delay(1, 60.0) == 60.0  # the provider's Retry-After wins when longer
    assert rules.should_retry("timeout", 1) and rules.should_retry("rate_limited", 9)
    assert not rules.should_retry("rate_limited", rules.MAX_RETRY_ATTEMPTS)
    assert not any(rules.should_retry(k, 1) for k in ("quota", "auth", "refused", None))
