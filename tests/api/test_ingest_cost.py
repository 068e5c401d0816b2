"""The push path's database round trips, counted: ingest is CPU- and latency-bound in Python, so each
statement saved is throughput (benchmarks/inbound_push.py). A change that adds one fails here and
must say why, rather than slow every message down unnoticed."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.helpers import make_channel, push

BUYER = {"external_id": "cost-buyer", "name": "Ann"}


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement.split(None, 3)[0].upper() + " " + statement[:120])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_a_new_conversation_and_a_follow_up_cost_a_known_number_of_statements(tenant):
    channel = await make_channel(tenant.api)
    await push(tenant.api, channel["id"])  # warm the per-process policy cache, as in production
    with statements() as new:
        first = await push(
            tenant.api, channel["id"], external_thread_id="cost-1", order_id="111-0000000-0000009", buyer=BUYER
        )
    with statements() as follow_up:
        second = await push(
            tenant.api, channel["id"], external_thread_id="cost-1", external_message_id="cost-2", buyer=BUYER
        )
    assert first["conversation_id"] == second["conversation_id"]
    # auth + channel + replay check + customer + order + conversation + message + update ... + outbox
    assert len(new) <= 14, "\n".join(new)
    assert len(follow_up) <= 9, "\n".join(follow_up)
    # The conversation is born classified: no second write to set its category.
    assert not any(s.startswith("UPDATE") and "category" in s for s in new), "\n".join(new)
