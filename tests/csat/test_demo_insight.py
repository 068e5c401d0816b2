"""The demo's insight data: CSAT on (an eBay resolution gets an in-thread question, a Walmart one
none) and a mug whose damage rate jumped in the latest week, with the messages behind it."""

from hourglass.demo import seed_demo
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push


async def test_demo_shows_a_jumped_damage_rate_and_csat_is_on(app, database_url, sessionmaker):
    import httpx

    await seed_demo(database_url)
    creds = await seed_demo(database_url)  # twice adds nothing twice
    await drain(sessionmaker)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {creds.api_key}"},
    ) as api:
        report = (await api.get("/v1/product-issues")).json()
        mug = next(r for r in report["rows"] if r["sku"] == "MUG-350")
        assert mug["reasons"]["damaged"] == 12 and mug["jump"]["jumped"], mug
        assert report["rows"][0]["sku"] == "MUG-350"
        examples = (await api.get("/v1/product-issues/examples", params={"sku": "MUG-350"})).json()
        assert examples and all("damaged" in e["reasons"] for e in examples)

        settings = (await api.get("/v1/csat/settings")).json()
        assert (
            settings["enabled"] and settings["forms"]["ebay"] == "in_thread" and settings["forms"]["walmart"] == "none"
        )
        decided = {}
        for marketplace in ("ebay", "walmart"):
            channel = await make_channel(api, marketplace=marketplace)
            conv = (await push(api, channel["id"]))["conversation_id"]
            r = await api.patch(f"/v1/conversations/{conv}", json={"status": "resolved"})
            assert r.status_code == 200, r.text
            decided[marketplace] = (await api.get(f"/v1/csat/conversations/{conv}")).json()[0]
        assert decided["ebay"]["state"] == "scheduled" and decided["ebay"]["form"] == "in_thread"
        assert decided["walmart"]["state"] == "refused" and "Walmart" in decided["walmart"]["reason"]
