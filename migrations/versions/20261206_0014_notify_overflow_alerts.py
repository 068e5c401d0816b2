"""notify: @mentions stored on notes, overflow alert settings and raised alerts

Revision ID: 0014_notify_overflow_alerts
Revises: 0014_macros_macros
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_notify_overflow_alerts"
down_revision: str | None = "0014_macros_macros"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "notes",
        sa.Column("mentions", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )
    op.create_table(
        "overflow_settings",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("threshold", sa.Integer(), server_default="50", nullable=False),
        sa.Column("cooldown_minutes", sa.Integer(), server_default="60", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("threshold BETWEEN 1 AND 100000", name=op.f("ck_overflow_settings_threshold_range")),
        sa.CheckConstraint("cooldown_minutes BETWEEN 1 AND 10080", name=op.f("ck_overflow_settings_cooldown_range")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_overflow_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_overflow_settings")),
    )
    op.create_table(
        "overflow_alerts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("backlog", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("available_agents", sa.Integer(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_overflow_alerts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overflow_alerts")),
    )
    op.create_index(
        "uq_overflow_alerts_active",
        "overflow_alerts",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_index("ix_overflow_alerts_org_raised", "overflow_alerts", ["organization_id", "raised_at"])


def downgrade() -> None:
    op.drop_index("ix_overflow_alerts_org_raised", table_name="overflow_alerts")
    op.drop_index("uq_overflow_alerts_active", table_name="overflow_alerts")
    op.drop_table("overflow_alerts")
    op.drop_table("overflow_settings")
    op.drop_column("notes", "mentions")
