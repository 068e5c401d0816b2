"""The four real adapters against the sandbox's stand-ins: success and every error mode."""

from __future__ import annotations

import httpx
import pytest

from api.kit.outbound import OutboundPolicy, outbound_client
from api.translation.providers import ProviderConfig, ProviderFailure, adapter, call

SPANISH = "Hola, buen día. ¿Dónde está?"
PROVIDERS = [("deepl", None), ("google", "demo-project"), ("libretranslate", None), ("openai", "qwen3:8b")]


def _provider(sandbox, name: str, model: str | None, key: str = "sbx-demo"):
    return adapter(ProviderConfig(name, sandbox.http_url, key, model))


async def _translate(sandbox, policy: OutboundPolicy, name, model, key="sbx-demo", seconds=5.0, target="zh-CN"):
    async with outbound_client(policy, timeout=seconds) as client:
        return await call(_provider(sandbox, name, model, key), client, SPANISH, None, target)


@pytest.mark.parametrize(("name", "model"), PROVIDERS)
async def test_each_adapter_translates(sandbox, policy, name, model):
    result = await _translate(sandbox, policy, name, model)
    assert result.text == "你好，日安。包裹在哪里？"
    if name != "openai":  # a chat model does not report the source language
        assert result.detected_language and result.detected_language.lower().startswith("es")


@pytest.mark.parametrize(
    ("name", "model", "key", "kind"),
    [
        ("deepl", None, "sbx-ratelimit", "rate_limited"),
        ("deepl", None, "sbx-overloaded", "rate_limited"),  # 529: retry
        ("deepl", None, "sbx-quota", "quota"),  # 456: do not retry
        ("deepl", None, "wrong", "auth"),
        ("deepl", None, "sbx-garbage", "garbage"),
        ("google", "p", "sbx-ratelimit", "rate_limited"),  # 403 "User Rate Limit Exceeded"
        ("google", "p", "sbx-quota", "quota"),  # 403 "Daily Limit Exceeded"
        ("google", "p", "wrong", "auth"),
        ("google", "p", "sbx-garbage", "garbage"),
        ("google", "p", "sbx-overloaded", "unavailable"),
        ("libretranslate", None, "sbx-ratelimit", "rate_limited"),  # 429 "Slowdown"
        ("libretranslate", None, "wrong", "auth"),
        ("libretranslate", None, "sbx-garbage", "garbage"),
        ("libretranslate", None, "sbx-overloaded", "unavailable"),
        ("openai", "m", "sbx-ratelimit", "rate_limited"),
        ("openai", "m", "sbx-quota", "quota"),  # 429 insufficient_quota
        ("openai", "m", "wrong", "auth"),
        ("openai", "m", "sbx-overloaded", "unavailable"),
    ],
)
async def test_error_modes(sandbox, policy, name, model, key, kind):
    with pytest.raises(ProviderFailure) as failure:
        await _translate(sandbox, policy, name, model, key)
    assert failure.value.kind == kind
    if kind == "rate_limited" and name in ("deepl", "openai") and key == "sbx-ratelimit":
        assert failure.value.retry_after == 2.0


async def test_a_chat_answer_that_is_not_a_translation_passes_as_text_but_lost_markers_do_not(sandbox, policy):
    # The garbage key answers a shrug: the adapter cannot know it is no translation, the service's
    # placeholder check can (tests/translation/test_translation_api.py); here it is just text.
    result = await _translate(sandbox, policy, "openai", "m", "sbx-garbage")
    assert result.text == "¯\\_(ツ)_/¯"


@pytest.mark.parametrize(("name", "model"), PROVIDERS)
async def test_timeouts(sandbox, policy, name, model):
    with pytest.raises(ProviderFailure) as failure:
        await _translate(sandbox, policy, name, model, "sbx-slow", seconds=0.3)
    assert failure.value.kind == "timeout" and failure.value.retryable


async def test_the_policy_refuses_hosts_it_does_not_allow(sandbox):
    with pytest.raises(ProviderFailure) as failure:
        await _translate(sandbox, OutboundPolicy([]), "deepl", None)
    assert failure.value.kind == "refused" and not failure.value.retryable


async def test_the_stand_ins_rate_limit_for_real(sandbox, policy):
    from sandbox.translate import app as stand_in

    async with outbound_client(policy) as client:
        statuses = []
        for _ in range(stand_in.RATE_LIMIT + 1):
            r = await client.post(
                f"{sandbox.http_url}/translate",
                json={"q": "Gracias.", "source": "es", "target": "en", "api_key": "sbx-x"},
            )
            statuses.append(r.status_code)
    assert statuses[:-1] == [200] * stand_in.RATE_LIMIT
    assert statuses[-1] == 429 and r.json()["error"].startswith("Slowdown")


async def test_deepl_usage_counts_characters(sandbox, policy):
    async with outbound_client(policy) as client:
        await call(_provider(sandbox, "deepl", None, "sbx-usage"), client, "Gracias.", "es", "en")
        r = await client.get(f"{sandbox.http_url}/v2/usage", headers={"Authorization": "DeepL-Auth-Key sbx-usage"})
    assert r.json()["character_count"] == len("Gracias.")
    assert isinstance(r.json()["character_limit"], int)


async def test_the_deepl_stand_in_refuses_the_retired_auth_forms(sandbox, policy):
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"{sandbox.http_url}/v2/translate", data={"text": "hi", "target_lang": "ES", "auth_key": "sbx-demo"}
        )
        assert r.status_code == 403
        r = await client.post(
            f"{sandbox.http_url}/v2/translate",
            json={"text": ["hi"], "target_lang": "EN"},
            headers={"Authorization": "DeepL-Auth-Key sbx-demo"},
        )
        assert r.status_code == 400  # "EN" as a target is deprecated
