"""shifts: rosters per team in each agent's time zone, handovers done exactly once, and users'
auto-set status (the shift/idle rule may undo what it set, never what the agent chose)

Revision ID: 0011_i14shift_shifts
Revises: 0011_i13rollup_metrics
Create Date: 2026-12-05 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_i14shift_shifts"
down_revision: str | None = "0011_i13rollup_metrics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("auto_status", sa.Boolean(), server_default="false", nullable=False))
    op.create_table(
        "shifts",
        sa.Column("team_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("handover_minutes", sa.Integer(), server_default="30", nullable=False),
        sa.Column("is_off", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("(weekday IS NULL) <> (on_date IS NULL)", name=op.f("ck_shifts_weekly_or_dated")),
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name=op.f("ck_shifts_weekday")),
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name=op.f("ck_shifts_duration")),
        sa.CheckConstraint(
            "handover_minutes >= 0 AND handover_minutes <= duration_minutes", name=op.f("ck_shifts_handover")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_shifts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_shifts_team_id_teams"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shifts_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    op.create_index("ix_shifts_org_user", "shifts", ["organization_id", "user_id"], unique=False)
    op.create_index("ix_shifts_team", "shifts", ["team_id"], unique=False)
    op.create_table(
        "shift_handovers",
        sa.Column("conversation_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("from_user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("to_user_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("shift_ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_shift_handovers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["users.id"], name=op.f("fk_shift_handovers_from_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_shift_handovers_note_id_notes"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_shift_handovers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["users.id"], name=op.f("fk_shift_handovers_to_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_handovers")),
        sa.UniqueConstraint(
            "conversation_id",
            "from_user_id",
            "shift_ended_at",
            name=op.f("uq_shift_handovers_conversation_id_from_user_id_shift_ended_at"),
        ),
    )


def downgrade() -> None:
    op.drop_table("shift_handovers")
    op.drop_index("ix_shifts_team", table_name="shifts")
    op.drop_index("ix_shifts_org_user", table_name="shifts")
    op.drop_table("shifts")
    op.drop_column("users", "auto_status")
