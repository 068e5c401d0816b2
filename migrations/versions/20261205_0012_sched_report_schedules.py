"""report schedules: the weekly / monthly report mailed once per schedule and period, HTML mail and
attachments on the system's outbound mail

Revision ID: 0012_sched_report_schedules
Revises: 0012_lead_sla_builtins
Create Date: 2026-12-05 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_sched_report_schedules"
down_revision: str | None = "0012_lead_sla_builtins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbound_emails", sa.Column("html_body", sa.Text(), nullable=True))
    op.create_table(
        "report_schedules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=10), server_default="en", nullable=False),
        sa.Column("formats", postgresql.ARRAY(sa.String(length=10)), server_default="{}", nullable=False),
        sa.Column("recipient_user_ids", postgresql.ARRAY(sa.UUID()), server_default="{}", nullable=False),
        sa.Column("recipient_addresses", postgresql.ARRAY(sa.String(length=320)), server_default="{}", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_by_user_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("period IN ('week', 'month')", name=op.f("ck_report_schedules_period")),
        sa.CheckConstraint("language IN ('en', 'zh-CN')", name=op.f("ck_report_schedules_language")),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name=op.f("ck_report_schedules_hour")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_report_schedules_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_report_schedules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_index("ix_report_schedules_org", "report_schedules", ["organization_id", "name"], unique=False)
    op.create_table(
        "report_deliveries",
        sa.Column("schedule_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_report_deliveries_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["report_schedules.id"],
            name=op.f("fk_report_deliveries_schedule_id_report_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deliveries")),
        sa.UniqueConstraint("schedule_id", "period_start", name=op.f("uq_report_deliveries_schedule_id_period_start")),
    )
    op.create_table(
        "outbound_email_attachments",
        sa.Column("email_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["outbound_emails.id"],
            name=op.f("fk_outbound_email_attachments_email_id_outbound_emails"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_outbound_email_attachments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_email_attachments")),
    )
    op.create_index("ix_outbound_email_attachments_email", "outbound_email_attachments", ["email_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbound_email_attachments_email", table_name="outbound_email_attachments")
    op.drop_table("outbound_email_attachments")
    op.drop_table("report_deliveries")
    op.drop_index("ix_report_schedules_org", table_name="report_schedules")
    op.drop_table("report_schedules")
    op.drop_column("outbound_emails", "html_body")
