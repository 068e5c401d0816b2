"""csat: per-organization CSAT settings and one survey decision per resolution

Revision ID: 0011_i13csat_csat
Revises: 0010_h14translate_translation
Create Date: 2026-12-05 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_i13csat_csat"
down_revision: str | None = "0010_h14translate_translation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "csat_settings",
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("delay_minutes", sa.Integer(), server_default="60", nullable=False),
        sa.Column("forms", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("ask_after_complaint", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_csat_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_csat_settings")),
    )
    op.create_table(
        "csat_surveys",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("conversation_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("channel_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("marketplace", sa.String(length=20), nullable=False),
        sa.Column("order_external_id", sa.String(length=100), nullable=True),
        sa.Column("agent_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("labels", postgresql.ARRAY(sa.String(length=64)), server_default="{}", nullable=False),
        sa.Column("language", sa.String(length=10), server_default="en", nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_message_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("answered_via", sa.String(length=10), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "state IN ('scheduled', 'refused', 'sent', 'answered', 'cancelled')", name=op.f("ck_csat_surveys_state")
        ),
        sa.CheckConstraint("form IS NULL OR form IN ('in_thread', 'link')", name=op.f("ck_csat_surveys_form")),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name=op.f("ck_csat_surveys_score")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_csat_surveys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_csat_surveys_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_csat_surveys_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_csat_surveys_agent_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_csat_surveys_message_id_messages"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["answer_message_id"],
            ["messages.id"],
            name=op.f("fk_csat_surveys_answer_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_surveys")),
    )
    op.create_index(
        "ix_csat_surveys_conversation", "csat_surveys", ["organization_id", "conversation_id", "created_at"]
    )
    op.create_index("ix_csat_surveys_due", "csat_surveys", ["due_at"], postgresql_where=sa.text("state = 'scheduled'"))
    op.create_index("ix_csat_surveys_org_sent", "csat_surveys", ["organization_id", "sent_at"])
    op.create_index(
        "uq_csat_surveys_order",
        "csat_surveys",
        ["channel_id", "order_external_id"],
        unique=True,
        postgresql_where=sa.text("order_external_id IS NOT NULL AND state IN ('scheduled', 'sent', 'answered')"),
    )
    op.create_index(
        "uq_csat_surveys_token",
        "csat_surveys",
        ["token_digest"],
        unique=True,
        postgresql_where=sa.text("token_digest IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("csat_surveys")
    op.drop_table("csat_settings")
