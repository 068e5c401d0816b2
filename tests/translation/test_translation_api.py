"""Translation through the API with the sandbox provider: reading, drafting, sending, budget,
failures, glossary, templates and tenancy."""

from __future__ import annotations

from sqlalchemy import func, select

from api.models import Message, TranslationCacheEntry
from tests.helpers import make_channel, push

SPANISH = "Hola, buen día. Hice el pedido WM-1 hace 12 días y todavía no me llega. ¿Dónde está?"


async def _configure(tenant, sandbox, key="sbx-demo", provider="deepl", model=None, budget=500_000):
    r = await tenant.admin.put(
        "/v1/translation/settings",
        json={
            "provider": provider,
            "base_url": sandbox.http_url,
            "key": key,
            "model": model,
            "monthly_character_budget": budget,
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _walmart_message(tenant, body=SPANISH):
    channel = await make_channel(tenant.api, marketplace="walmart")
    await tenant.api.put("/v1/orders/WM-1", json={"marketplace": "walmart", "ship_to_country": "US"})
    return await push(tenant.api, channel["id"], order_id="WM-1", body=body)


async def test_settings_keep_the_key_secret_and_need_an_admin(tenant, sandbox):
    r = await tenant.agent.put(
        "/v1/translation/settings", json={"provider": "deepl", "base_url": sandbox.http_url, "key": "sbx-demo"}
    )
    assert r.status_code == 403
    unset = (await tenant.agent.get("/v1/translation/settings")).json()
    assert unset["configured"] is False
    body = await _configure(tenant, sandbox)
    assert body["has_key"] is True and "key" not in body and body["provider"] == "deepl"
    # Changing the budget without a key keeps the key.
    r = await tenant.admin.put(
        "/v1/translation/settings",
        json={"provider": "deepl", "base_url": sandbox.http_url, "monthly_character_budget": 10},
    )
    assert r.json()["has_key"] is True and r.json()["monthly_character_budget"] == 10
    # Another provider needs its own key; a model where required; a URL that is a URL.
    r = await tenant.admin.put("/v1/translation/settings", json={"provider": "google", "base_url": sandbox.http_url})
    assert r.status_code == 422
    r = await tenant.admin.put(
        "/v1/translation/settings", json={"provider": "openai", "base_url": sandbox.http_url, "key": "k"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.model"
    r = await tenant.admin.put(
        "/v1/translation/settings", json={"provider": "deepl", "base_url": "file:///etc/passwd", "key": "k"}
    )
    assert r.status_code == 422


async def test_read_a_spanish_walmart_message_in_chinese_cached_the_second_time(tenant, sandbox, sessionmaker):
    await _configure(tenant, sandbox)
    msg = await _walmart_message(tenant)
    assert msg["language"] == "es"
    r = await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})
    first = r.json()
    assert first["status"] == "translated", first
    assert first["text"] == "你好，日安。我12天前下了订单WM-1，到现在还没收到。包裹在哪里？"
    assert first["source_language"] == "es" and first["original"] == SPANISH and first["notice"] is None
    second = (await tenant.agent.post(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})).json()
    assert second["status"] == "cached" and second["text"] == first["text"]
    settings = (await tenant.agent.get("/v1/translation/settings")).json()
    assert settings["characters_used"] == len(SPANISH) and settings["requests"] == 1 and settings["cache_hits"] == 1
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(TranslationCacheEntry)) == 1


async def test_the_agent_preference_is_the_default_target(tenant, sandbox):
    await _configure(tenant, sandbox)
    assert (await tenant.agent.get("/v1/translation/preference")).json() == {
        "language": "zh-CN",
        "auto_translate": False,
    }
    r = await tenant.agent.put("/v1/translation/preference", json={"language": "en", "auto_translate": True})
    assert r.json() == {"language": "en", "auto_translate": True}
    msg = await _walmart_message(tenant)
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()
    assert out["target_language"] == "en" and out["text"].startswith("Hello, good day. I placed order WM-1")
    r = await tenant.api.put("/v1/translation/preference", json={"language": "en", "auto_translate": True})
    assert r.status_code == 422  # an API key has no preference
    r = await tenant.agent.put("/v1/translation/preference", json={"language": "<script>", "auto_translate": True})
    assert r.status_code == 422


async def test_same_language_is_not_sent_to_the_provider(tenant, sandbox):
    await _configure(tenant, sandbox)
    msg = await _walmart_message(tenant, body="你好，我的订单还没到。")
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "zh-CN"})).json()
    assert out["status"] == "same_language" and out["text"] == "你好，我的订单还没到。"


async def test_provider_failures_show_the_original_with_a_notice(tenant, sandbox):
    msg = await _walmart_message(tenant)
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()
    assert out["status"] == "not_configured" and out["text"] == SPANISH and out["notice"]
    # A retry is scheduled with back-off (5 s, then 10 s: tests/translation/test_retries.py); saving
    # the settings makes it due at once, so each read here is an attempt of its own.
    for key, retry in (("sbx-ratelimit", 5.0), ("sbx-garbage", 10.0), ("sbx-quota", None), ("nope", None)):
        await _configure(tenant, sandbox, key=key)
        out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()
        assert out["status"] == "failed" and out["text"] == SPANISH and out["notice"], key
        assert out["retry_after_seconds"] == retry, key
    settings = (await tenant.agent.get("/v1/translation/settings")).json()
    assert settings["characters_used"] == 0  # failures cost nothing and are not cached
    await _configure(tenant, sandbox, key="sbx-demo")
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()
    assert out["status"] == "translated"  # the retry works once the provider does


async def test_a_chat_model_that_drops_the_glossary_markers_counts_as_garbage(tenant, sandbox):
    await _configure(tenant, sandbox, provider="openai", model="qwen3:8b", key="sbx-garbage")
    await tenant.admin.post("/v1/translation/glossary", json={"term": "WM-1"})
    msg = await _walmart_message(tenant)
    out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()
    assert (
        out["status"] == "failed" and out["text"] == SPANISH and out["retry_after_seconds"] == 5.0
    )  # retried in the background


async def test_an_exhausted_budget_stops_translation_and_says_so(tenant, sandbox):
    await _configure(tenant, sandbox, budget=len(SPANISH) + 5)
    msg = await _walmart_message(tenant)
    assert (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()["status"] == "translated"
    # Cached translations are still served: they cost nothing.
    assert (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()["status"] == "cached"
    other = await push(tenant.api, msg["channel_id"], body="Dice que fue entregado pero no recibí nada.")
    out = (await tenant.agent.get(f"/v1/messages/{other['id']}/translation")).json()
    assert out["status"] == "budget_exhausted" and "budget" in out["notice"]
    settings = (await tenant.agent.get("/v1/translation/settings")).json()
    assert settings["budget_exhausted"] is False  # 5 characters are left, just not enough for this one
    draft = (
        await tenant.agent.post(
            f"/v1/conversations/{msg['conversation_id']}/translate-draft", json={"text": "您好，感谢您联系我们。"}
        )
    ).json()
    assert draft["status"] == "budget_exhausted" and draft["notice"]


async def test_glossary_terms_survive_every_provider(tenant, sandbox):
    r = await tenant.admin.post("/v1/translation/glossary", json={"term": "AcmeBuds"})
    assert r.status_code == 201
    assert (await tenant.admin.post("/v1/translation/glossary", json={"term": "acmebuds"})).status_code == 409
    assert (await tenant.agent.post("/v1/translation/glossary", json={"term": "x"})).status_code == 403
    body = "Me llegó AcmeBuds roto. Muy mala experiencia."
    msg = await _walmart_message(tenant, body=body)
    for provider, model in (("deepl", None), ("google", "proj"), ("libretranslate", None), ("openai", "qwen3:8b")):
        await _configure(tenant, sandbox, provider=provider, model=model)
        out = (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation", params={"target": "en"})).json()
        assert out["text"] == "The AcmeBuds arrived broken. Very bad experience.", (provider, out)
    terms = (await tenant.agent.get("/v1/translation/glossary")).json()
    assert [t["term"] for t in terms] == ["AcmeBuds"]
    assert (await tenant.admin.delete(f"/v1/translation/glossary/{terms[0]['id']}")).status_code == 204
    assert (await tenant.admin.delete(f"/v1/translation/glossary/{terms[0]['id']}")).status_code == 404


async def test_write_in_chinese_send_in_english_on_walmart(tenant, sandbox, sessionmaker):
    await _configure(tenant, sandbox)
    msg = await _walmart_message(tenant)
    chinese = "您好，感谢您联系我们。很抱歉给您带来不便。您的包裹正在运输途中，预计3天内送达。"
    r = await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/translate-draft", json={"text": chinese})
    draft = r.json()
    assert draft["target_language"] == "en"  # Walmart's rules: English, though the buyer wrote Spanish
    english = draft["text"]
    assert english.startswith("Hello, thank you for contacting us.") and draft["violations"] == []
    # The Chinese itself would be refused on Walmart; the linter checks what is sent.
    refused = await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": chinese})
    assert refused.status_code == 422
    edited = english + " Have a nice day."
    sent = await tenant.agent.post(
        f"/v1/conversations/{msg['conversation_id']}/replies",
        json={"body": edited, "original_text": chinese, "original_language": "zh-CN"},
    )
    assert sent.status_code == 201, sent.text
    reply = sent.json()
    assert reply["body"] == edited and reply["original_text"] == chinese and reply["language"] == "en"
    async with sessionmaker() as s:
        row = await s.get(Message, reply["id"])
        assert row is not None and row.original_text == chinese and row.original_language == "zh-CN"
    # A translation that breaks the rules is refused like any reply, whatever the original said.
    bad = await tenant.agent.post(
        f"/v1/conversations/{msg['conversation_id']}/replies",
        json={"body": "Write to me at a@b.com", "original_text": chinese},
    )
    assert bad.status_code == 422


async def test_templates_translate_into_an_inactive_draft(tenant, sandbox):
    await _configure(tenant, sandbox)
    created = await tenant.admin.post(
        "/v1/templates",
        json={
            "name": "Sorry",
            "category": "general",
            "language": "en",
            "body": "Hello, thank you for contacting us. We are sorry for the inconvenience. {{ agent_name }}",
        },
    )
    assert created.status_code == 201, created.text
    template = created.json()
    r = await tenant.admin.post(f"/v1/templates/{template['id']}/translate", json={"target": "zh"})
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["language"] == "zh" and draft["is_active"] is False and draft["name"] == "Sorry [zh]"
    assert draft["body"].startswith("您好，感谢您联系我们。很抱歉给您带来不便。")
    assert draft["body"].endswith("{{ agent_name }}")  # Jinja stays code
    again = await tenant.admin.post(f"/v1/templates/{template['id']}/translate", json={"target": "zh"})
    assert again.status_code == 409
    assert (
        await tenant.agent.post(f"/v1/templates/{template['id']}/translate", json={"target": "es"})
    ).status_code == 403


async def test_tenants_share_neither_settings_glossary_nor_cache(tenant, other_tenant, sandbox):
    await _configure(tenant, sandbox)
    await tenant.admin.post("/v1/translation/glossary", json={"term": "SecretBrand"})
    msg = await _walmart_message(tenant)
    assert (await tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).json()["status"] == "translated"
    assert (await other_tenant.agent.get("/v1/translation/settings")).json()["configured"] is False
    assert (await other_tenant.agent.get("/v1/translation/glossary")).json() == []
    assert (await other_tenant.agent.get(f"/v1/messages/{msg['id']}/translation")).status_code == 404
    # The same text in the other org is not answered from the first org's cache.
    await _configure(other_tenant, sandbox)
    theirs = await _walmart_message(other_tenant)
    assert (await other_tenant.agent.get(f"/v1/messages/{theirs['id']}/translation")).json()["status"] == "translated"
