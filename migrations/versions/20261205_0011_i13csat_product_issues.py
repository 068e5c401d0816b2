"""product issues: one row per (buyer message, SKU, reason), maintained by the automation pass

Revision ID: 0011_i13csat_product_issues
Revises: 0011_i13csat_csat
Create Date: 2026-12-05 05:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_i13csat_product_issues"
down_revision: str | None = "0011_i13csat_csat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_issue_mentions",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("message_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("conversation_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("marketplace", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("product_title", sa.String(length=300), server_default="", nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_product_issue_mentions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_product_issue_mentions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_product_issue_mentions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_issue_mentions")),
        sa.UniqueConstraint(
            "message_id", "sku", "reason", name=op.f("uq_product_issue_mentions_message_id_sku_reason")
        ),
    )
    op.create_index("ix_product_issue_mentions_org_sent", "product_issue_mentions", ["organization_id", "sent_at"])
    op.create_index(
        "ix_product_issue_mentions_org_sku", "product_issue_mentions", ["organization_id", "sku", "sent_at"]
    )


def downgrade() -> None:
    op.drop_table("product_issue_mentions")
