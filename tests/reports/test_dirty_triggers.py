"""The metric triggers compare a statement's old and new rows without a join cached for the connection
(0018, 0019): a connection whose first clock update touched two rows marks the hours of a later
300-row update exactly, an update of nothing the metrics read marks nothing, and no trigger function
keeps a transition-table join in a plan cached for the connection (a nested loop planned for two rows
once made a batch of 4,000 breaches spend 1.7 s in the trigger). A clock marks only the hours whose
facts changed (0020), and folding those alone gives what a rebuild from raw rows gives."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from api.reports import rollup
from tests.helpers import make_channel
from tests.reports.test_reports_api import _rows

BUCKET = datetime(2026, 3, 2, 10, tzinfo=UTC)


async def test_no_trigger_function_caches_a_transition_table_join(sessionmaker):
    async with sessionmaker() as s:
        sources = (
            await s.execute(
                text(
                    "SELECT proname, prosrc FROM pg_proc "
                    "WHERE prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')"
                )
            )
        ).all()
    by_name = dict(sources)
    # The clocks' and messages' triggers diff the two sides with EXCEPT; the conversations' trigger
    # keeps two joins, run through EXECUTE (planned with the sizes of the call).
    assert "EXCEPT" in by_name["hourglass_metric_dirty_clocks"]
    assert "EXCEPT" in by_name["hourglass_metric_dirty_messages"]
    joining = {name: src for name, src in sources if re.search(r"JOIN\s+(old|new)_rows", src)}
    assert "hourglass_metric_conversations" in joining
    for name, src in joining.items():
        # What lies outside the EXECUTE $q$ ... $q$ blocks is planned once per connection.
        static = re.sub(r"EXECUTE \$q\$.*?\$q\$", "", src, flags=re.S)
        assert not re.search(r"JOIN\s+(old|new)_rows", static), name


async def test_a_batch_after_a_small_update_on_the_same_connection_marks_its_hours(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    n = 302
    conversations = [uuid.uuid4() for _ in range(n)]
    clocks = [uuid.uuid4() for _ in range(n)]
    async with sessionmaker.begin() as s:
        await s.execute(
            text(
                "INSERT INTO conversations (id, organization_id, channel_id, marketplace, thread_key, last_message_at) "
                "SELECT c, :org, :channel, 'api', 't:' || c, :at FROM unnest(CAST(:ids AS uuid[])) AS c"
            ),
            {"org": tenant.org_id, "channel": uuid.UUID(channel["id"]), "ids": conversations, "at": BUCKET},
        )
        await s.execute(
            text(
                "INSERT INTO sla_clocks (id, organization_id, conversation_id, kind, policy_snapshot, reason, "
                "marketplace, channel_id, started_at, due_at) "
                "SELECT k, :org, c, 'marketplace_first_response', '{}'::jsonb, 'test', 'api', :channel, :at, :due "
                "FROM unnest(CAST(:clocks AS uuid[]), CAST(:ids AS uuid[])) AS x(k, c)"
            ),
            {
                "org": tenant.org_id,
                "channel": uuid.UUID(channel["id"]),
                "clocks": clocks,
                "ids": conversations,
                "at": BUCKET,
                "due": BUCKET + timedelta(hours=1),
            },
        )
    breach = text("UPDATE sla_clocks SET state = 'breached', breached_at = :at WHERE id = ANY(CAST(:ids AS uuid[]))")
    async with sessionmaker() as s:
        for _ in range(6):  # PL/pgSQL settles on a cached plan after a few calls
            async with s.begin():
                await s.execute(text("DELETE FROM metric_dirty_hours"))
                await s.execute(breach, {"ids": clocks[:2], "at": BUCKET + timedelta(hours=2)})
                await s.execute(
                    text(
                        "UPDATE sla_clocks SET state = 'running', breached_at = NULL "
                        "WHERE id = ANY(CAST(:ids AS uuid[]))"
                    ),
                    {"ids": clocks[:2]},
                )
        async with s.begin():
            await s.execute(text("DELETE FROM metric_dirty_hours"))
            await s.execute(breach, {"ids": clocks[2:], "at": BUCKET + timedelta(hours=5)})
            hours = (
                await s.execute(
                    text("SELECT DISTINCT bucket FROM metric_dirty_hours WHERE organization_id = :org ORDER BY 1"),
                    {"org": tenant.org_id},
                )
            ).scalars()
            # The breach hour only (the start hour's facts did not change); the two clocks left alone add nothing.
            assert list(hours) == [BUCKET + timedelta(hours=5)]


async def test_only_a_change_the_metrics_read_marks_hours(tenant, sessionmaker):
    """A new deadline, a tag or a preview is no fact of the metrics; a breach marks its own hour (0020);
    a category or a delivery marks the hours of both the old and the new version of the row."""
    channel = await make_channel(tenant.api)
    conversation, clock, message = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    params = {"org": tenant.org_id, "channel": uuid.UUID(channel["id"]), "c": conversation, "at": BUCKET}
    async with sessionmaker.begin() as s:
        await s.execute(
            text(
                "INSERT INTO conversations (id, organization_id, channel_id, marketplace, thread_key, last_message_at) "
                "VALUES (:c, :org, :channel, 'api', 't:x', :at)"
            ),
            params,
        )
        await s.execute(
            text(
                "INSERT INTO sla_clocks (id, organization_id, conversation_id, kind, policy_snapshot, reason, "
                "marketplace, channel_id, started_at, due_at) "
                "VALUES (:k, :org, :c, 'marketplace_first_response', '{}'::jsonb, 'test', 'api', :channel, :at, :due)"
            ),
            {**params, "k": clock, "due": BUCKET + timedelta(hours=1)},
        )
        await s.execute(
            text(
                "INSERT INTO messages (id, organization_id, conversation_id, channel_id, direction, author_kind, "
                "body, sent_at, delivery_status) "
                "VALUES (:m, :org, :c, :channel, 'outbound', 'human', 'hi', :at, 'queued')"
            ),
            {**params, "m": message},
        )

    async def marked(statement: str, **values: object) -> list[datetime]:
        async with sessionmaker.begin() as s:
            await s.execute(text("DELETE FROM metric_dirty_hours"))
            await s.execute(text(statement), {"c": conversation, "k": clock, "m": message, **values})
            return list(
                (
                    await s.execute(
                        text("SELECT bucket FROM metric_dirty_hours WHERE organization_id = :org ORDER BY 1"),
                        {"org": tenant.org_id},
                    )
                ).scalars()
            )

    later = BUCKET + timedelta(hours=3)
    assert await marked("UPDATE sla_clocks SET due_at = :t WHERE id = :k", t=later) == []
    assert await marked("UPDATE conversations SET labels = '{vip}', unread = true WHERE id = :c") == []
    assert await marked("UPDATE messages SET body = 'hello' WHERE id = :m") == []
    assert await marked("UPDATE sla_clocks SET state = 'breached', breached_at = :t WHERE id = :k", t=later) == [later]
    # The conversation's facts: its clock (started and breached) and nothing else yet.
    assert await marked("UPDATE conversations SET category = 'shipping' WHERE id = :c") == [BUCKET, later]
    delivered = BUCKET + timedelta(hours=6)
    assert await marked(
        "UPDATE messages SET delivery_status = 'sent', delivered_at = :t WHERE id = :m", t=delivered
    ) == [BUCKET, delivered]


async def test_folding_only_the_hours_a_clock_change_marks_equals_a_rebuild(tenant, sessionmaker):
    """Start, breach, then a late reply, each in its own hour: each change marks the hour of the fact it
    changed, and the rollups folded from those marks are those a rebuild computes from raw rows."""
    channel = await make_channel(tenant.api, marketplace="walmart")
    conversation, clock, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    params = {"org": tenant.org_id, "channel": uuid.UUID(channel["id"]), "at": BUCKET}

    async def change(statement: str, **values: object) -> list[datetime]:
        """Run the statement, fold, and return the hours it had marked."""
        async with sessionmaker.begin() as s:
            await s.execute(text("DELETE FROM metric_dirty_hours"))
            await s.execute(text(statement), {**params, "c": conversation, "k": clock, "o": other, **values})
            hours = list(
                (
                    await s.execute(
                        text("SELECT DISTINCT bucket FROM metric_dirty_hours WHERE organization_id = :org ORDER BY 1"),
                        {"org": tenant.org_id},
                    )
                ).scalars()
            )
        async with sessionmaker.begin() as s:
            await rollup.fold(s)
        return hours

    clock_columns = (
        "INSERT INTO sla_clocks (id, organization_id, conversation_id, kind, policy_snapshot, reason, "
        "marketplace, channel_id, started_at, due_at) VALUES "
    )
    async with sessionmaker.begin() as s:
        await s.execute(
            text(
                "INSERT INTO conversations (id, organization_id, channel_id, marketplace, thread_key, last_message_at) "
                "VALUES (:c, :org, :channel, 'walmart', 't:fold', :at)"
            ),
            {**params, "c": conversation},
        )
    started = await change(
        clock_columns
        + "(:k, :org, :c, 'marketplace_first_response', '{}'::jsonb, 'test', 'walmart', :channel, :at, :due), "
        "(:o, :org, :c, 'marketplace_next_response', '{}'::jsonb, 'test', 'walmart', :channel, :at, :due)",
        due=BUCKET + timedelta(hours=1),
    )
    assert started == [BUCKET]
    breach_at, reply_at, met_at = (BUCKET + timedelta(hours=h, minutes=5) for h in (2, 4, 3))
    assert await change("UPDATE sla_clocks SET state = 'breached', breached_at = :t WHERE id = :k", t=breach_at) == [
        breach_at.replace(minute=0)
    ]
    assert await change("UPDATE sla_clocks SET stopped_at = :t, stop_reason = 'reply' WHERE id = :k", t=reply_at) == [
        reply_at.replace(minute=0)
    ]
    assert await change(
        "UPDATE sla_clocks SET state = 'met', stopped_at = :t, stop_reason = 'reply' WHERE id = :o", t=met_at
    ) == [met_at.replace(minute=0)]
    # A later start moves the wait's beginning: both start hours.
    assert await change("UPDATE sla_clocks SET started_at = :t WHERE id = :o", t=BUCKET + timedelta(hours=1)) == [
        BUCKET,
        BUCKET + timedelta(hours=1),
        met_at.replace(minute=0),
    ]

    folded = await _rows(sessionmaker, tenant.org_id)
    assert folded  # the facts are there: starts, a breach, a late first response, a met reply
    async with sessionmaker.begin() as s:
        await rollup.rebuild(s, BUCKET - timedelta(hours=1), BUCKET + timedelta(hours=6), tenant.org_id)
    assert await _rows(sessionmaker, tenant.org_id) == folded
