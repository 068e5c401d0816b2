"""export: background export jobs (conversations, messages, cases, customers, audit, reports)

Revision ID: 0014_export_export_jobs
Revises: 0014_i18n_run_reason_detail
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_export_export_jobs"
down_revision: str | None = "0014_i18n_run_reason_detail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("filters", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("date_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("rows_total", sa.BigInteger(), nullable=True),
        sa.Column("rows_written", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.UUID(), nullable=True),
        sa.Column("created_by_api_key_id", sa.UUID(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("actor_scopes", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False),
        sa.Column("masked", sa.Boolean(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('conversations', 'messages', 'cases', 'customers', 'audit', 'reports')",
            name=op.f("ck_export_jobs_kind"),
        ),
        sa.CheckConstraint("format IN ('csv', 'jsonl')", name=op.f("ck_export_jobs_format")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name=op.f("ck_export_jobs_status")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_export_jobs_created_by_api_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_export_jobs_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_export_jobs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    op.create_index("ix_export_jobs_org_created", "export_jobs", ["organization_id", "created_at"], unique=False)
    op.create_index(
        "ix_export_jobs_unfinished",
        "export_jobs",
        ["heartbeat_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_index(
        "ix_export_jobs_expiry",
        "export_jobs",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'done'"),
    )
    # The audit log filtered by actor and by action prefix (GET /v1/audit), newest or oldest first.
    op.create_index("ix_audit_org_actor", "audit_log", ["organization_id", "actor_id", "id"], unique=False)
    op.create_index(
        "ix_audit_org_action",
        "audit_log",
        ["organization_id", "action", "id"],
        unique=False,
        postgresql_ops={"action": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_audit_org_action", table_name="audit_log")
    op.drop_index("ix_audit_org_actor", table_name="audit_log")
    op.drop_index("ix_export_jobs_expiry", table_name="export_jobs", postgresql_where=sa.text("status = 'done'"))
    op.drop_index(
        "ix_export_jobs_unfinished",
        table_name="export_jobs",
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.drop_index("ix_export_jobs_org_created", table_name="export_jobs")
    op.drop_table("export_jobs")
