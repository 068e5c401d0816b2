"""translation: provider settings, glossary, cache, monthly usage, agent preferences; replies keep
the text the agent wrote when what was sent is its translation

Revision ID: 0010_h14translate_translation
Revises: 0010_h12kb_knowledge
Create Date: 2026-12-04 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_h14translate_translation"
down_revision: str | None = "0010_h12kb_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("original_text", sa.Text(), nullable=True))
    op.add_column("messages", sa.Column("original_language", sa.String(length=10), nullable=True))
    op.create_table(
        "translation_settings",
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("key_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("monthly_character_budget", sa.BigInteger(), server_default="500000", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "provider IN ('deepl', 'google', 'libretranslate', 'openai')", name=op.f("ck_translation_settings_provider")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_translation_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_translation_settings")),
    )
    op.create_table(
        "translation_glossary",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("translation", sa.String(length=200), nullable=True),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_translation_glossary_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_glossary")),
    )
    op.create_index(
        "uq_translation_glossary_org_term",
        "translation_glossary",
        ["organization_id", sa.literal_column("lower(term)")],
        unique=True,
    )
    op.create_table(
        "translation_cache",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("source_language", sa.String(length=10), nullable=False),
        sa.Column("target_language", sa.String(length=10), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("translated", sa.Text(), nullable=False),
        sa.Column("detected_language", sa.String(length=10), nullable=True),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_translation_cache_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_cache")),
        sa.UniqueConstraint(
            "organization_id",
            "provider",
            "source_language",
            "target_language",
            "text_hash",
            name="uq_translation_cache_key",
        ),
    )
    op.create_table(
        "translation_usage",
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("characters", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cache_hits", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_translation_usage_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "month", name=op.f("pk_translation_usage")),
    )
    op.create_table(
        "translation_preferences",
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("language", sa.String(length=10), server_default="zh-CN", nullable=False),
        sa.Column("auto_translate", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_translation_preferences_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_translation_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_translation_preferences")),
    )


def downgrade() -> None:
    op.drop_table("translation_preferences")
    op.drop_table("translation_usage")
    op.drop_table("translation_cache")
    op.drop_index("uq_translation_glossary_org_term", table_name="translation_glossary")
    op.drop_table("translation_glossary")
    op.drop_table("translation_settings")
    op.drop_column("messages", "original_language")
    op.drop_column("messages", "original_text")
