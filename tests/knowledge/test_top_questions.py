"""GET /v1/knowledge/top-questions and the drafts made from a group: buyer questions grouped by
meaning across languages, automatic and no-response messages left out, the period limited, each
organization seeing only its own questions, and drafts created as drafts with the examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.knowledge import top_questions
from tests.helpers import make_channel, push

WHERE = [
    "Hi, where is my order? Tracking has not moved.",
    "where is my package??",
    "Hola, ¿dónde está mi pedido?",
    "你好，我的包裹到哪了？",
    "我的快递在哪里",
]
CANCEL = ["Can I cancel my order?", "Quiero cancelar mi pedido", "我想取消订单"]


async def _ask(client, channel_id: str, texts: list[str], **extra) -> list[dict]:  # type: ignore[no-untyped-def]
    return [await push(client, channel_id, body=t, **extra) for t in texts]


def _setup() -> None:
    top_questions._cache.clear()


async def test_groups_counts_examples_and_coverage(tenant):
    _setup()
    channel = await make_channel(tenant.api)
    asked = await _ask(tenant.api, channel["id"], WHERE + CANCEL)
    # A thanks-only message and our own reply are not questions.
    await push(tenant.api, channel["id"], body="Thanks, got it, everything is fine!")
    await tenant.agent.post(f"/v1/conversations/{asked[0]['conversation_id']}/replies", json={"body": "where is it"})
    r = await tenant.agent.get("/v1/knowledge/top-questions")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["questions"] == len(WHERE) + len(CANCEL)
    first, second = body["clusters"][:2]
    assert first["count"] == len(WHERE) and second["count"] == len(CANCEL)
    assert {e["text"] for e in first["examples"]} == set(WHERE)
    assert {e["conversation_id"] for e in first["examples"]} <= {a["conversation_id"] for a in asked}
    assert first["marketplaces"] == [{"value": "api", "count": len(WHERE)}]
    assert "@where" in first["terms"]
    # No article yet; cancelling is answered by no template or article (test_covered_by_... adds one).
    assert not any(c["kind"] == "article" for c in second["covered_by"])

    # Filters: another marketplace has none of these questions.
    r = await tenant.agent.get("/v1/knowledge/top-questions", params={"marketplace": "ebay"})
    assert r.json()["clusters"] == []


async def test_period_is_limited_and_checked(tenant):
    _setup()
    now = datetime.now(UTC)
    r = await tenant.agent.get(
        "/v1/knowledge/top-questions",
        params={"from": (now - timedelta(days=120)).isoformat(), "to": now.isoformat()},
    )
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "query.to" and "92" in error["reason"]
    r = await tenant.agent.get(
        "/v1/knowledge/top-questions", params={"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.from"
    # An old question is outside the default 30 days.
    channel = await make_channel(tenant.api)
    await push(tenant.api, channel["id"], body="Where is my order?", sent_at=(now - timedelta(days=40)).isoformat())
    assert (await tenant.agent.get("/v1/knowledge/top-questions")).json()["questions"] == 0


async def test_other_organizations_questions_are_never_seen(tenant, other_tenant):
    _setup()
    channel = await make_channel(other_tenant.api)
    await _ask(other_tenant.api, channel["id"], ["secret 机密 where is my order", "where is my order 机密"])
    victim = (await other_tenant.agent.get("/v1/knowledge/top-questions")).json()
    assert victim["questions"] == 2
    own = (await tenant.agent.get("/v1/knowledge/top-questions")).json()
    assert own["questions"] == 0 and own["clusters"] == []
    key = victim["clusters"][0]["key"]
    r = await tenant.admin.post(f"/v1/knowledge/top-questions/{key}/draft-article")
    assert r.status_code == 404
    r = await tenant.admin.post(f"/v1/knowledge/top-questions/{key}/draft-template")
    assert r.status_code == 404


async def test_drafts_are_drafts_with_the_examples(tenant):
    _setup()
    channel = await make_channel(tenant.api)
    await _ask(tenant.api, channel["id"], [*CANCEL, "Please cancel my order", "cancel the order please"])
    top = (await tenant.agent.get("/v1/knowledge/top-questions", params={"marketplace": "api"})).json()
    group = top["clusters"][0]
    assert group["count"] == 5

    # Agents cannot draft (settings:write).
    r = await tenant.agent.post(f"/v1/knowledge/top-questions/{group['key']}/draft-article")
    assert r.status_code == 403

    r = await tenant.admin.post(
        f"/v1/knowledge/top-questions/{group['key']}/draft-article", params={"marketplace": "api"}
    )
    assert r.status_code == 201, r.text
    article = r.json()
    assert article["status"] == "draft" and "top-question" in article["tags"]
    assert article["marketplaces"] == ["api"] and article["categories"] == ["cancel"]
    (variant,) = article["variants"]
    assert variant["title"] == group["label"]
    for example in group["examples"]:
        assert example["text"] in variant["body"]
    # Not offered to agents or on help pages while a draft.
    listed = (await tenant.admin.get("/v1/knowledge/articles", params={"status": "draft"})).json()
    assert [a["id"] for a in listed] == [article["id"]]
    r = await tenant.admin.post(
        f"/v1/knowledge/top-questions/{group['key']}/draft-article", params={"marketplace": "api"}
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "path.cluster_key"

    r = await tenant.admin.post(
        f"/v1/knowledge/top-questions/{group['key']}/draft-template", params={"marketplace": "api"}
    )
    assert r.status_code == 201, r.text
    template = r.json()
    assert template["is_active"] is False and template["category"] == "cancel"
    assert all(e["text"] in template["body"] for e in group["examples"])
    # The examples are a template comment: rendering sends none of them.
    conversation = (await push(tenant.api, channel["id"], body="cancel?"))["conversation_id"]
    preview = await tenant.admin.post(f"/v1/templates/{template['id']}/preview", json={"conversation_id": conversation})
    assert preview.status_code == 200, preview.text
    assert "cancel" not in preview.json()["text"].lower()

    # An unknown group is a 404; a malformed key a 422.
    assert (await tenant.admin.post("/v1/knowledge/top-questions/0123456789abcdef/draft-article")).status_code == 404
    assert (await tenant.admin.post("/v1/knowledge/top-questions/nope/draft-article")).status_code == 422


async def test_covered_by_a_published_article(tenant):
    _setup()
    r = await tenant.admin.post(
        "/v1/knowledge/articles",
        json={
            "status": "published",
            "variants": [
                {"language": "en", "title": "Cancel an order", "body": "You can cancel your order before it ships."}
            ],
        },
    )
    assert r.status_code == 201
    channel = await make_channel(tenant.api)
    await _ask(tenant.api, channel["id"], ["Can I cancel my order?", "how do I cancel my order"])
    group = (await tenant.agent.get("/v1/knowledge/top-questions")).json()["clusters"][0]
    assert group["covered_by"][0]["kind"] == "article"
    assert group["covered_by"][0]["title"] == "Cancel an order"
