"""conversation and message change_xid: their position in the sync feeds

Every insert or update of a conversation or a message stamps the row with the id of the writing transaction
(a trigger, so writes through raw SQL count as much as ORM ones). GET /v1/conversations/sync and
/v1/messages/sync page by (change_xid, id) below the snapshot's xmin; see api/kit/changefeed.py.
Existing rows start at 0: every transaction that wrote them has ended.

Revision ID: 0006_change_xid
Revises: 0004
Create Date: 2026-12-04 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_change_xid"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column("conversations", sa.Column("change_xid", sa.BigInteger(), server_default="0", nullable=False))
    op.create_index("ix_conv_org_change", "conversations", ["organization_id", "change_xid", "id"], unique=False)
    op.add_column("messages", sa.Column("change_xid", sa.BigInteger(), server_default="0", nullable=False))
    op.create_index("ix_messages_org_change", "messages", ["organization_id", "change_xid", "id"], unique=False)
    # pg_current_xact_id() is the top-level transaction's 64-bit id (epoch included, so it never
    # wraps), the same numbering pg_snapshot_xmin() reports; it fits a bigint.
    op.execute(
        """
        CREATE FUNCTION hg_stamp_change_xid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_xid := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END
        $$
        """
    )
    for table in ("conversations", "messages"):
        op.execute(
            f"""
            CREATE TRIGGER {table}_change_xid BEFORE INSERT OR UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION hg_stamp_change_xid()
            """
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER messages_change_xid ON messages")
    op.execute("DROP TRIGGER conversations_change_xid ON conversations")
    op.execute("DROP FUNCTION hg_stamp_change_xid()")
    op.drop_index("ix_conv_org_change", table_name="conversations")
    op.drop_column("conversations", "change_xid")
    op.drop_index("ix_messages_org_change", table_name="messages")
    op.drop_column("messages", "change_xid")
