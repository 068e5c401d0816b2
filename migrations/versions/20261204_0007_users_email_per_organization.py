"""users: email unique per organization, not across organizations

A global unique index let an admin learn that an address was registered in another organization
(POST /v1/users answered 409 for it). The address is now unique within an organization; login finds
it across organizations with a plain index.

Revision ID: 0007
Revises: 0006_change_xid
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006_change_xid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_users_org_email_lower", "users", ["organization_id", sa.literal_column("lower(email)")], unique=True
    )
    op.create_index("ix_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=False)
    op.drop_index("uq_users_email_lower", table_name="users")


def downgrade() -> None:
    # Fails if an address now exists in two organizations: that state has no global-unique form.
    op.create_index("uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True)
    op.drop_index("ix_users_email_lower", table_name="users")
    op.drop_index("uq_users_org_email_lower", table_name="users")
