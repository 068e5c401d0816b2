"""macros: named sets of actions (fields, snooze, note, reply) a person applies in one step

Revision ID: 0014_macros_macros
Revises: 0014_export_export_jobs
Create Date: 2026-12-06 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_macros_macros"
down_revision: str | None = "0014_export_export_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "macros",
        sa.Column("owner_user_id", sa.UUID(), nullable=False),
        sa.Column("team_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("actions", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("visibility IN ('personal', 'team', 'org')", name=op.f("ck_macros_visibility")),
        sa.CheckConstraint(
            "(visibility = 'team') = (team_id IS NOT NULL)", name=op.f("ck_macros_team_only_when_shared_with_team")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_macros_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_macros_owner_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_macros_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
    )
    op.create_index("ix_macros_org_name", "macros", ["organization_id", "name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_macros_org_name", table_name="macros")
    op.drop_table("macros")
