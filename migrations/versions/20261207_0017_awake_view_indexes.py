"""inbox view indexes for awake conversations: each view's partial index also requires
`snoozed_at IS NULL`, as the views have since snoozing (0011_i16triage_snooze)

Every view but "snoozed" leaves snoozed conversations out (api/conversation/views_repository.py).
With indexes that did not say so, PostgreSQL had to read each candidate row from the table to check
`snoozed_at`: the capped counts lost their index-only scans (the "all" count became a sequential
scan) and `GET /v1/conversations/counts` at 1M conversations took 324 ms p50 in SQL alone
(benchmarks/inbox_list.py on 2026-12-07), against 15 ms before snoozing. The list pages were range
scans that filtered on the table.

Revision ID: 0017_awake_view_indexes
Revises: 0016_wake_per_statement
Create Date: 2026-12-07 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_awake_view_indexes"
down_revision: str | None = "0016_wake_per_statement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, its predicate before snoozing)
VIEW_INDEXES = (
    ("ix_conv_view_all", "spam_reason IS NULL"),
    ("ix_conv_view_unread", "unread AND spam_reason IS NULL"),
    ("ix_conv_view_response_needed", "waiting_since IS NOT NULL AND spam_reason IS NULL"),
    ("ix_conv_view_failed", "has_failed_delivery"),
    ("ix_conv_view_spam", "spam_reason IS NOT NULL"),
)
INBOX_ORDER = ("organization_id", sa.literal_column("last_message_at DESC"), sa.literal_column("id DESC"))


def _recreate(predicate_of: dict[str, str]) -> None:
    for name, _ in VIEW_INDEXES:
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", list(INBOX_ORDER), postgresql_where=sa.text(predicate_of[name]))


def upgrade() -> None:
    _recreate({name: f"{predicate} AND snoozed_at IS NULL" for name, predicate in VIEW_INDEXES})


def downgrade() -> None:
    _recreate(dict(VIEW_INDEXES))
