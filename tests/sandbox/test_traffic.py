"""The traffic generator's mix and determinism, and the shared order catalogue."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from sandbox.catalog import Catalog
from sandbox.config import MARKETPLACES
from sandbox.models import Store
from sandbox.traffic import TrafficGenerator
from tests.sandbox.helpers import running

pytestmark = pytest.mark.asyncio

ORDER_FORMATS = {
    "amazon": r"\d{3}-\d{7}-\d{7}",
    "walmart": r"\d{13,15}",
    "ebay": r"\d{2}-\d{5}-\d{5}",
    "shopee": r"\d{6}[A-Z0-9]{8}",
    "tiktok": r"\d{18}",
}
ANCHOR = datetime(2026, 3, 1, 12, tzinfo=UTC)


def stores() -> list[Store]:
    return [
        Store(
            id=f"{m}-1",
            marketplace=m,
            name=f"Shop {m}",
            seller_handle=f"shop_{m}",
            region="SG" if m == "shopee" else "US",
            created_at=ANCHOR,
        )
        for m in MARKETPLACES
    ]


def plan(seed: int, count: int) -> list[dict]:
    generator = TrafficGenerator(seed, Catalog(seed, ANCHOR, orders_per_store=30))
    return [generator.plan(stores()).summary() for _ in range(count)]


async def test_same_seed_same_messages() -> None:
    assert plan(42, 200) == plan(42, 200)
    assert plan(42, 50) != plan(43, 50)

    async def world(seed: int) -> list[tuple[str, str, str, str]]:
        async with running(seed=seed) as sb:
            sb.state.traffic.burst(40)
            return [(m.store_id, m.category, m.language, m.body) for m in sb.state.truth.buyer_messages]

    assert await world(5) == await world(5)


async def test_realistic_mix_per_marketplace() -> None:
    planned = plan(7, 1500)
    by_market: dict[str, Counter[str]] = {m: Counter() for m in MARKETPLACES}
    for p in planned:
        by_market[p["store_id"].split("-")[0]][p["intent"]] += 1
    for marketplace, counts in by_market.items():
        for intent in ("pre_sale", "where_is_my_order", "return", "complaint", "spam"):
            assert counts[intent] > 0, (marketplace, intent)
    assert by_market["walmart"]["walmart_customer_care"] > 0
    assert by_market["walmart"]["bbb_complaint"] + by_market["walmart"]["attorney_general_complaint"] > 0
    assert by_market["ebay"]["system_notice"] > 0
    assert all(by_market[m]["walmart_customer_care"] == 0 for m in MARKETPLACES if m != "walmart")

    languages = Counter(p["language"] for p in planned)
    assert 0.05 <= languages["zh"] / len(planned) <= 0.2
    assert languages["es"] > 0
    follow_ups = [p for p in planned if p["follow_up_of"] is not None]
    assert 0.05 <= len(follow_ups) / len(planned) <= 0.25
    assert len({p["body"] for p in planned}) > 0.7 * len(planned)  # varied, not canned
    for p in planned:
        if p["order_id"]:
            marketplace = p["store_id"].split("-")[0]
            assert re.fullmatch(ORDER_FORMATS[marketplace], p["order_id"]), p
        if p["intent"] == "pre_sale":
            assert p["order_id"] is None


async def test_catalog_is_shared_and_deterministic() -> None:
    for store in stores():
        first = Catalog(9, ANCHOR).orders_for_store(store)
        again = Catalog(9, ANCHOR).orders_for_store(store)
        assert [o.order_id for o in first] == [o.order_id for o in again]
        for order in first:
            assert re.fullmatch(ORDER_FORMATS[store.marketplace], order.order_id)
            assert order.items and all(i.quantity >= 1 for i in order.items)
            if order.shipment:
                assert order.shipment.tracking_number and order.shipment.carrier
    async with running(seed=9) as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        served = (await client.get("/_sandbox/orders", params={"store_id": "amazon-1"})).json()["orders"]
        assert [o["order_id"] for o in served] == [
            o.order_id for o in sb.state.catalog.orders_for_store(sb.store("amazon-1"))
        ]
        assert served[0]["total"]["currency"] == "USD" and served[0]["buyer"]["full_name"]


async def test_runner_sends_at_a_rate_and_follow_ups_share_threads() -> None:
    async with running() as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
        started = await client.post("/_sandbox/traffic/start", json={"rate_per_min": 6000})
        assert started.json()["running"] is True
        # Until it has sent a few (bounded, generous), not for a fixed time: a busy machine sends later.
        for _ in range(200):
            if (await client.get("/_sandbox/traffic")).json()["sent"] > 5:
                break
            await asyncio.sleep(0.05)
        stopped = (await client.post("/_sandbox/traffic/stop")).json()
        assert stopped["running"] is False and stopped["sent"] > 5
        burst = (await client.post("/_sandbox/traffic/burst", json={"count": 120})).json()
        assert len(burst["message_ids"]) == 120
        follow_ups = [m for m in sb.state.truth.buyer_messages if m.follow_up]
        assert follow_ups
        for record in follow_ups:
            thread = sb.state.thread(record.thread_id)
            assert len(thread.buyer_messages()) >= 2
