"""triage: snooze (until a time or until the buyer writes), "assign to me on reply" preference

- `conversations.snoozed_at / snoozed_until / snoozed_by_id`: a snoozed conversation leaves the lists;
  the snooze loop wakes it at `snoozed_until`, and the trigger below wakes it when the buyer writes
  (whichever ingest path moves `last_inbound_at`: the bulk ingest function, pushes, the API), with an
  audit entry that says so.
- `users.assign_on_reply`: the per-person preference.

Revision ID: 0011_i16triage_snooze
Revises: 0011_i13csat_product_issues
Create Date: 2026-12-05 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_i16triage_snooze"
down_revision: str | None = "0011_i13csat_product_issues"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("snoozed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("conversations", sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("conversations", sa.Column("snoozed_by_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_conversations_snoozed_by_id_users"),
        "conversations",
        "users",
        ["snoozed_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "ix_conv_snooze_due",
        "conversations",
        ["snoozed_until"],
        unique=False,
        postgresql_where=sa.text("snoozed_at IS NOT NULL"),
    )
    op.add_column("users", sa.Column("assign_on_reply", sa.Boolean(), server_default="false", nullable=False))
    # A newer buyer message wakes a snoozed conversation, exactly once (the row is updated under its
    # lock; the next update sees snoozed_at NULL). The audit entry is the activity log's "woke up".
    op.execute(
        """
CREATE FUNCTION hourglass_wake_on_inbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.snoozed_at IS NOT NULL AND NEW.last_inbound_at IS NOT NULL
       AND (OLD.last_inbound_at IS NULL OR NEW.last_inbound_at > OLD.last_inbound_at) THEN
        NEW.snoozed_at := NULL;
        NEW.snoozed_until := NULL;
        NEW.snoozed_by_id := NULL;
        INSERT INTO audit_log (organization_id, actor_type, actor_id, action, entity_type, entity_id, data, created_at)
        VALUES (NEW.organization_id, 'system', NULL, 'conversation.unsnoozed', 'conversation',
                NEW.id::text, '{"why": "buyer_wrote"}'::jsonb, now());
    END IF;
    RETURN NEW;
END
$$
"""
    )
    op.execute(
        """
CREATE TRIGGER conversations_wake_on_inbound BEFORE UPDATE OF last_inbound_at ON conversations
    FOR EACH ROW EXECUTE FUNCTION hourglass_wake_on_inbound();
"""
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS conversations_wake_on_inbound ON conversations")
    op.execute("DROP FUNCTION IF EXISTS hourglass_wake_on_inbound()")
    op.drop_column("users", "assign_on_reply")
    op.drop_index("ix_conv_snooze_due", table_name="conversations", postgresql_where=sa.text("snoozed_at IS NOT NULL"))
    op.drop_constraint(op.f("fk_conversations_snoozed_by_id_users"), "conversations", type_="foreignkey")
    op.drop_column("conversations", "snoozed_by_id")
    op.drop_column("conversations", "snoozed_until")
    op.drop_column("conversations", "snoozed_at")
