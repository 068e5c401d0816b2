"""i18n: automation runs keep their reason and actions as codes with parameters, for any language

Revision ID: 0014_i18n_run_reason_detail
Revises: 0013_collide_draft_lock
Create Date: 2026-12-06 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_i18n_run_reason_detail"
down_revision: str | None = "0013_collide_draft_lock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable with no default: adding it rewrites nothing, however many runs are logged.
    op.add_column("automation_runs", sa.Column("reason_detail", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("automation_runs", "reason_detail")
