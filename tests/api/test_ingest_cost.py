"""The push path's database round trips, counted: ingest is CPU- and latency-bound in Python, so each
statement saved is throughput (benchmarks/inbound_push.py). A change that adds one fails here and
must say why, rather than slow every message down unnoticed. Before the pipeline stored a message
through `hourglass_ingest` (migration 0006) these were 11, 7 and 1 (13, 9 and 3 with the request)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from api.auth import repository as auth_repository
from tests.helpers import inbound, make_channel, push

BUYER = {"external_id": "cost-buyer", "name": "Ann"}


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if auth_repository.USAGE_FLUSH_SQL.split("FROM")[0].strip() in statement:
            # The API process's key-usage flusher runs every few seconds in a transaction of its own
            # (api/auth/usage.py), whenever a test's app has used a key: not part of any request.
            return
        seen.append(statement.split(None, 3)[0].upper() + " " + statement[:120])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _pipeline(seen: list[str]) -> list[str]:
    """The statements of the message pipeline (api/message/pipeline.py), without the request's
    authentication and channel lookup, which other tests count."""
    return [s for s in seen if not s.startswith("SELECT SELECT") or ("api_keys." not in s and "channels." not in s)]


async def test_a_new_conversation_a_follow_up_and_a_replay_cost_a_known_number_of_statements(tenant):
    channel = await make_channel(tenant.api)
    # Warm the per-process policy cache, as in production: the first push creates the built-in
    # policies (not cached while uncommitted), the second caches them.
    await push(tenant.api, channel["id"])
    await push(tenant.api, channel["id"])
    with statements() as new:
        first = await push(
            tenant.api, channel["id"], external_thread_id="cost-1", order_id="111-0000000-0000009", buyer=BUYER
        )
    again = inbound(external_thread_id="cost-1", external_message_id="cost-2", buyer=BUYER)
    with statements() as follow_up:
        second = (await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=again)).json()
    with statements() as replay:
        r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=again)
    assert r.status_code == 200 and r.json()["id"] == second["id"]
    assert first["conversation_id"] == second["conversation_id"]
    # hourglass_ingest_many (replays, customers, orders, conversations, messages, counters, open clocks),
    # then the SLA clocks with their timers and the deadline, then the outbox.
    assert len(_pipeline(new)) <= 3, "\n".join(new)
    # hourglass_ingest_many, the outbox: the clocks already run for this wait.
    assert len(_pipeline(follow_up)) <= 2, "\n".join(follow_up)
    # hourglass_ingest_many finds the message and returns it.
    assert len(_pipeline(replay)) == 1, "\n".join(replay)
    # The whole request, authentication and channel included.
    assert len(new) <= 5 and len(follow_up) <= 4 and len(replay) <= 3, "\n".join(new + follow_up + replay)
    # The conversation is born classified: no second write to set its category.
    assert not any(s.startswith("UPDATE") and "category" in s for s in new), "\n".join(new)
