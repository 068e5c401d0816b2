"""A poll page goes in as one batch (api/message/pipeline.py `receive_many`, `hourglass_ingest_many`):
idempotent on the marketplace's ids, and deciding for each message what the messages one by one
would have. The kill -9 cases (a worker killed mid-page, re-polled by another) are in
test_worker_faults.py; here the batch's own guarantees, against a real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from api.message.inbound import InboundMessage
from api.message.pipeline import receive, receive_many
from api.models import Channel, Conversation, Customer, Message, OutboxEvent, SlaClock, SlaTimer
from api.sync.inbound import ingest_batch
from tests.api.test_ingest_cost import statements
from tests.helpers import make_channel

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def message(n: int, thread: str, **overrides: Any) -> InboundMessage:
    values: dict[str, Any] = {
        "external_message_id": f"m-{thread}-{n}",
        "external_thread_id": thread,
        "buyer_external_id": f"buyer-{thread}",
        "buyer_name": f"Buyer {thread}",
        "subject": f"Order question {thread}",
        "body": f"Where is my parcel? ({thread} {n})",
        "sent_at": START + timedelta(minutes=n),
    }
    return InboundMessage(**(values | overrides))


def page() -> list[InboundMessage]:
    """Three threads; thread a has a late (older) message, thread b a seller-side system message and
    a labelled one, thread c a message that needs no reply."""
    return [
        message(0, "a"),
        message(1, "b", order_id="ORD-B"),
        message(2, "a", buyer_name=""),
        message(3, "b", author_kind="system", body="Marketplace notice"),
        message(4, "c", no_response_needed=True),
        message(-5, "a", body="Sent earlier, delivered late"),
        message(6, "b", labels=("return_request",), buyer_email="b@example.com"),
    ]


async def _channel(tenant: Any, sessionmaker: Any, marketplace: str = "api") -> Channel:
    created = await make_channel(tenant.api, marketplace=marketplace)
    async with sessionmaker() as s:
        channel = await s.get(Channel, uuid.UUID(created["id"]))
        assert channel is not None
        return channel


async def _ingest(sessionmaker: Any, channel_id: uuid.UUID, messages: list[InboundMessage]) -> list[Any]:
    async with sessionmaker.begin() as s:
        channel = await s.get(Channel, channel_id)
        assert channel is not None
        return await receive_many(s, channel, messages)


async def _state(sessionmaker: Any, channel_id: uuid.UUID) -> dict[str, Any]:
    """What the channel's ingestion left, in terms independent of generated ids and times."""
    async with sessionmaker() as s:
        conversations = list(
            (await s.execute(select(Conversation).where(Conversation.channel_id == channel_id))).scalars()
        )
        by_id = {c.id: c.thread_key for c in conversations}
        messages = list((await s.execute(select(Message).where(Message.channel_id == channel_id))).scalars())
        clocks = list((await s.execute(select(SlaClock).where(SlaClock.conversation_id.in_(list(by_id))))).scalars())
        timers = (
            await s.execute(
                select(func.count()).select_from(SlaTimer).where(SlaTimer.clock_id.in_([k.id for k in clocks]))
            )
        ).scalar_one()
        customers = list(
            (
                await s.execute(
                    select(Customer.external_buyer_id, Customer.display_name, Customer.email).where(
                        Customer.id.in_([c.customer_id for c in conversations])
                    )
                )
            ).all()
        )
        events = list(
            (
                await s.execute(
                    select(OutboxEvent.event_type, OutboxEvent.conversation_id).where(
                        OutboxEvent.conversation_id.in_(list(by_id))
                    )
                )
            ).all()
        )
    columns = (
        "thread_key message_count last_message_preview last_message_at last_inbound_at first_inbound_at "
        "unread subject order_external_id labels waiting_since status category priority "
        "classification_reason language sla_deadline sla_due_soon_at"
    ).split()
    return {
        "conversations": sorted(tuple(getattr(c, name) for name in columns) for c in conversations),
        "messages": sorted(
            (m.external_id, by_id[m.conversation_id], m.author_kind, m.content_digest, m.ingest_decision)
            for m in messages
        ),
        "clocks": sorted(
            (by_id[k.conversation_id], k.kind, k.started_at, k.due_at, k.stopped_at is None) for k in clocks
        ),
        "timers": timers,
        "customers": sorted(customers),
        "events": sorted((t, by_id[c]) for t, c in events if t != "sla.updated"),
        "sla_updated": {by_id[c] for t, c in events if t == "sla.updated"},
    }


async def test_a_page_decides_what_its_messages_one_by_one_would(tenant, sessionmaker):
    batched = await _channel(tenant, sessionmaker)
    single = await _channel(tenant, sessionmaker)
    decisions = await _ingest(sessionmaker, batched.id, page())
    for m in page():
        async with sessionmaker.begin() as s:
            channel = await s.get(Channel, single.id)
            assert channel is not None
            await receive(s, channel, m)
    got, expected = await _state(sessionmaker, batched.id), await _state(sessionmaker, single.id)
    assert got == expected
    # The page made three conversations; the first message of each thread opened it.
    assert [d.conversation_created for d in decisions] == [True, True, False, False, True, False, False]
    assert [d.created for d in decisions] == [True] * 7
    # The late message of thread a is its first buyer message; its wait starts there.
    assert [d.first_message for d in decisions] == [True, True, False, False, True, True, False]
    a = next(c for c in got["conversations"] if c[0] == "t:a")
    assert a[1] == 3 and a[5] == START - timedelta(minutes=5) and a[10] == START - timedelta(minutes=5)
    assert sorted(t for t, _ in got["events"]) == ["conversation.created"] * 3 + ["message.received"] * 7
    # Thread c waits for nothing: no clock, nothing to tell.
    assert got["sla_updated"] == {"t:a", "t:b"}


async def test_a_replayed_page_changes_nothing_and_costs_one_statement(tenant, sessionmaker):
    channel = await _channel(tenant, sessionmaker)
    await _ingest(sessionmaker, channel.id, page())
    before = await _state(sessionmaker, channel.id)
    with statements() as seen:
        decisions = await _ingest(sessionmaker, channel.id, page())
    assert [d.created for d in decisions] == [False] * 7 and not any(d.conflicting for d in decisions)
    assert await _state(sessionmaker, channel.id) == before
    ingest = [s for s in seen if "hourglass_ingest_many" in s or s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(ingest) == 1, "\n".join(seen)


async def test_a_page_of_new_and_known_messages_stores_the_new_ones_once(tenant, sessionmaker):
    channel = await _channel(tenant, sessionmaker)
    first = page()[:3]
    await _ingest(sessionmaker, channel.id, first)
    mixed = [*page(), message(7, "d")]
    decisions = await _ingest(sessionmaker, channel.id, mixed)
    assert [d.created for d in decisions] == [False] * 3 + [True] * 5
    # A replay returns the stored message, not a new one.
    assert {d.message.external_id for d in decisions[:3]} == {m.external_message_id for m in first}
    state = await _state(sessionmaker, channel.id)
    assert len(state["messages"]) == 8 and len({m[0] for m in state["messages"]}) == 8
    counts = {c[0]: c[1] for c in state["conversations"]}
    assert counts == {"t:a": 3, "t:b": 3, "t:c": 1, "t:d": 1}
    assert sorted(t for t, _ in state["events"]).count("conversation.created") == 4


async def test_two_messages_of_a_new_conversation_in_one_page(tenant, sessionmaker):
    channel = await _channel(tenant, sessionmaker)
    with statements() as seen:
        decisions = await _ingest(sessionmaker, channel.id, [message(0, "n"), message(1, "n", labels=("urgent",))])
    one, two = decisions
    assert one.conversation is two.conversation and one.conversation is not None
    assert (one.conversation_created, two.conversation_created) == (True, False)
    assert (one.first_message, two.first_message) == (True, False)
    state = await _state(sessionmaker, channel.id)
    [conversation] = state["conversations"]
    assert conversation[1] == 2 and conversation[9] == ["urgent"] and conversation[10] == START
    # One set of clocks, started at the first message.
    assert state["clocks"] and {k[2] for k in state["clocks"]} == {START}
    assert sorted(t for t, _ in state["events"]) == ["conversation.created", "message.received", "message.received"]
    # The page: the store, the clocks with their timers and deadline, the outbox.
    written = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "SELECT channels", "SELECT SELECT"))]
    assert len(written) <= 3, "\n".join(seen)


async def test_a_page_of_many_conversations_costs_the_statements_of_one(tenant, sessionmaker):
    channel = await _channel(tenant, sessionmaker)
    # As in production, the policies are cached: the first ingest creates the built-in ones (not
    # cached while uncommitted), the second caches them.
    await _ingest(sessionmaker, channel.id, [message(0, "warm")])
    await _ingest(sessionmaker, channel.id, [message(1, "warm")])
    many = [message(i, f"t{i % 40}") for i in range(120)]
    with statements() as seen:
        decisions = await _ingest(sessionmaker, channel.id, many)
    assert sum(d.created for d in decisions) == 120 and sum(d.conversation_created for d in decisions) == 40
    pipeline = [s for s in seen if "channels." not in s and not s.startswith(("BEGIN", "COMMIT"))]
    assert len(pipeline) <= 3, "\n".join(pipeline)


async def test_a_copy_within_a_page_is_a_replay_of_the_first(tenant, sessionmaker):
    channel = await _channel(tenant, sessionmaker)
    copy = message(0, "x")
    changed = message(0, "x", body="Edited by the marketplace")
    decisions = await _ingest(sessionmaker, channel.id, [copy, copy, changed])
    assert [d.created for d in decisions] == [True, False, False]
    assert [d.conflicting for d in decisions] == [False, False, True]
    assert decisions[1].message.id == decisions[0].message.id
    # The connectors count both copies as duplicates.
    async with sessionmaker.begin() as s:
        bound = await s.get(Channel, channel.id)
        assert bound is not None
        tally = await ingest_batch(s, bound, [copy, message(1, "x"), changed])
    assert (tally.created, tally.duplicates) == (1, 2)
