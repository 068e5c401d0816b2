"""/v1/knowledge/articles: variants, versions, search in Chinese and English, Markdown files, scope
checks, audit and tenancy."""

from __future__ import annotations

from sqlalchemy import select

from api.models import AuditEntry
from tests.helpers import make_channel

SHIPPING = {
    "key": "where-is-my-order",
    "status": "published",
    "categories": ["shipping"],
    "tags": ["tracking"],
    "variants": [
        {"language": "en", "title": "Where is my order?", "body": "Tracking: {{ tracking_number or 'soon' }}"},
        {"language": "zh", "title": "我的包裹在哪里", "body": "物流单号：{{ tracking_number or '稍后' }}"},
    ],
}


async def test_create_edit_version_publish_and_search(tenant, sessionmaker):
    r = await tenant.admin.post("/v1/knowledge/articles", json=SHIPPING)
    assert r.status_code == 201, r.text
    article = r.json()
    assert [v["language"] for v in article["variants"]] == ["en", "zh"] and article["published_at"]
    aid = article["id"]

    r = await tenant.admin.put(
        f"/v1/knowledge/articles/{aid}/variants/zh", json={"title": "我的包裹到哪了", "body": "请查看物流单号"}
    )
    assert r.status_code == 200 and {v["language"]: v["version"] for v in r.json()["variants"]} == {"en": 1, "zh": 2}
    versions = (await tenant.admin.get(f"/v1/knowledge/articles/{aid}/versions?language=zh")).json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["author_name"] == "Admin"

    for q, expected in (("包裹", [aid]), ("物流", [aid]), ("tracking", [aid]), ("退货", []), ("order where", [aid])):
        r = await tenant.agent.get("/v1/knowledge/articles", params={"q": q})
        assert r.status_code == 200, r.text
        assert [a["id"] for a in r.json()] == expected, q
    hit = (await tenant.agent.get("/v1/knowledge/articles", params={"q": "包裹", "language": "zh"})).json()[0]
    assert hit["title"] == "我的包裹到哪了" and hit["score"] > 0 and hit["languages"] == ["en", "zh"]

    r = await tenant.admin.patch(f"/v1/knowledge/articles/{aid}", json={"status": "archived"})
    assert r.json()["status"] == "archived"
    assert (await tenant.agent.get("/v1/knowledge/articles", params={"status": "published"})).json() == []
    async with sessionmaker() as session:
        actions = set((await session.execute(select(AuditEntry.action))).scalars())
    assert {"knowledge.article_created", "knowledge.variant_saved", "knowledge.article_updated"} <= actions


async def test_refusals_are_problems(tenant, other_tenant):
    r = await tenant.admin.post("/v1/knowledge/articles", json=SHIPPING)
    aid = r.json()["id"]
    assert (await tenant.admin.post("/v1/knowledge/articles", json=SHIPPING)).status_code == 409
    bad_template = {**SHIPPING, "key": "x", "variants": [{"language": "en", "title": "t", "body": "{{ secret }}"}]}
    r = await tenant.admin.post("/v1/knowledge/articles", json=bad_template)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "body.variants.0.body"
    no_default = {**SHIPPING, "key": "y", "default_language": "es"}
    assert (await tenant.admin.post("/v1/knowledge/articles", json=no_default)).status_code == 422
    r = await tenant.admin.delete(f"/v1/knowledge/articles/{aid}/variants/en")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.language"
    assert (await tenant.agent.post("/v1/knowledge/articles", json={**SHIPPING, "key": "z"})).status_code == 403
    # another organization's channel cannot scope an article; its articles are not found
    theirs = await make_channel(other_tenant.api)
    r = await tenant.admin.patch(f"/v1/knowledge/articles/{aid}", json={"channel_ids": [theirs["id"]]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.channel_ids.0"
    assert (await other_tenant.admin.get(f"/v1/knowledge/articles/{aid}")).status_code == 404
    assert (await other_tenant.admin.get("/v1/knowledge/articles", params={"q": "包裹"})).json() == []
    r = await other_tenant.admin.put(f"/v1/knowledge/articles/{aid}/variants/es", json={"title": "t", "body": "b"})
    assert r.status_code == 404


async def test_markdown_export_and_import_round_trip(tenant):
    await tenant.admin.post("/v1/knowledge/articles", json=SHIPPING)
    files = (await tenant.admin.get("/v1/knowledge/export")).json()["files"]
    assert sorted(f["name"] for f in files) == ["where-is-my-order.en.md", "where-is-my-order.zh.md"]
    zh = next(f for f in files if f["name"].endswith(".zh.md"))
    assert zh["content"].startswith("---\nkey: where-is-my-order\nlanguage: zh\ntitle: 我的包裹在哪里\n")

    r = await tenant.admin.post("/v1/knowledge/import", json={"files": files})
    assert r.json() == {"created": 0, "updated": 0, "unchanged": 2}
    changed = zh["content"].replace("物流单号", "快递单号")
    new = "---\nkey: returns\nlanguage: en\ntitle: Returns\nstatus: published\ntags: [refund]\n---\n\nReturn it."
    r = await tenant.admin.post(
        "/v1/knowledge/import", json={"files": [{"name": "a.md", "content": changed}, {"name": "b.md", "content": new}]}
    )
    assert r.json() == {"created": 1, "updated": 1, "unchanged": 0}
    assert [a["title"] for a in (await tenant.agent.get("/v1/knowledge/articles", params={"q": "refund"})).json()] == [
        "Returns"
    ]
    # one bad file: nothing is imported, and the problem names the file
    bad = "---\nkey: other\nlanguage: xx\ntitle: t\n---\nbody"
    r = await tenant.admin.post(
        "/v1/knowledge/import",
        json={
            "files": [{"name": "ok.md", "content": new.replace("returns", "fresh")}, {"name": "bad.md", "content": bad}]
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.files.1.content"
    assert (await tenant.agent.get("/v1/knowledge/articles", params={"q": "fresh"})).json() == []

    aid = (await tenant.agent.get("/v1/knowledge/articles", params={"q": "refund"})).json()[0]["id"]
    r = await tenant.agent.get(f"/v1/knowledge/articles/{aid}/markdown")
    assert r.headers["content-type"].startswith("text/markdown") and "title: Returns" in r.text


async def test_preview_is_sanitised(tenant):
    r = await tenant.agent.post(
        "/v1/knowledge/render", json={"body": "**hi** <script>x</script> ![i](https://e.x/a.png)"}
    )
    assert r.json()["html"] == "<p><strong>hi</strong> &lt;script&gt;x&lt;/script&gt; i</p>\n"
