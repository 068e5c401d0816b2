"""attach: attachments (buyers' files fetched into the content-addressed store, agents' uploads);
messages' existing attachment references become pending attachments fetched by the worker

Revision ID: 0014_attach_attachments
Revises: 0014_notify_overflow_alerts
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_attach_attachments"
down_revision: str | None = "0014_notify_overflow_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("declared_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_user_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'stored', 'failed')", name=op.f("ck_attachments_status")),
        sa.CheckConstraint("source IN ('inbound', 'mail', 'upload')", name=op.f("ck_attachments_source")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_attachments_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_attachments_message_id_messages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_attachments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_message", "attachments", ["message_id"], unique=False)
    op.create_index(
        "ix_attachments_pending",
        "attachments",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    # The marketplace references stored so far ({name, type, url}) become pending attachments, and
    # the messages list them as the API shows them (never the marketplace's URL).
    op.execute(
        """
        WITH refs AS (
            SELECT m.id AS message_id, m.organization_id, e.value AS ref, e.ordinality AS n
            FROM messages m, jsonb_array_elements(m.attachments) WITH ORDINALITY e
            WHERE jsonb_typeof(m.attachments) = 'array' AND m.attachments <> '[]'::jsonb
              AND e.value ? 'url' AND NOT e.value ? 'id'
        ), made AS (
            INSERT INTO attachments (id, organization_id, message_id, source, status, filename, declared_type, source_url)
            SELECT gen_random_uuid(), organization_id, message_id, 'inbound', 'pending',
                   left(coalesce(nullif(ref->>'name', ''), 'attachment-' || n), 255),
                   left(ref->>'type', 100), ref->>'url'
            FROM refs
            RETURNING id, message_id, filename
        )
        UPDATE messages m SET attachments = sub.list
        FROM (
            SELECT message_id, jsonb_agg(jsonb_build_object(
                'id', id, 'filename', filename, 'content_type', NULL, 'size', NULL,
                'status', 'pending', 'failure_reason', NULL) ORDER BY id) AS list
            FROM made GROUP BY message_id
        ) sub
        WHERE m.id = sub.message_id
        """
    )


def downgrade() -> None:
    op.drop_index("ix_attachments_pending", table_name="attachments", postgresql_where=sa.text("status = 'pending'"))
    op.drop_index("ix_attachments_message", table_name="attachments")
    op.drop_table("attachments")
