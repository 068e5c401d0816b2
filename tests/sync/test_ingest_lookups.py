"""A page's lookups in `hourglass_ingest_many` read by key, whatever the channel's history (0022).

The function keeps generic plans for the life of a connection (0019). Made while the tables were small,
those plans read every stored message of the channel for the replay check, and every customer of the
organization for the buyers' lookup: ingest slowed down as a channel grew. Here one connection
ingests a history first (so its plans are made on small tables, as on a fresh install), then pages;
PostgreSQL's per-transaction counters of a page's transaction say how many rows it read from
messages, customers, orders, clocks and conversations. Rows, not time: the bound is the page's own
keys, with a margin."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.message.inbound import InboundMessage
from api.models import Channel
from api.sync.inbound import ingest_batch
from tests.helpers import make_channel

HISTORY_PAGES = 20  # of 100 messages: 2,000 stored messages, 1,000 buyers, 1,000 orders
PAGE = 20
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)  # every message's time is past


def _page(first: int, count: int, thread_of: int | None = None) -> list[InboundMessage]:
    """Messages m-first...; two per thread (and buyer, and order), numbered from the messages', or
    from `thread_of` on: threads of the history, whose conversations have open SLA clocks."""
    return [
        InboundMessage(
            external_message_id=f"m-{i}",
            external_thread_id=f"t-{k}",
            buyer_external_id=f"b-{k}",
            buyer_name="A buyer",
            subject="Order question",
            body="When will my order ship?",
            order_id=f"o-{k}",
            sent_at=START + timedelta(seconds=i),
        )
        for i in range(first, first + count)
        for k in [i // 2 if thread_of is None else thread_of + (i - first) // 2]
    ]


async def _rows_read(s: Any) -> dict[str, int]:
    """Rows this transaction has read so far from the tables a page looks up (any scan)."""
    result = await s.execute(
        text(
            "SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n "
            "FROM pg_stat_xact_user_tables "
            "WHERE relname IN ('messages', 'customers', 'orders', 'sla_clocks', 'conversations')"
        )
    )
    return {r.relname: r.n for r in result}


async def test_a_page_reads_its_own_keys_not_the_channels_history(tenant: Any, settings: Settings) -> None:
    created = await make_channel(tenant.api, marketplace="shopee")
    engine = create_engine(settings.database_url, settings, pool_size=1)  # one connection: one set of plans
    maker = create_sessionmaker(engine)
    channel_id = uuid.UUID(created["id"])

    async def ingest(first: int, thread_of: int | None = None) -> dict[str, int]:
        """A page of PAGE messages from `first` (see _page); the rows its transaction read."""
        # A backend's counters of finished transactions wait up to a second to be flushed, and until
        # then they show in the pg_stat_xact views too: flushed first (when this one ends), the
        # page's transaction counts only its own reads.
        async with maker.begin() as s:
            await s.execute(text("SELECT pg_stat_force_next_flush()"))
        async with maker.begin() as s:
            channel = await s.get(Channel, channel_id)
            await ingest_batch(s, channel, _page(first, PAGE, thread_of))
            return await _rows_read(s)

    try:
        for p in range(HISTORY_PAGES):
            async with maker.begin() as s:
                channel = await s.get(Channel, channel_id)
                await ingest_batch(s, channel, _page(p * 100, 100))
            if p == 0:
                # A buyer writes again on a thread while the tables are small: the statements that read
                # existing conversations' clocks run (and are planned) now.
                async with maker.begin() as s:
                    channel = await s.get(Channel, channel_id)
                    await ingest_batch(s, channel, _page(40_000, 2, thread_of=0))
        # The orders exist too (an ERP or the order sync wrote them), so the orders' lookup finds rows.
        async with maker.begin() as s:
            await s.execute(
                text(
                    "INSERT INTO orders (id, organization_id, external_id, marketplace) "
                    "SELECT gen_random_uuid(), :org, 'o-' || g, 'shopee' FROM generate_series(0, 1099) g"
                ),
                {"org": tenant.org_id},
            )
        # The replays' and the orders' lookups read by key with the plans made on the small tables.
        before_analyze = await ingest(HISTORY_PAGES * 100 - PAGE // 2)
        # The buyers' lookup is planned per call, from the statistics autovacuum keeps (customers has
        # four indexes that begin with organization_id; which is cheapest depends on the table's size).
        async with maker.begin() as s:
            await s.execute(text("ANALYZE messages, customers, orders"))
        after_analyze = await ingest(HISTORY_PAGES * 100 + PAGE // 2)
        # New messages on threads of the history: their conversations' open clocks are read and locked.
        existing_threads = await ingest(10 * HISTORY_PAGES * 100, thread_of=100)
    finally:
        await engine.dispose()
    # Each table is read a few times per key of the page (lookups, the insert's conflict check, foreign
    # keys); the history (2,000 messages, 1,000 buyers, 1,100 orders) must not show.
    assert before_analyze["messages"] <= 4 * PAGE, before_analyze
    assert before_analyze["orders"] <= 4 * PAGE, before_analyze
    assert after_analyze["messages"] <= 4 * PAGE, after_analyze
    assert after_analyze["orders"] <= 4 * PAGE, after_analyze
    assert after_analyze["customers"] <= 4 * PAGE, after_analyze
    assert existing_threads["sla_clocks"] > 0, existing_threads  # the clocks' statements ran
    for table in ("messages", "customers", "orders", "sla_clocks", "conversations"):
        assert existing_threads[table] <= 4 * PAGE, existing_threads
