"""metric rollups: hour buckets of the service figures, the hours to refold, resolution history

Revision ID: 0011_i13rollup_metrics
Revises: 0011_i16triage_snooze
Create Date: 2026-12-05 05:20:00

Statement-level triggers (with transition tables: one INSERT per statement, not per row) append the
hours a change touches to `metric_dirty_hours`, in the changing transaction, so no code path (the
ingest function, the outbound delivery, the SLA sweep, a bulk update, a backfill) can forget to: the
fold (api/reports/rollup.py) recomputes those hours from the raw rows. Hours are the hours the
events happened in (a message's delivery, a clock's start, stop and breach, a resolution), so a
late or backfilled message refolds its own hour. A change of a conversation's category, team or
assignee refolds the hours of that conversation's facts, since rows are grouped by them.

`conversation_resolutions` keeps every resolution (conversations.resolved_at keeps the latest only)
and when it was reopened, for resolution times and the reopen rate.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_i13rollup_metrics"
down_revision: str | None = "0011_i16triage_snooze"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIST = postgresql.ARRAY(sa.Integer())

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION hourglass_metric_dirty_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT n.organization_id, date_trunc('hour', coalesce(n.delivered_at, n.sent_at))
        FROM new_rows n WHERE n.direction = 'outbound' AND n.delivery_status = 'sent';
    ELSE
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
        ) c CROSS JOIN LATERAL (VALUES (c.organization_id, c.bucket), (c.o_org, c.o_bucket)) x(organization_id, bucket);
    END IF;
    RETURN NULL;
END $$;

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
               OR n.pauses IS DISTINCT FROM o.pauses);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hourglass_metric_dirty_resolutions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO metric_dirty_hours (organization_id, bucket)
    SELECT DISTINCT n.organization_id, date_trunc('hour', n.resolved_at) FROM new_rows n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hourglass_metric_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A reopening: the latest open resolution of the conversation is marked (by the buyer message
    -- that reopened it when there is one, so a backfill keeps event time).
    UPDATE conversation_resolutions r
       SET reopened_at = greatest(r.resolved_at, coalesce(n.last_inbound_at, now()))
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE o.status = 'resolved' AND n.status <> 'resolved'
       AND r.conversation_id = n.id AND r.reopened_at IS NULL;
    INSERT INTO conversation_resolutions (organization_id, conversation_id, opened_at, resolved_at)
    SELECT n.organization_id, n.id,
           coalesce((SELECT max(r.reopened_at) FROM conversation_resolutions r WHERE r.conversation_id = n.id),
                    n.first_inbound_at, n.created_at),
           coalesce(n.resolved_at, now())
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status = 'resolved' AND o.status IS DISTINCT FROM 'resolved';
    -- Rows are grouped by these fields: the hours of the conversation's facts are refolded.
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
    ) f(organization_id, t);
    RETURN NULL;
END $$;

CREATE TRIGGER metric_dirty_messages_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_messages();
CREATE TRIGGER metric_dirty_messages_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_messages();
CREATE TRIGGER metric_dirty_clocks_insert AFTER INSERT ON sla_clocks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_clocks();
CREATE TRIGGER metric_dirty_clocks_update AFTER UPDATE ON sla_clocks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_clocks();
CREATE TRIGGER metric_dirty_clocks_delete AFTER DELETE ON sla_clocks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_clocks();
CREATE TRIGGER metric_dirty_resolutions_insert AFTER INSERT ON conversation_resolutions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_resolutions();
CREATE TRIGGER metric_dirty_resolutions_update AFTER UPDATE ON conversation_resolutions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_dirty_resolutions();
CREATE TRIGGER metric_conversations_update AFTER UPDATE ON conversations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hourglass_metric_conversations();
"""

DROP = r"""
DROP TRIGGER IF EXISTS metric_conversations_update ON conversations;
DROP TRIGGER IF EXISTS metric_dirty_resolutions_update ON conversation_resolutions;
DROP TRIGGER IF EXISTS metric_dirty_resolutions_insert ON conversation_resolutions;
DROP TRIGGER IF EXISTS metric_dirty_clocks_delete ON sla_clocks;
DROP TRIGGER IF EXISTS metric_dirty_clocks_update ON sla_clocks;
DROP TRIGGER IF EXISTS metric_dirty_clocks_insert ON sla_clocks;
DROP TRIGGER IF EXISTS metric_dirty_messages_update ON messages;
DROP TRIGGER IF EXISTS metric_dirty_messages_insert ON messages;
DROP FUNCTION IF EXISTS hourglass_metric_conversations();
DROP FUNCTION IF EXISTS hourglass_metric_dirty_resolutions();
DROP FUNCTION IF EXISTS hourglass_metric_dirty_clocks();
DROP FUNCTION IF EXISTS hourglass_metric_dirty_messages();
"""


def _statements(script: str) -> list[str]:
    """One statement per execute (asyncpg prepares each): functions end at `END $$;`, the rest at `;`."""
    out: list[str] = []
    for chunk in script.split("END $$;"):
        if "$$" in chunk:
            out.append(chunk.strip() + "\nEND $$")
        else:
            out += [s.strip() for s in chunk.split(";") if s.strip()]
    return out


def upgrade() -> None:
    op.create_table(
        "metric_rollups",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("marketplace", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("replies", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_responses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("frt_wall_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("frt_business_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("frt_wall_hist", HIST, nullable=False),
        sa.Column("frt_business_hist", HIST, nullable=False),
        sa.Column("resolutions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reopened", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolution_wall_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("resolution_business_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("resolution_wall_hist", HIST, nullable=False),
        sa.Column("resolution_business_hist", HIST, nullable=False),
        sa.Column("sla_met", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sla_breached", sa.Integer(), server_default="0", nullable=False),
        sa.Column("backlog_delta", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_metric_rollups_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_rollups")),
    )
    op.create_index("ix_metric_rollups_org_bucket", "metric_rollups", ["organization_id", "bucket"])
    op.create_table(
        "metric_dirty_hours",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_dirty_hours")),
    )
    op.create_table(
        "conversation_resolutions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_resolutions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_conversation_resolutions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_resolutions")),
    )
    op.create_index(
        "ix_conversation_resolutions_org_resolved", "conversation_resolutions", ["organization_id", "resolved_at"]
    )
    op.create_index(
        "ix_conversation_resolutions_conversation", "conversation_resolutions", ["conversation_id", "resolved_at"]
    )
    op.create_index("ix_sla_clocks_org_stopped", "sla_clocks", ["organization_id", "stopped_at"])
    op.create_index(
        "ix_sla_clocks_org_breached",
        "sla_clocks",
        ["organization_id", "breached_at"],
        postgresql_where=sa.text("breached_at IS NOT NULL"),
    )
    for statement in _statements(FUNCTIONS):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(DROP):
        op.execute(statement)
    op.drop_index("ix_sla_clocks_org_breached", table_name="sla_clocks")
    op.drop_index("ix_sla_clocks_org_stopped", table_name="sla_clocks")
    op.drop_index("ix_conversation_resolutions_conversation", table_name="conversation_resolutions")
    op.drop_index("ix_conversation_resolutions_org_resolved", table_name="conversation_resolutions")
    op.drop_table("conversation_resolutions")
    op.drop_table("metric_dirty_hours")
    op.drop_index("ix_metric_rollups_org_bucket", table_name="metric_rollups")
    op.drop_table("metric_rollups")
