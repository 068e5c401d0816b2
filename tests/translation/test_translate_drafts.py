"""Templates and knowledge articles machine-translated into draft variants for review: the glossary
and template variables survive, and a draft is hidden from buyers, suggestions and search until a
person publishes it."""

from __future__ import annotations

from sqlalchemy import select

from api.models import AuditEntry, KnowledgeVariant
from tests.translation.test_translation_api import _configure

BODY = (
    "Hello, thank you for contacting us. We are sorry for the inconvenience. BrightNest {{ tracking_number or 'soon' }}"
)
ARTICLE = {
    "key": "sorry",
    "status": "published",
    "categories": ["shipping"],
    "variants": [{"language": "en", "title": "Thank you.", "body": BODY}],
}


async def _article(tenant) -> dict:
    r = await tenant.admin.post("/v1/knowledge/articles", json=ARTICLE)
    assert r.status_code == 201, r.text
    return r.json()


async def test_an_article_translates_into_a_draft_variant_that_a_person_publishes(tenant, sandbox, sessionmaker):
    await _configure(tenant, sandbox)
    await tenant.admin.post("/v1/translation/glossary", json={"term": "BrightNest"})
    article = await _article(tenant)
    aid = article["id"]

    r = await tenant.admin.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "zh"})
    assert r.status_code == 201, r.text
    variants = {v["language"]: v for v in r.json()["variants"]}
    zh = variants["zh"]
    assert zh["draft"] is True and variants["en"]["draft"] is False
    assert zh["title"] == "谢谢。"
    assert zh["body"].startswith("您好，感谢您联系我们。很抱歉给您带来不便。")
    assert "BrightNest" in zh["body"]  # the glossary term, kept as written
    assert zh["body"].endswith("{{ tracking_number or 'soon' }}")  # template variables stay code

    # A draft is not shown: not in the list's languages or titles, not found, not exported.
    [summary] = (await tenant.agent.get("/v1/knowledge/articles", params={"language": "zh"})).json()
    assert summary["languages"] == ["en"] and summary["title"] == "Thank you."
    assert (await tenant.agent.get("/v1/knowledge/articles", params={"q": "感谢"})).json() == []
    r = await tenant.admin.get(f"/v1/knowledge/articles/{aid}/markdown", params={"language": "zh"})
    assert r.status_code == 422
    r = await tenant.admin.patch(f"/v1/knowledge/articles/{aid}", json={"default_language": "zh"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.default_language"

    # The reviewer edits the draft (it stays a draft), then publishes it.
    r = await tenant.admin.put(
        f"/v1/knowledge/articles/{aid}/variants/zh", json={"title": "感谢您的耐心", "body": zh["body"]}
    )
    assert {v["language"]: v["draft"] for v in r.json()["variants"]} == {"en": False, "zh": True}
    assert (await tenant.agent.post(f"/v1/knowledge/articles/{aid}/variants/zh/publish")).status_code == 403
    r = await tenant.admin.post(f"/v1/knowledge/articles/{aid}/variants/zh/publish")
    assert r.status_code == 200 and all(not v["draft"] for v in r.json()["variants"])
    [summary] = (await tenant.agent.get("/v1/knowledge/articles", params={"language": "zh"})).json()
    assert summary["languages"] == ["en", "zh"] and summary["title"] == "感谢您的耐心"
    assert [a["id"] for a in (await tenant.agent.get("/v1/knowledge/articles", params={"q": "感谢"})).json()] == [aid]

    async with sessionmaker() as s:
        actions = set((await s.execute(select(AuditEntry.action))).scalars())
    assert {"knowledge.translated", "knowledge.variant_published"} <= actions


async def test_article_translation_refusals(tenant, other_tenant, sandbox, sessionmaker):
    article = await _article(tenant)
    aid = article["id"]
    # Not configured: 409 with the notice, nothing saved.
    r = await tenant.admin.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "zh"})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert (
        r.json()["errors"][0] == {"field": "body.target", "message": "not_configured"}
        or r.json()["errors"][0]["field"] == "body.target"
    )
    async with sessionmaker() as s:
        assert len(list((await s.execute(select(KnowledgeVariant))).scalars())) == 1
    await _configure(tenant, sandbox)
    # A language it has already, an unknown language, an agent, another tenant.
    r = await tenant.admin.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "en"})
    assert r.status_code == 409
    r = await tenant.admin.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "xx"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.target"
    assert (
        await tenant.agent.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "zh"})
    ).status_code == 403
    r = await other_tenant.admin.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "zh"})
    assert r.status_code == 404
    r = await other_tenant.admin.post(f"/v1/knowledge/articles/{aid}/variants/en/publish")
    assert r.status_code == 404
    # A provider failure: 409 with the reason, no variant.
    await _configure(tenant, sandbox, key="sbx-garbage")
    r = await tenant.admin.post(f"/v1/knowledge/articles/{aid}/translate", json={"target": "es"})
    assert r.status_code == 409 and "unusable" in r.json()["detail"]
    async with sessionmaker() as s:
        assert len(list((await s.execute(select(KnowledgeVariant))).scalars())) == 1


async def test_templates_use_the_glossary_too(tenant, sandbox):
    await _configure(tenant, sandbox)
    await tenant.admin.post("/v1/translation/glossary", json={"term": "BrightNest"})
    created = await tenant.admin.post(
        "/v1/templates", json={"name": "Sorry", "category": "general", "language": "en", "body": BODY}
    )
    assert created.status_code == 201, created.text
    r = await tenant.admin.post(f"/v1/templates/{created.json()['id']}/translate", json={"target": "zh"})
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["is_active"] is False and "BrightNest" in draft["body"]
    assert draft["body"].startswith("您好，感谢您联系我们。很抱歉给您带来不便。")
