"""ingest plans cached again: the metric triggers find changed rows by set difference, not by a join
planned on each call, and `hourglass_ingest_many` keeps generic plans

0018 moved the statements that join a statement's old and new rows (`new_rows JOIN old_rows ON id`)
into EXECUTE, so that a plan made for a 2-row update was not kept for a 4,000-row one. The price was
a parse and a plan of each such statement on every UPDATE of conversations, sla_clocks and messages,
changed fields or not: on the push path (`POST /v1/channels/{id}/messages`) the triggers took 40 % of
PostgreSQL's CPU per message (perf on a backend running `hourglass_ingest_many`, 2026-12-07), most of
it parsing and planning statements that then found nothing to do.

The changed rows are now the set difference of the two transition tables over the fields that
matter (`new_rows EXCEPT old_rows` for the new values, `old_rows EXCEPT new_rows` for the old): a
hashed or sorted set operation, linear or n log n whatever the plan's row estimate, so the plan is
cached for the connection again and no join of the two sides is left to go quadratic. What is marked
is what 0011 marked: for a row with a changed field, the hours of its old and of its new times.

The two resolution statements of the conversations' trigger keep 0011's join under EXECUTE, behind a
guard that reads one side only: a reopening needs an old row that was resolved, a resolution a new
row that is; most updates (an inbound message, an assignment, a tag) have neither and skip both.

`hourglass_ingest_many` (0010) runs about ten statements whose parameters are the batch's JSON.
PL/pgSQL tries custom plans first and keeps them while they look cheaper than the generic plan, which
with JSON parameters they always do (the row estimates come from the set-returning functions, not
from the values): every call planned every statement again. With `plan_cache_mode =
force_generic_plan` on the function (it applies to what runs inside it, triggers included), the
statements are planned once per connection.

Together, one call of `hourglass_ingest_many` for one message (one connection, calls one after
another, the same messages) went from 3.2-3.4 ms to 1.8-2.0 ms; a page of 100 stays at 0.76 ms per
message (2026-12-07).

Revision ID: 0019_cached_ingest_plans
Revises: 0018_fresh_trigger_plans
Create Date: 2026-12-07 13:00:00.000000
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0019_cached_ingest_plans"
down_revision: str | None = "0018_fresh_trigger_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = (
    r"""
CREATE OR REPLACE FUNCTION hourglass_metric_dirty_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT n.organization_id, date_trunc('hour', coalesce(n.delivered_at, n.sent_at))
        FROM new_rows n WHERE n.direction = 'outbound' AND n.delivery_status = 'sent';
    ELSE
        -- An outbound message whose delivery, time or author changed: the hours of both versions.
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        WITH n AS (SELECT id, organization_id, delivery_status, delivered_at, sent_at, author_kind, author_user_id
                     FROM new_rows WHERE direction = 'outbound'),
             o AS (SELECT id, organization_id, delivery_status, delivered_at, sent_at, author_kind, author_user_id
                     FROM old_rows WHERE direction = 'outbound')
        SELECT DISTINCT c.organization_id, date_trunc('hour', coalesce(c.delivered_at, c.sent_at))
        FROM ((TABLE n EXCEPT TABLE o) UNION ALL (TABLE o EXCEPT TABLE n)) c;
    END IF;
    RETURN NULL;
END $$
""",
    r"""
CREATE OR REPLACE FUNCTION hourglass_metric_dirty_clocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT n.organization_id, date_trunc('hour', t) FROM new_rows n
        CROSS JOIN LATERAL (VALUES (n.started_at), (n.stopped_at), (n.breached_at)) v(t) WHERE t IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT o.organization_id, date_trunc('hour', t) FROM old_rows o
        CROSS JOIN LATERAL (VALUES (o.started_at), (o.stopped_at), (o.breached_at)) v(t) WHERE t IS NOT NULL;
    ELSE
        -- A clock whose state, times, stop or pauses changed (a new deadline alone is no fact of the
        -- metrics): the hours of both versions.
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        WITH n AS (SELECT id, organization_id, state, started_at, stopped_at, breached_at, stop_message_id,
                          stop_reason, pauses FROM new_rows),
             o AS (SELECT id, organization_id, state, started_at, stopped_at, breached_at, stop_message_id,
                          stop_reason, pauses FROM old_rows)
        SELECT DISTINCT c.organization_id, date_trunc('hour', t)
        FROM ((TABLE n EXCEPT TABLE o) UNION ALL (TABLE o EXCEPT TABLE n)) c
        CROSS JOIN LATERAL (VALUES (c.started_at), (c.stopped_at), (c.breached_at)) v(t)
        WHERE t IS NOT NULL;
    END IF;
    RETURN NULL;
END $$
""",
    r"""
CREATE OR REPLACE FUNCTION hourglass_metric_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A reopening: the latest open resolution of the conversation is marked (by the buyer message
    -- that reopened it when there is one, so a backfill keeps event time).
    IF EXISTS (SELECT FROM old_rows WHERE status = 'resolved') THEN
        EXECUTE $q$
        UPDATE conversation_resolutions r
           SET reopened_at = greatest(r.resolved_at, coalesce(n.last_inbound_at, now()))
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE o.status = 'resolved' AND n.status <> 'resolved'
           AND r.conversation_id = n.id AND r.reopened_at IS NULL
        $q$;
    END IF;
    IF EXISTS (SELECT FROM new_rows WHERE status = 'resolved') THEN
        EXECUTE $q$
        INSERT INTO conversation_resolutions (organization_id, conversation_id, opened_at, resolved_at)
        SELECT n.organization_id, n.id,
               coalesce((SELECT max(r.reopened_at) FROM conversation_resolutions r WHERE r.conversation_id = n.id),
                        n.first_inbound_at, n.created_at),
               coalesce(n.resolved_at, now())
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status = 'resolved' AND o.status IS DISTINCT FROM 'resolved'
        $q$;
    END IF;
    -- Rows are grouped by these fields: the hours of the conversation's facts are refolded.
    INSERT INTO metric_dirty_hours (organization_id, bucket)
    SELECT DISTINCT f.organization_id, date_trunc('hour', f.t) FROM (
        SELECT id, organization_id, category, team_id, assignee_id FROM new_rows
        EXCEPT
        SELECT id, organization_id, category, team_id, assignee_id FROM old_rows
    ) ch CROSS JOIN LATERAL (
        SELECT ch.organization_id, t FROM sla_clocks k
        CROSS JOIN LATERAL (VALUES (k.started_at), (k.stopped_at), (k.breached_at)) v(t)
         WHERE k.conversation_id = ch.id AND t IS NOT NULL
        UNION ALL
        SELECT ch.organization_id, r.resolved_at FROM conversation_resolutions r WHERE r.conversation_id = ch.id
        UNION ALL
        SELECT ch.organization_id, coalesce(m.delivered_at, m.sent_at) FROM messages m
         WHERE m.conversation_id = ch.id AND m.direction = 'outbound' AND m.delivery_status = 'sent'
    ) f(organization_id, t);
    RETURN NULL;
END $$
""",
)


def upgrade() -> None:
    for function in FUNCTIONS:
        op.execute(function)
    op.execute("ALTER FUNCTION hourglass_ingest_many(jsonb) SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    """The functions as 0018 made them."""
    op.execute("ALTER FUNCTION hourglass_ingest_many(jsonb) RESET plan_cache_mode")
    path = Path(__file__).with_name("20261207_0018_fresh_trigger_plans.py")
    spec = importlib.util.spec_from_file_location("hourglass_migration_0018", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for function in module.FUNCTIONS:
        op.execute(function)
