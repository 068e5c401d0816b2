"""The public help page /help/{slug}: no login, the buyer's language, published articles only,
escaped output and a strict CSP, deflection before a question, a question sent becoming a
conversation with the shown articles as context, and limits against floods and bots."""

from __future__ import annotations

import re

from tests.helpers import make_channel
from tests.knowledge.test_suggestions import _starters

FORM = {"application/x-www-form-urlencoded"}


async def _site(tenant, **extra):
    await _starters(tenant.admin)
    store = await make_channel(tenant.api, "api", "Acme ERP")
    r = await tenant.admin.post(
        "/v1/knowledge/help-sites",
        json={"slug": "acme", "title": "Acme Store", "channel_id": store["id"], **extra},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _article_ids(html: str) -> list[str]:
    return re.findall(r'name="article_id" value="([0-9a-f-]{36})"', html)


async def test_search_and_deflect_without_login(tenant, client):
    site = await _site(tenant)
    assert site["path"] == "/help/acme"
    r = await client.get("/help/acme", params={"q": "where is my package tracking"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "frame-ancestors 'none'" in csp
    assert "<script" not in r.text and '<html lang="en">' in r.text
    assert "Where is my order? Tracking your package" in r.text
    link = re.search(r'href="(/help/acme/articles/[0-9a-f-]{36})\?lang=en"', r.text)
    assert link
    page = await client.get(link.group(1))
    assert page.status_code == 200 and "the carrier" in page.text  # the public fallback of {{ carrier }}
    (article_id,) = _article_ids(page.text)
    r = await client.post("/help/acme/answered", data={"article_id": article_id, "lang": "en"})
    assert r.status_code == 200 and "glad this helped" in r.text
    got = (await tenant.admin.get(f"/v1/knowledge/articles/{article_id}")).json()
    assert (got["view_count"], got["answered_count"]) == (1, 1)
    d = (await tenant.admin.get("/v1/knowledge/deflection")).json()
    assert (d["views"], d["answered"], d["questions_sent"]) == (1, 1, 0)
    assert d["top"][0]["title"] == "Where is my order? Tracking your package"


async def test_language_from_browser_with_fallback_notice(tenant, client):
    await _site(tenant)
    r = await client.get("/help/acme", params={"q": "退货"}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in r.text and "如何退货退款？" in r.text
    r = await client.get("/help/acme", headers={"Accept-Language": "de-DE"})
    assert "This page is not available in your language (de-DE); it is shown in English." in r.text
    # an article with no Spanish variant is shown in the default language, and says so
    r = await client.get("/help/acme", params={"q": "refund", "lang": "es"})
    link = re.search(r'href="(/help/acme/articles/[0-9a-f-]{36})\?lang=es"', r.text)
    page = await client.get(link.group(1), params={"lang": "es"})
    assert "Este artículo no está disponible en tu idioma; se muestra en inglés." in page.text


async def test_only_published_articles_and_escaped_queries(tenant, client):
    await _site(tenant)
    draft = (
        await tenant.admin.post(
            "/v1/knowledge/articles",
            json={"variants": [{"language": "en", "title": "Secret draft", "body": "internal warranty notes"}]},
        )
    ).json()
    r = await client.get("/help/acme", params={"q": "warranty"})
    assert "Secret draft" not in r.text
    assert (await client.get(f"/help/acme/articles/{draft['id']}")).status_code == 404
    assert (await client.post("/help/acme/answered", data={"article_id": draft["id"]})).status_code == 404
    r = await client.get("/help/acme", params={"q": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text
    assert (await client.get("/help/acme", params={"q": "x" * 201})).status_code == 422
    assert (await client.get("/help/nobody")).status_code == 404
    assert (await client.get("/help/acme/articles/not-a-uuid")).status_code == 404


async def test_question_shows_matches_first_then_becomes_a_conversation(tenant, client):
    site = await _site(tenant)
    question = {"question": "My lamp arrived broken, what can I do?", "email": "buyer@example.com", "name": "Li"}
    r = await client.post("/help/acme/ask", data={**question, "lang": "en", "step": "check"})
    assert r.status_code == 200 and "do these answer your question?" in r.text
    shown = _article_ids(r.text)
    assert shown and "My item arrived damaged or broken" in r.text
    assert (await tenant.api.get("/v1/conversations")).json()["items"] == []

    r = await client.post("/help/acme/ask", data={**question, "lang": "en", "step": "send"})
    assert r.status_code == 200 and "Your question was sent" in r.text
    items = (await tenant.api.get("/v1/conversations")).json()["items"]
    assert len(items) == 1 and items[0]["channel_id"] == site["intake_channel_id"]
    messages = (await tenant.api.get(f"/v1/conversations/{items[0]['id']}/messages")).json()["items"]
    assert messages[0]["body"] == question["question"]
    notes = (await tenant.api.get(f"/v1/conversations/{items[0]['id']}")).json()["notes"]
    assert "My item arrived damaged or broken" in notes[0]["body"]
    d = (await tenant.admin.get("/v1/knowledge/deflection")).json()
    assert d["questions_sent"] == len(shown) and d["deflection_rate"] == 0

    # rapid fire: a second question at once is refused
    r = await client.post("/help/acme/ask", data={**question, "question": "Another one", "step": "send"})
    assert r.status_code == 429
    assert len((await tenant.api.get("/v1/conversations")).json()["items"]) == 1


async def test_bots_and_bad_input_store_nothing(tenant, client):
    await _site(tenant)
    r = await client.post(
        "/help/acme/ask",
        data={"question": "cheap pills", "email": "bot@spam.example", "website": "http://spam", "step": "send"},
    )
    assert r.status_code == 200 and "Your question was sent" in r.text
    for data in (
        {"question": "x" * 2001, "email": "a@example.com"},
        {"question": "hello", "email": "nope"},
        {"question": "  ", "email": "a@example.com"},
    ):
        r = await client.post("/help/acme/ask", data={**data, "step": "send"})
        assert r.status_code == 422 and 'role="alert"' in r.text
    assert (await tenant.api.get("/v1/conversations")).json()["items"] == []


async def test_search_rate_limit(tenant, client, app):
    await _site(tenant)
    limit = app.state.settings.help_searches_per_minute
    for _ in range(limit):
        assert (await client.get("/help/acme", params={"q": "refund"})).status_code == 200
    r = await client.get("/help/acme", params={"q": "refund"})
    assert r.status_code == 429 and "Too many requests" in r.text


async def test_help_site_management(tenant, other_tenant):
    site = await _site(tenant)
    store = await make_channel(tenant.api, "amazon", "Acme Amazon")
    r = await tenant.admin.post(
        "/v1/knowledge/help-sites", json={"slug": "acme", "title": "Again", "channel_id": store["id"]}
    )
    assert r.status_code == 409
    r = await tenant.admin.post(
        "/v1/knowledge/help-sites", json={"slug": "acme-amazon", "title": "Amazon", "channel_id": store["id"]}
    )
    assert r.status_code == 201 and r.json()["intake_channel_id"] != store["id"]  # a new api channel
    r = await tenant.admin.post(
        "/v1/knowledge/help-sites",
        json={"slug": "x-amazon", "title": "X", "channel_id": store["id"], "intake_channel_id": store["id"]},
    )
    assert r.status_code == 422  # intake must be an api channel
    theirs = await make_channel(other_tenant.api)
    r = await tenant.admin.post(
        "/v1/knowledge/help-sites", json={"slug": "theirs", "title": "T", "channel_id": theirs["id"]}
    )
    assert r.status_code == 422
    assert (
        await other_tenant.admin.patch(f"/v1/knowledge/help-sites/{site['id']}", json={"enabled": False})
    ).status_code == 404
    r = await tenant.admin.patch(f"/v1/knowledge/help-sites/{site['id']}", json={"enabled": False})
    assert r.json()["enabled"] is False
