"""cases: after-sales cases, their transitions and settings; case timers on sla_timers

Revision ID: 0010_h11cases_cases
Revises: 0010_h12classify_categories
Create Date: 2026-12-04 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_h11cases_cases"
down_revision: str | None = "0010_h12classify_categories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=30), server_default="requested", nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.UUID(), nullable=False),
        sa.Column("linked_conversation_ids", postgresql.ARRAY(sa.UUID()), server_default="{}", nullable=False),
        sa.Column("channel_id", sa.UUID(), nullable=False),
        sa.Column("marketplace", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("order_id", sa.UUID(), nullable=True),
        sa.Column("order_external_id", sa.String(length=100), nullable=True),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("refunded_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("marketplace_case_id", sa.String(length=100), nullable=True),
        sa.Column("marketplace_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handling_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("assignee_id", sa.UUID(), nullable=True),
        sa.Column("opened_by_type", sa.String(length=20), nullable=False),
        sa.Column("opened_by_id", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_state", sa.String(length=20), server_default="none", nullable=False),
        sa.Column("followup_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_reason", sa.Text(), nullable=True),
        sa.Column("followup_template_id", sa.UUID(), nullable=True),
        sa.Column("followup_message_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('return', 'refund', 'replacement', 'reship', 'cancellation', 'claim')", name=op.f("ck_cases_kind")
        ),
        sa.CheckConstraint("source IN ('agent', 'automation', 'erp', 'marketplace')", name=op.f("ck_cases_source")),
        sa.CheckConstraint(
            "followup_state IN ('none', 'scheduled', 'not_allowed', 'sent', 'cancelled')",
            name=op.f("ck_cases_followup_state"),
        ),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name=op.f("ck_cases_amount_non_negative")),
        sa.CheckConstraint(
            "refunded_amount IS NULL OR refunded_amount >= 0", name=op.f("ck_cases_refunded_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_cases_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_cases_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_cases_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cases_customer_id_customers"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["followup_message_id"],
            ["messages.id"],
            name=op.f("fk_cases_followup_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["followup_template_id"],
            ["templates.id"],
            name=op.f("fk_cases_followup_template_id_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_cases_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_cases_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(
        "uq_cases_marketplace_case",
        "cases",
        ["organization_id", "marketplace", "marketplace_case_id"],
        unique=True,
        postgresql_where=sa.text("marketplace_case_id IS NOT NULL"),
    )
    op.create_index("ix_cases_org_created", "cases", ["organization_id", "created_at", "id"], unique=False)
    op.create_index(
        "ix_cases_org_state_created", "cases", ["organization_id", "state", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_cases_org_due",
        "cases",
        ["organization_id", "due_at", "id"],
        unique=False,
        postgresql_where=sa.text("due_at IS NOT NULL"),
    )
    op.create_index("ix_cases_conversation", "cases", ["conversation_id"], unique=False)
    op.create_index("ix_cases_customer", "cases", ["customer_id"], unique=False)
    op.create_index(
        "ix_cases_followup_due",
        "cases",
        ["followup_due_at"],
        unique=False,
        postgresql_where=sa.text("followup_state = 'scheduled'"),
    )
    op.create_table(
        "case_transitions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_transitions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_case_transitions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transitions")),
    )
    op.create_index("ix_case_transitions_case", "case_transitions", ["case_id", "id"], unique=False)
    op.create_table(
        "case_settings",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("handling_seconds", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("followup_enabled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("followup_days", sa.Integer(), server_default="3", nullable=False),
        sa.Column("followup_template_id", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_template_id"],
            ["templates.id"],
            name=op.f("fk_case_settings_followup_template_id_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_case_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_case_settings")),
    )
    # Case timers share the SLA timer table (one index, one wake-up trigger, one firing discipline).
    op.add_column("sla_timers", sa.Column("case_id", sa.UUID(), nullable=True))
    op.alter_column("sla_timers", "clock_id", existing_type=sa.UUID(), nullable=True)
    op.create_foreign_key(
        op.f("fk_sla_timers_case_id_cases"), "sla_timers", "cases", ["case_id"], ["id"], ondelete="CASCADE"
    )
    op.create_unique_constraint(op.f("uq_sla_timers_case_id_tier"), "sla_timers", ["case_id", "tier"])
    op.create_check_constraint(op.f("ck_sla_timers_one_owner"), "sla_timers", "num_nonnulls(clock_id, case_id) = 1")


def downgrade() -> None:
    op.execute("DELETE FROM sla_timers WHERE case_id IS NOT NULL")
    op.drop_constraint(op.f("ck_sla_timers_one_owner"), "sla_timers", type_="check")
    op.drop_constraint(op.f("uq_sla_timers_case_id_tier"), "sla_timers", type_="unique")
    op.drop_constraint(op.f("fk_sla_timers_case_id_cases"), "sla_timers", type_="foreignkey")
    op.alter_column("sla_timers", "clock_id", existing_type=sa.UUID(), nullable=False)
    op.drop_column("sla_timers", "case_id")
    op.drop_table("case_settings")
    op.drop_index("ix_case_transitions_case", table_name="case_transitions")
    op.drop_table("case_transitions")
    op.drop_table("cases")
