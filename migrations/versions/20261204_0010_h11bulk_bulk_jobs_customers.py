"""bulk jobs on conversations; customers merged across marketplaces, computed tiers

- bulk_jobs / bulk_job_items: one action over many targets, run by a worker; each item's outcome is
  written with its effect, so a re-run after a killed worker does nothing twice.
- customers.merged_into_id: identities of one person point at one root profile, through a foreign
  key on (organization_id, id) so the root is always of the same organization.
- customers.phone, tier_source, tier_reason; tiers "new" and "at_risk"; customer_tier_rules.
  Tiers set by hand before this revision (anything but "standard") are kept as manual.

Revision ID: 0010_h11bulk_bulk_jobs
Revises: 0010_h11cases_cases
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_h11bulk_bulk_jobs"
down_revision: str | None = "0010_h11cases_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TIERS = "tier IN ('standard', 'high_value', 'potential', 'low_activity')"
NEW_TIERS = "tier IN ('standard', 'high_value', 'potential', 'low_activity', 'new', 'at_risk')"


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("action_kind", sa.String(length=40), nullable=False),
        sa.Column("action", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_user_id", sa.UUID(), nullable=True),
        sa.Column("created_by_api_key_id", sa.UUID(), nullable=True),
        sa.Column("actor_scopes", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'running', 'completed')", name=op.f("ck_bulk_jobs_status")),
        sa.ForeignKeyConstraint(
            ["created_by_api_key_id"], ["api_keys.id"], name=op.f("fk_bulk_jobs_created_by_api_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_bulk_jobs_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_bulk_jobs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_jobs")),
    )
    op.create_index("ix_bulk_jobs_org_created", "bulk_jobs", ["organization_id", "created_at"], unique=False)
    op.create_index(
        "ix_bulk_jobs_unfinished", "bulk_jobs", ["heartbeat_at"], unique=False,
        postgresql_where=sa.text("status <> 'completed'"),
    )
    op.create_table(
        "bulk_job_items",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("target_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result_id", sa.UUID(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f("ck_bulk_job_items_status")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["bulk_jobs.id"], name=op.f("fk_bulk_job_items_job_id_bulk_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_bulk_job_items_organization_id_organizations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_bulk_job_items")),
    )
    op.create_index(
        "ix_bulk_job_items_pending", "bulk_job_items", ["job_id", "position"], unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_bulk_job_items_failed", "bulk_job_items", ["job_id", "position"], unique=False,
        postgresql_where=sa.text("status = 'failed'"),
    )

    op.add_column("customers", sa.Column("phone", sa.String(length=40), nullable=True))
    op.add_column("customers", sa.Column("merged_into_id", sa.UUID(), nullable=True))
    op.add_column("customers", sa.Column("auto_merge", sa.Boolean(), server_default=sa.text("true"), nullable=False))
    op.add_column("customers", sa.Column("tier_source", sa.String(length=10), server_default="computed", nullable=False))
    op.add_column("customers", sa.Column("tier_reason", sa.String(length=300), nullable=True))
    op.execute("UPDATE customers SET tier_source = 'manual' WHERE tier <> 'standard'")
    op.drop_constraint(op.f("ck_customers_tier"), "customers", type_="check")
    op.create_check_constraint(op.f("ck_customers_tier"), "customers", NEW_TIERS)
    op.create_check_constraint(op.f("ck_customers_tier_source"), "customers", "tier_source IN ('computed', 'manual')")
    op.create_check_constraint(
        op.f("ck_customers_not_merged_into_self"), "customers", "merged_into_id IS NULL OR merged_into_id <> id"
    )
    op.create_unique_constraint(op.f("uq_customers_organization_id_id"), "customers", ["organization_id", "id"])
    op.create_foreign_key(
        "fk_customers_merged_into_same_org", "customers", "customers",
        ["organization_id", "merged_into_id"], ["organization_id", "id"],
    )
    op.create_index(
        "ix_customers_org_phone", "customers", ["organization_id", "phone"], unique=False,
        postgresql_where=sa.text("phone IS NOT NULL"),
    )
    op.create_index(
        "ix_customers_merged_into", "customers", ["merged_into_id"], unique=False,
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )
    op.create_table(
        "customer_tier_rules",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_customer_tier_rules_organization_id_organizations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_customer_tier_rules")),
    )


def downgrade() -> None:
    op.drop_table("customer_tier_rules")
    op.drop_index("ix_customers_merged_into", table_name="customers", postgresql_where=sa.text("merged_into_id IS NOT NULL"))
    op.drop_index("ix_customers_org_phone", table_name="customers", postgresql_where=sa.text("phone IS NOT NULL"))
    op.drop_constraint("fk_customers_merged_into_same_org", "customers", type_="foreignkey")
    op.drop_constraint(op.f("uq_customers_organization_id_id"), "customers", type_="unique")
    op.drop_constraint(op.f("ck_customers_not_merged_into_self"), "customers", type_="check")
    op.drop_constraint(op.f("ck_customers_tier_source"), "customers", type_="check")
    op.drop_constraint(op.f("ck_customers_tier"), "customers", type_="check")
    op.execute("UPDATE customers SET tier = 'standard' WHERE tier IN ('new', 'at_risk')")
    op.create_check_constraint(op.f("ck_customers_tier"), "customers", OLD_TIERS)
    for column in ("tier_reason", "tier_source", "auto_merge", "merged_into_id", "phone"):
        op.drop_column("customers", column)
    op.drop_index("ix_bulk_job_items_failed", table_name="bulk_job_items", postgresql_where=sa.text("status = 'failed'"))
    op.drop_index("ix_bulk_job_items_pending", table_name="bulk_job_items", postgresql_where=sa.text("status = 'pending'"))
    op.drop_table("bulk_job_items")
    op.drop_index("ix_bulk_jobs_unfinished", table_name="bulk_jobs", postgresql_where=sa.text("status <> 'completed'"))
    op.drop_index("ix_bulk_jobs_org_created", table_name="bulk_jobs")
    op.drop_table("bulk_jobs")
