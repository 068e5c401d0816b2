"""A poll reads the marketplace's next page while it stores the current one (api/sync/polling.py).
What is stored, and the cursor, are still page by page: a page the marketplace fails takes nothing
stored with it, and the next poll goes on from the last page stored, every message once."""

from __future__ import annotations

from typing import Any

from api.channel.connectors.base import Transient
from api.channel.connectors.shopee import ShopeeConnector
from api.sync import polling
from tests.sync.conftest import connect, poll


async def _inbound_ids(client: Any, channel_id: str) -> list[str]:
    r = await client.get("/v1/messages", params={"channel_id": channel_id, "direction": "inbound", "limit": 200})
    return [m["external_id"] for m in r.json()["items"]]


async def test_a_failed_page_keeps_the_pages_stored_before_it(tenant, sb, rt, monkeypatch):
    channel = await connect(tenant.api, sb, "shopee", page_budget=2)
    for i in range(7):
        sb.inject("shopee", f"Do you ship item {i} to Canada?", category="pre_sale")
    expected = set(sb.state.truth.buyer_message_ids(store_id=sb.store("shopee").id))
    assert len(expected) == 7

    fetch, commit_page = ShopeeConnector.fetch, polling._commit_page
    calls = 0
    storing: list[str] = []  # "begin" / "end" of each page's transaction
    seen_when_read: list[list[str]] = []

    async def second_page_fails(self: ShopeeConnector, cursor: Any) -> Any:
        nonlocal calls
        calls += 1
        seen_when_read.append(list(storing))
        if calls == 2:
            raise Transient("shopee answered 503", status="503")
        return await fetch(self, cursor)

    async def commit_watched(*args: Any) -> Any:
        storing.append("begin")
        try:
            return await commit_page(*args)
        finally:
            storing.append("end")

    monkeypatch.setattr(ShopeeConnector, "fetch", second_page_fails)
    monkeypatch.setattr(polling, "_commit_page", commit_watched)
    first = await poll(rt, channel)
    assert first.error is not None and "503" in first.error
    assert (first.pages, first.created) == (1, 2)
    assert len(await _inbound_ids(tenant.api, channel["id"])) == 2
    # The second page was asked for while the first one was being stored, not after.
    assert seen_when_read == [[], ["begin"]]

    monkeypatch.setattr(ShopeeConnector, "fetch", fetch)
    rest = await poll(rt, channel)
    assert rest.error is None, rest.error
    # The pages after the stored one, read again from its cursor; none of the first page twice.
    assert rest.created == 5 and rest.pages == 3
    ids = await _inbound_ids(tenant.api, channel["id"])
    assert len(ids) == len(set(ids)) == 7
