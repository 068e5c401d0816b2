"""privacy: per-organization retention period and masked roles, and the rollup freeze line

Revision ID: 0013_privacy_settings
Revises: 0012_translate_retry_drafts
Create Date: 2026-12-05 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_privacy_settings"
down_revision: str | None = "0012_translate_retry_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_settings",
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("masked_roles", postgresql.ARRAY(sa.String(length=20)), server_default="{}", nullable=False),
        sa.Column("rollups_frozen_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "retention_days IS NULL OR retention_days >= 365", name=op.f("ck_privacy_settings_retention_minimum")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_privacy_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_privacy_settings")),
    )


def downgrade() -> None:
    op.drop_table("privacy_settings")
