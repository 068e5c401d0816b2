"""Concurrent ERP pushes to one channel are stored together (api/message/push_batches.py): each request
still gets its own answer, in arrival order, after the commit; one bad message fails only itself."""

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from prometheus_client import REGISTRY
from sqlalchemy import text

from api.kit.errors import Conflict, NotFound
from api.message.inbound import InboundMessage
from api.message.push_batches import PushBatcher
from tests.helpers import inbound, make_channel


def _message(n: int, **overrides: object) -> InboundMessage:
    values: dict[str, object] = {
        "external_message_id": f"batch-{n}",
        "external_thread_id": f"thread-{n % 3}",
        "buyer_external_id": f"buyer-{n % 3}",
        "body": f"Where is my order? #{n}",
        "sent_at": datetime.now(UTC),
    }
    values.update(overrides)
    return InboundMessage(**values)  # type: ignore[arg-type]


def _batches() -> tuple[float, float]:
    """(transactions, pushes) stored by push batches so far in this process."""
    return (
        REGISTRY.get_sample_value("hourglass_push_batch_size_count") or 0.0,
        REGISTRY.get_sample_value("hourglass_push_batch_size_sum") or 0.0,
    )


async def _stored(sessionmaker, channel_id: str) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT m.external_id, c.message_count FROM messages m "
                "JOIN conversations c ON c.id = m.conversation_id "
                "WHERE m.channel_id = :channel ORDER BY m.created_at, m.id"
            ),
            {"channel": uuid.UUID(channel_id)},
        )
        return [(r[0], r[1]) for r in rows]


async def test_pushes_waiting_together_are_one_transaction_answered_each(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    batcher = PushBatcher(sessionmaker)
    before = _batches()
    # All are queued before the first batch starts (the drain task runs after the gathered pushes).
    decisions = await asyncio.gather(
        *(batcher.receive(tenant.org_id, uuid.UUID(channel["id"]), _message(n)) for n in range(12))
    )
    after = _batches()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 12)
    assert [d.message.external_id for d in decisions] == [f"batch-{n}" for n in range(12)]
    assert all(d.created for d in decisions)
    # Threads as one by one: three conversations of four messages each.
    assert len({d.message.conversation_id for d in decisions}) == 3
    stored = await _stored(sessionmaker, channel["id"])
    assert sorted(e for e, _ in stored) == sorted(f"batch-{n}" for n in range(12))
    assert {count for _, count in stored} == {4}


async def test_a_copy_in_the_same_batch_is_a_replay_and_a_changed_copy_is_refused(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    batcher = PushBatcher(sessionmaker)
    channel_id = uuid.UUID(channel["id"])
    message = _message(1)
    first, copy, changed = await asyncio.gather(
        batcher.receive(tenant.org_id, channel_id, message),
        batcher.receive(tenant.org_id, channel_id, replace(message)),
        batcher.receive(tenant.org_id, channel_id, replace(message, body="something else")),
    )
    assert first.created and not copy.created and not copy.conflicting
    assert copy.message.id == first.message.id
    assert changed.conflicting and changed.message.id == first.message.id
    assert [e for e, _ in await _stored(sessionmaker, channel["id"])] == ["batch-1"]


async def test_a_message_the_database_refuses_fails_alone(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    batcher = PushBatcher(sessionmaker)
    channel_id = uuid.UUID(channel["id"])
    # Past the column's 200 characters: PostgreSQL refuses it, and with it the whole first transaction.
    too_long = _message(2, external_message_id="x" * 300)
    results = await asyncio.gather(
        *(batcher.receive(tenant.org_id, channel_id, m) for m in (_message(1), too_long, _message(3))),
        return_exceptions=True,
    )
    assert results[0].created and results[2].created  # type: ignore[union-attr]
    assert isinstance(results[1], Exception) and "too long" in str(results[1])
    assert sorted(e for e, _ in await _stored(sessionmaker, channel["id"])) == ["batch-1", "batch-3"]


async def test_the_channel_answer_is_given_to_every_push_of_the_batch(tenant, other_tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    batcher = PushBatcher(sessionmaker)
    channel_id = uuid.UUID(channel["id"])
    # Another organization's pushes to this channel: not found, for each, and nothing stored.
    refused = await asyncio.gather(
        *(batcher.receive(other_tenant.org_id, channel_id, _message(n)) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, NotFound) for r in refused)
    r = await tenant.admin.post(f"/v1/channels/{channel['id']}/disable")
    assert r.status_code == 200, r.text
    disabled = await asyncio.gather(
        *(batcher.receive(tenant.org_id, channel_id, _message(n)) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, Conflict) and "disabled" in str(r) for r in disabled)
    assert await _stored(sessionmaker, channel["id"]) == []


async def test_a_cancelled_request_neither_loses_its_message_nor_fails_the_others(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    batcher = PushBatcher(sessionmaker)
    channel_id = uuid.UUID(channel["id"])
    tasks = [asyncio.create_task(batcher.receive(tenant.org_id, channel_id, _message(n))) for n in range(4)]
    await asyncio.sleep(0)  # all four are queued
    tasks[1].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    assert all(d.created for i, d in enumerate(done) if i != 1)  # type: ignore[union-attr]
    await batcher.close()
    # The cancelled request's message was already handed over: it is stored, as a retry would find it.
    assert sorted(e for e, _ in await _stored(sessionmaker, channel["id"])) == [f"batch-{n}" for n in range(4)]


async def test_concurrent_http_pushes_get_their_own_statuses(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    path = f"/v1/channels/{channel['id']}/messages"
    payloads = [inbound(external_thread_id="shared") for _ in range(10)]
    changed = {**payloads[0], "body": "a different body"}
    responses = await asyncio.gather(*(tenant.api.post(path, json=p) for p in [*payloads, payloads[3], changed]))
    statuses = [r.status_code for r in responses]
    # Requests reach the batcher in any order: of a message and its copy, one is stored (201) and the
    # other answered with it (200); of a message and a changed copy, the first stands, the other is a 409.
    assert sorted((statuses[3], statuses[10])) == [200, 201]
    assert responses[10].json()["id"] == responses[3].json()["id"]
    assert sorted((statuses[0], statuses[11])) == [201, 409]
    refused = responses[0] if statuses[0] == 409 else responses[11]
    assert refused.json()["errors"][0]["field"] == "body.external_message_id"
    assert [s for i, s in enumerate(statuses) if i not in (0, 3, 10, 11)] == [201] * 8
    stored = await _stored(sessionmaker, channel["id"])
    assert len(stored) == 10 and {count for _, count in stored} == {10}
