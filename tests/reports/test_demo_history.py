"""`hourglass demo` backfills a week per store, and the dashboard's series shows it at once."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from api.models import Channel
from hourglass.demo import seed_demo, seed_history


async def test_demo_week_of_history_per_store(app, database_url, sessionmaker):
    creds = await seed_demo(database_url)
    async with sessionmaker.begin() as s:
        org_id = (
            await s.execute(update(Channel).values(name=Channel.name).returning(Channel.organization_id))
        ).first()[0]
        s.add(Channel(organization_id=org_id, marketplace="walmart", name="Walmart demo"))
    assert await seed_history(database_url) == 2 * 7 * 4
    assert await seed_history(database_url) == 0  # a second run adds nothing
    now = datetime.now(UTC)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {creds.api_key}"},
    ) as api:
        r = await api.get(
            "/v1/reports/metrics",
            params={"from": (now - timedelta(days=8)).isoformat(), "to": now.isoformat(), "group_by": "marketplace"},
        )
        assert r.status_code == 200, r.text
        per_store = {t["marketplace"]: t for t in r.json()["totals"]}
        assert set(per_store) == {"api", "walmart"}
        for figures in per_store.values():
            assert figures["replies_human"] > 10 and figures["first_responses"] > 10
        days_with_replies = {p["period"] for p in r.json()["series"] if p["replies_human"]}
        assert len(days_with_replies) >= 6
        board = (
            await api.get(
                "/v1/reports/agents", params={"from": (now - timedelta(days=8)).isoformat(), "to": now.isoformat()}
            )
        ).json()
        assert {a["name"] for a in board["agents"]} == {"Li Na", "Carlos Ruiz"}
