"""translation: retries of failed message translations (the retry loop's work), and draft
(machine-translated, unreviewed) knowledge article variants

Revision ID: 0012_translate_retry_drafts
Revises: 0012_replying_failures
Create Date: 2026-12-05 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_translate_retry_drafts"
down_revision: str | None = "0012_replying_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("knowledge_variants", sa.Column("draft", sa.Boolean(), server_default="false", nullable=False))
    op.create_table(
        "translation_retries",
        sa.Column("message_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("target_language", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure", sa.String(length=20), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_translation_retries_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_translation_retries_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_retries")),
        sa.UniqueConstraint("message_id", "target_language", name="uq_translation_retries_message_target"),
    )
    op.create_index("ix_translation_retries_due", "translation_retries", ["next_attempt_at"], unique=False)
    op.create_index("ix_translation_retries_organization_id", "translation_retries", ["organization_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_translation_retries_organization_id", table_name="translation_retries")
    op.drop_index("ix_translation_retries_due", table_name="translation_retries")
    op.drop_table("translation_retries")
    op.drop_column("knowledge_variants", "draft")
