"""The demo as the issue's "done when" says: starter articles in English and Chinese, a "where is my
order" conversation suggesting the shipping article with the tracking filled in, and /help/demo
answering a buyer before a question is sent."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from api.models import HelpSite, KnowledgeArticle, KnowledgeVariant
from hourglass.demo import seed_demo
from tests.helpers import push


async def test_demo_knowledge(app, database_url, sessionmaker, client):
    await seed_demo(database_url)
    creds = await seed_demo(database_url)  # twice adds nothing twice
    async with sessionmaker() as s:
        counts = [
            (await s.execute(select(func.count()).select_from(m))).scalar_one()
            for m in (KnowledgeArticle, KnowledgeVariant, HelpSite)
        ]
        languages = set((await s.execute(select(KnowledgeVariant.language))).scalars())
    assert counts == [4, 8, 1] and languages == {"en", "zh"}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {creds.api_key}"},
    ) as api:
        [erp] = [c for c in (await api.get("/v1/channels")).json()["items"] if c["marketplace"] == "api"]
        r = await api.put(
            "/v1/orders/DEMO-1001",
            json={
                "channel_id": erp["id"],
                "status": "shipped",
                "shipments": [{"carrier": "USPS", "tracking_number": "9400100000000000000000"}],
            },
        )
        assert r.status_code in (200, 201), r.text
        message = await push(api, erp["id"], order_id="DEMO-1001", body="Where is my order? It has not arrived yet.")
        [top, *_] = (await api.get(f"/v1/conversations/{message['conversation_id']}/suggestions")).json()
        assert top["title"] == "Where is my order? Tracking your package"
        assert "9400100000000000000000" in top["text"] and "USPS" in top["text"]

    page = await client.get("/help/demo", params={"q": "where is my order"})
    assert page.status_code == 200 and "Where is my order? Tracking your package" in page.text
