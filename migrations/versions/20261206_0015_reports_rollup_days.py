"""reports: day rollups (the hour rows summed per local day of the organization's zone) and their sums
per marketplace, filled from the existing hour rows, so a year's dashboard reads 365 rows per
combination instead of 8,760

Revision ID: 0015_reports_rollup_days
Revises: 0015_caseatt_case_attachments
Create Date: 2026-12-06 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_reports_rollup_days"
down_revision: str | None = "0015_caseatt_case_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIST = postgresql.ARRAY(sa.Integer())
HISTOGRAMS = ("frt_wall_hist", "frt_business_hist", "resolution_wall_hist", "resolution_business_hist")
SIZE = 20  # api/reports/buckets.SIZE when this migration was written
DIMENSIONS = "agent_id, team_id, marketplace, channel_id, category, automated"
MEASURES = (
    "replies, first_responses, frt_wall_sum, frt_business_sum, resolutions, reopened, resolution_wall_sum, "
    "resolution_business_sum, sla_met, sla_breached, backlog_delta"
)


def _measures() -> list[sa.Column]:
    return [
        sa.Column("replies", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_responses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("frt_wall_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("frt_business_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("frt_wall_hist", HIST, nullable=False),
        sa.Column("frt_business_hist", HIST, nullable=False),
        sa.Column("resolutions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reopened", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolution_wall_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("resolution_business_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("resolution_wall_hist", HIST, nullable=False),
        sa.Column("resolution_business_hist", HIST, nullable=False),
        sa.Column("sla_met", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sla_breached", sa.Integer(), server_default="0", nullable=False),
        sa.Column("backlog_delta", sa.Integer(), server_default="0", nullable=False),
    ]


def _table(name: str, dimensions: list[sa.Column]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        *dimensions,
        sa.Column("automated", sa.Boolean(), nullable=False),
        *_measures(),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{name}_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_org_day", name, ["organization_id", "day"], unique=False)


def upgrade() -> None:
    _table(
        "metric_rollup_days",
        [
            sa.Column("agent_id", sa.UUID(), nullable=True),
            sa.Column("team_id", sa.UUID(), nullable=True),
            sa.Column("marketplace", sa.String(length=20), nullable=False),
            sa.Column("channel_id", sa.UUID(), nullable=False),
            sa.Column("category", sa.String(length=40), nullable=False),
        ],
    )
    _table("metric_rollup_marketplace_days", [sa.Column("marketplace", sa.String(length=20), nullable=False)])
    sums = ", ".join(
        [f"sum({m.strip()})" for m in MEASURES.split(",")]
        + ["ARRAY[" + ", ".join(f"sum({h}[{i}])::int" for i in range(1, SIZE + 1)) + "]" for h in HISTOGRAMS]
    )
    op.execute(
        f"""
        INSERT INTO metric_rollup_days (organization_id, day, zone, {DIMENSIONS}, {MEASURES}, {", ".join(HISTOGRAMS)})
        SELECT d.organization_id, d.day, d.zone, {DIMENSIONS}, {sums}
          FROM (SELECT r.*, o.time_zone AS zone,
                       timezone(o.time_zone, date_trunc('day', timezone(o.time_zone, r.bucket))) AS day
                  FROM metric_rollups r JOIN organizations o ON o.id = r.organization_id) d
         GROUP BY d.organization_id, d.day, d.zone, {DIMENSIONS}
        """
    )
    op.execute(
        f"""
        INSERT INTO metric_rollup_marketplace_days (organization_id, day, zone, marketplace, automated, {MEASURES},
                                                    {", ".join(HISTOGRAMS)})
        SELECT organization_id, day, zone, marketplace, automated, {sums}
          FROM metric_rollup_days
         GROUP BY organization_id, day, zone, marketplace, automated
        """
    )


def downgrade() -> None:
    for name in ("metric_rollup_marketplace_days", "metric_rollup_days"):
        op.drop_index(f"ix_{name}_org_day", table_name=name)
        op.drop_table(name)
