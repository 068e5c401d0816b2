"""collide: the per-organization switch and time-out of soft draft locks (the locks live in Redis)

Revision ID: 0013_collide_draft_lock
Revises: 0013_privacy_settings
Create Date: 2026-12-05 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_collide_draft_lock"
down_revision: str | None = "0013_privacy_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draft_lock_settings",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("ttl_seconds", sa.Integer(), server_default="120", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("ttl_seconds BETWEEN 30 AND 900", name=op.f("ck_draft_lock_settings_ttl_range")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_draft_lock_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_draft_lock_settings")),
    )


def downgrade() -> None:
    op.drop_table("draft_lock_settings")
