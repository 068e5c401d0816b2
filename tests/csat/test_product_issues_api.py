"""Product-issue analytics through the API: reasons stored by the automation pass (a message synced
late lands in the week it was sent), counts and rates per 1,000 units per SKU, the jump flag, the
trend, the example messages behind a number, bad ranges, and tenant isolation."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.models import ProductIssueMention
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push

NOW = datetime.now(UTC)


async def _order(tenant, channel, order_id, placed_at, sku="MUG-1", quantity=100, title="Ceramic mug"):
    r = await tenant.api.put(
        f"/v1/orders/{order_id}",
        json={
            "channel_id": channel["id"],
            "placed_at": placed_at.isoformat(),
            "items": [{"sku": sku, "title": title, "quantity": quantity}],
        },
    )
    assert r.status_code in (200, 201), r.text


async def _history(tenant):
    """Six weeks of mug sales (100 units a week, one broken mug a week), then a bad week (4 broken)."""
    channel = await make_channel(tenant.api, marketplace="ebay")
    n = 0
    for week in range(6, -1, -1):
        at = NOW - timedelta(weeks=week, hours=1) if week else NOW - timedelta(hours=2)
        await _order(tenant, channel, f"O-{week}", at)
        broken = 4 if week == 0 else 1
        for _ in range(broken):
            n += 1
            await push(
                tenant.api,
                channel["id"],
                order_id=f"O-{week}",
                external_thread_id=f"th-{n}",
                body="The mug arrived broken, the handle is cracked",
                sent_at=(at + timedelta(minutes=10)).isoformat(),
            )
    await _order(tenant, channel, "SHOE-1", NOW - timedelta(days=1), sku="SHOE-9", quantity=10, title="Runner")
    await push(
        tenant.api, channel["id"], order_id="SHOE-1", external_thread_id="shoe", body="Too small, need a bigger size"
    )
    return channel


async def test_report_rates_jump_trend_examples(tenant, other_tenant, sessionmaker):
    channel = await _history(tenant)
    await drain(sessionmaker)
    # A message synced late: sent three weeks ago, stored and processed now.
    await push(
        tenant.api,
        channel["id"],
        order_id="O-3",
        external_thread_id="late-sync",
        body="Se rompió, llegó roto",
        sent_at=(NOW - timedelta(weeks=3)).isoformat(),
    )
    await drain(sessionmaker)
    await drain(sessionmaker)  # processing twice adds nothing
    async with sessionmaker() as s:
        assert (await s.scalar(select(func.count()).select_from(ProductIssueMention))) == 12

    start = (NOW - timedelta(weeks=6, days=1)).isoformat()
    r = await tenant.admin.get("/v1/product-issues", params={"from": start})
    assert r.status_code == 200, r.text
    rows = {x["sku"]: x for x in r.json()["rows"]}
    mug = rows["MUG-1"]
    assert mug["messages"] == 11 and mug["reasons"]["damaged"] == 11 and mug["units_ordered"] == 700
    assert mug["rate_per_1000"] == round(11 * 1000 / 700, 2)
    assert mug["jump"]["jumped"] and mug["jump"]["current_rate"] == 40.0
    assert r.json()["rows"][0]["sku"] == "MUG-1"  # jumped first
    assert sum(mug["trend"]) == 11 and mug["trend"][-1] == 4
    shoe = rows["SHOE-9"]
    assert shoe["reasons"]["sizing"] == 1 and shoe["units_ordered"] == 10 and not shoe["jump"]["jumped"]

    trend = await tenant.admin.get("/v1/product-issues/trend", params={"sku": "MUG-1", "from": start})
    points = trend.json()["points"]
    assert sum(p["messages"] for p in points) == 11 and sum(p["units_ordered"] for p in points) == 700
    three_weeks_ago = (NOW - timedelta(weeks=3)).date()
    week_of_late = [p for p in points if datetime.fromisoformat(p["start"]).date() <= three_weeks_ago][-1]
    assert week_of_late["messages"] == 2  # the late-synced message counts in its own week

    ex = await tenant.admin.get("/v1/product-issues/examples", params={"sku": "MUG-1", "reason": "damaged", "limit": 3})
    examples = ex.json()
    assert len(examples) == 3 and all("damaged" in e["reasons"] for e in examples)
    conversation = await tenant.agent.get(f"/v1/conversations/{examples[0]['conversation_id']}")
    assert conversation.status_code == 200

    other = await other_tenant.admin.get("/v1/product-issues", params={"from": start})
    assert other.json()["rows"] == []
    other_ex = await other_tenant.admin.get("/v1/product-issues/examples", params={"sku": "MUG-1"})
    assert other_ex.json() == []


async def test_bad_ranges(tenant):
    r = await tenant.admin.get(
        "/v1/product-issues", params={"from": "2025-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.to"
    r = await tenant.admin.get(
        "/v1/product-issues/trend",
        params={"sku": "X", "bucket": "day", "from": "2026-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"},
    )
    assert r.status_code == 422 and "92" in r.json()["errors"][0]["reason"]
    r = await tenant.admin.get("/v1/product-issues", params={"reason": "smelly"})
    assert r.status_code == 422


async def test_rebuild_classifies_messages_stored_before_the_table(tenant, other_tenant, sessionmaker):
    from sqlalchemy import delete

    from api.product_issue.service import rebuild

    await _history(tenant)
    await _history(other_tenant)
    await drain(sessionmaker)
    async with sessionmaker() as s:
        before = await s.scalar(
            select(func.count())
            .select_from(ProductIssueMention)
            .where(ProductIssueMention.organization_id == tenant.org_id)
        )
    async with sessionmaker.begin() as s:
        await s.execute(delete(ProductIssueMention).where(ProductIssueMention.organization_id == tenant.org_id))
    async with sessionmaker.begin() as s:
        assert await rebuild(s, tenant.org_id, NOW - timedelta(weeks=8), batch=4) == 11  # buyer messages read
    async with sessionmaker.begin() as s:
        await rebuild(s, tenant.org_id, NOW - timedelta(weeks=8), batch=4)  # idempotent
    async with sessionmaker() as s:
        counts = dict(
            (
                await s.execute(
                    select(ProductIssueMention.organization_id, func.count()).group_by(
                        ProductIssueMention.organization_id
                    )
                )
            ).all()
        )
    assert counts[tenant.org_id] == before == 11 and counts[other_tenant.org_id] == 11
