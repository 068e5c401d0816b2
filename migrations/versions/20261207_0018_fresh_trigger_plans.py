"""metric triggers: the statements that join a statement's old and new rows are planned on each call

The statement-level triggers of 0011 join their transition tables (`new_rows JOIN old_rows ON id`).
PL/pgSQL keeps one plan per statement for the life of a connection, made with the row counts of the
first call; a pooled connection whose first UPDATE of sla_clocks touched three rows kept a nested
loop, and the timer worker's later batch of 4,000 breaches spent 1.7 s in the trigger (4,000 x 4,000
row pairs) instead of 12 ms: the SLA backlog drained at 3,100-5,500 timers/s
(benchmarks/sla_timers.py, 2026-12-07), most of it in that join. The same held for a bulk edit of
conversations and a batch of delivered messages.

These statements now run through EXECUTE, which plans them on each call with the transition tables'
real sizes (a hash join for a batch, a nested loop for a row); the statements themselves are those of
0011, unchanged. Planning costs about 0.1 ms per statement.

Revision ID: 0018_fresh_trigger_plans
Revises: 0017_awake_view_indexes
Create Date: 2026-12-07 08:10:00.000000
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0018_fresh_trigger_plans"
down_revision: str | None = "0017_awake_view_indexes"
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
        EXECUTE $q$
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT x.organization_id, x.bucket FROM (
            SELECT n.organization_id, date_trunc('hour', coalesce(n.delivered_at, n.sent_at)) AS bucket,
                   o.organization_id AS o_org, date_trunc('hour', coalesce(o.delivered_at, o.sent_at)) AS o_bucket
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.direction = 'outbound'
              AND (n.delivery_status IS DISTINCT FROM o.delivery_status
                   OR n.delivered_at IS DISTINCT FROM o.delivered_at
                   OR n.sent_at IS DISTINCT FROM o.sent_at
                   OR n.author_kind IS DISTINCT FROM o.author_kind
                   OR n.author_user_id IS DISTINCT FROM o.author_user_id)
        ) c CROSS JOIN LATERAL (VALUES (c.organization_id, c.bucket), (c.o_org, c.o_bucket)) x(organization_id, bucket)
        $q$;
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
        EXECUTE $q$
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT r.organization_id, date_trunc('hour', t)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.organization_id)) r(organization_id)
        CROSS JOIN LATERAL (VALUES (n.started_at), (n.stopped_at), (n.breached_at),
                                   (o.started_at), (o.stopped_at), (o.breached_at)) v(t)
        WHERE t IS NOT NULL
          AND (n.state IS DISTINCT FROM o.state OR n.stopped_at IS DISTINCT FROM o.stopped_at
               OR n.breached_at IS DISTINCT FROM o.breached_at OR n.started_at IS DISTINCT FROM o.started_at
               OR n.stop_message_id IS DISTINCT FROM o.stop_message_id OR n.stop_reason IS DISTINCT FROM o.stop_reason
               OR n.pauses IS DISTINCT FROM o.pauses)
        $q$;
    END IF;
    RETURN NULL;
END $$
""",
    r"""
CREATE OR REPLACE FUNCTION hourglass_metric_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A reopening: the latest open resolution of the conversation is marked (by the buyer message
    -- that reopened it when there is one, so a backfill keeps event time).
    EXECUTE $q$
    UPDATE conversation_resolutions r
       SET reopened_at = greatest(r.resolved_at, coalesce(n.last_inbound_at, now()))
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE o.status = 'resolved' AND n.status <> 'resolved'
       AND r.conversation_id = n.id AND r.reopened_at IS NULL
    $q$;
    EXECUTE $q$
    INSERT INTO conversation_resolutions (organization_id, conversation_id, opened_at, resolved_at)
    SELECT n.organization_id, n.id,
           coalesce((SELECT max(r.reopened_at) FROM conversation_resolutions r WHERE r.conversation_id = n.id),
                    n.first_inbound_at, n.created_at),
           coalesce(n.resolved_at, now())
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status = 'resolved' AND o.status IS DISTINCT FROM 'resolved'
    $q$;
    -- Rows are grouped by these fields: the hours of the conversation's facts are refolded.
    EXECUTE $q$
    INSERT INTO metric_dirty_hours (organization_id, bucket)
    SELECT DISTINCT f.organization_id, date_trunc('hour', f.t) FROM (
        SELECT n.id, n.organization_id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.category IS DISTINCT FROM o.category OR n.team_id IS DISTINCT FROM o.team_id
            OR n.assignee_id IS DISTINCT FROM o.assignee_id
    ) ch CROSS JOIN LATERAL (
        SELECT ch.organization_id, t FROM sla_clocks k
        CROSS JOIN LATERAL (VALUES (k.started_at), (k.stopped_at), (k.breached_at)) v(t)
         WHERE k.conversation_id = ch.id AND t IS NOT NULL
        UNION ALL
        SELECT ch.organization_id, r.resolved_at FROM conversation_resolutions r WHERE r.conversation_id = ch.id
        UNION ALL
        SELECT ch.organization_id, coalesce(m.delivered_at, m.sent_at) FROM messages m
         WHERE m.conversation_id = ch.id AND m.direction = 'outbound' AND m.delivery_status = 'sent'
    ) f(organization_id, t)
    $q$;
    RETURN NULL;
END $$
""",
)


def upgrade() -> None:
    for function in FUNCTIONS:
        op.execute(function)


def downgrade() -> None:
    """The functions as 0011 created them (its script, up to its triggers, which stay as they are)."""
    path = Path(__file__).with_name("20261205_0011_i13rollup_metrics.py")
    spec = importlib.util.spec_from_file_location("hourglass_migration_0011", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    functions = module.FUNCTIONS.split("CREATE TRIGGER", 1)[0]
    for statement in module._statements(functions):
        op.execute(statement)
