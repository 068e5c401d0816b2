"""conversations.last_delivery_error: the newest failed reply's error beside has_failed_delivery,
so the Failed view explains each row without looking up its messages

Revision ID: 0012_replying_failures
Revises: 0012_sched_report_schedules
Create Date: 2026-12-05 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_replying_failures"
down_revision: str | None = "0012_sched_report_schedules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("last_delivery_error", sa.Text(), nullable=True))
    # Only the (few) conversations flagged failed have anything to copy.
    op.execute(
        """
        UPDATE conversations c
           SET last_delivery_error = (
                SELECT coalesce(m.delivery_error, 'delivery failed')
                  FROM messages m
                 WHERE m.conversation_id = c.id AND m.direction = 'outbound' AND m.delivery_status = 'failed'
                 ORDER BY m.created_at DESC, m.id DESC
                 LIMIT 1)
         WHERE c.has_failed_delivery
        """
    )


def downgrade() -> None:
    op.drop_column("conversations", "last_delivery_error")
