"""Metric rollups (issue 13): hour buckets of the service figures, and what keeps them current.

`metric_rollups` holds one row per hour and combination of dimensions (agent, team, marketplace,
channel, category, automated) with summable measures; durations are kept as fixed-bucket histograms
(api/reports/buckets.py) so medians and p90s can be read over any range by adding rows.

Triggers (migration 0011_i13rollup_metrics) append the hours a change touches to
`metric_dirty_hours` in the changing transaction, on messages, SLA clocks, conversation
resolutions and the conversation fields the rows are grouped by; the fold (api/reports/rollup.py,
a worker cron) recomputes exactly those hours from the raw rows. Late and backfilled messages mark
the hour they happened in, not the hour they arrived.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Identity, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base
from api.models.sla import SlaClock


class MetricRollup(Base):
    __tablename__ = "metric_rollups"
    __table_args__ = (Index("ix_metric_rollups_org_bucket", "organization_id", "bucket"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    bucket: Mapped[datetime] = mapped_column()  # start of the UTC hour
    agent_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    marketplace: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[uuid.UUID] = mapped_column()
    category: Mapped[str] = mapped_column(String(40))
    # The row counts what automation did (auto-acknowledgements, auto-replies, away messages).
    automated: Mapped[bool] = mapped_column(Boolean)
    replies: Mapped[int] = mapped_column(Integer, server_default="0")
    first_responses: Mapped[int] = mapped_column(Integer, server_default="0")
    frt_wall_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    frt_business_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    frt_wall_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    frt_business_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    resolutions: Mapped[int] = mapped_column(Integer, server_default="0")
    reopened: Mapped[int] = mapped_column(Integer, server_default="0")
    resolution_wall_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resolution_business_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resolution_wall_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    resolution_business_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    sla_met: Mapped[int] = mapped_column(Integer, server_default="0")
    sla_breached: Mapped[int] = mapped_column(Integer, server_default="0")
    # +1 in the hour a buyer's wait began, -1 in the hour it ended: the backlog at the end of an hour
    # is the running sum.
    backlog_delta: Mapped[int] = mapped_column(Integer, server_default="0")


class MetricRollupDay(Base):
    """The hour rows summed per local day of the organization's zone (a day is the hour buckets that
    `buckets.day_of` maps to it), same dimensions and measures. A year's dashboard reads 365 days'
    rows instead of 8,760 hours'; the edges of a range that are not whole days still come from the
    hour rows. Written by the fold and the rebuild right after the hours they derive from, in the same
    transaction, so the two tables never disagree. `zone` is the zone the days were cut in: reads use
    only rows of the organization's current zone, and a changed zone is rebuilt (`rollup.refresh_days`)."""

    __tablename__ = "metric_rollup_days"
    __table_args__ = (Index("ix_metric_rollup_days_org_day", "organization_id", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    day: Mapped[datetime] = mapped_column()  # the local midnight, as a UTC instant
    zone: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    marketplace: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[uuid.UUID] = mapped_column()
    category: Mapped[str] = mapped_column(String(40))
    automated: Mapped[bool] = mapped_column(Boolean)
    replies: Mapped[int] = mapped_column(Integer, server_default="0")
    first_responses: Mapped[int] = mapped_column(Integer, server_default="0")
    frt_wall_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    frt_business_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    frt_wall_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    frt_business_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    resolutions: Mapped[int] = mapped_column(Integer, server_default="0")
    reopened: Mapped[int] = mapped_column(Integer, server_default="0")
    resolution_wall_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resolution_business_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resolution_wall_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    resolution_business_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    sla_met: Mapped[int] = mapped_column(Integer, server_default="0")
    sla_breached: Mapped[int] = mapped_column(Integer, server_default="0")
    backlog_delta: Mapped[int] = mapped_column(Integer, server_default="0")


class MetricRollupMarketplaceDay(Base):
    """The day rows summed over every dimension but the marketplace (and automated): the dashboard's
    usual question (everything, or per marketplace) reads one or five rows a day instead of one per
    agent, team, store and category. Derived from `metric_rollup_days` in the same transaction."""

    __tablename__ = "metric_rollup_marketplace_days"
    __table_args__ = (Index("ix_metric_rollup_marketplace_days_org_day", "organization_id", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    day: Mapped[datetime] = mapped_column()
    zone: Mapped[str] = mapped_column(String(64))
    marketplace: Mapped[str] = mapped_column(String(20))
    automated: Mapped[bool] = mapped_column(Boolean)
    replies: Mapped[int] = mapped_column(Integer, server_default="0")
    first_responses: Mapped[int] = mapped_column(Integer, server_default="0")
    frt_wall_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    frt_business_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    frt_wall_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    frt_business_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    resolutions: Mapped[int] = mapped_column(Integer, server_default="0")
    reopened: Mapped[int] = mapped_column(Integer, server_default="0")
    resolution_wall_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resolution_business_sum: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resolution_wall_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    resolution_business_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    sla_met: Mapped[int] = mapped_column(Integer, server_default="0")
    sla_breached: Mapped[int] = mapped_column(Integer, server_default="0")
    backlog_delta: Mapped[int] = mapped_column(Integer, server_default="0")


class MetricDirtyHour(Base):
    """An hour of one organization whose rollup rows must be recomputed. Append-only (no unique key,
    so concurrent writers never wait on each other); the fold deletes the rows it read."""

    __tablename__ = "metric_dirty_hours"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column()
    bucket: Mapped[datetime] = mapped_column()


class ConversationResolution(Base):
    """One resolution of a conversation (a trigger on conversations.status writes it): resolved
    conversations' history, which `conversations.resolved_at` (the latest only) cannot give."""

    __tablename__ = "conversation_resolutions"
    __table_args__ = (
        Index("ix_conversation_resolutions_org_resolved", "organization_id", "resolved_at"),
        Index("ix_conversation_resolutions_conversation", "conversation_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # Since the first buyer message, or since the reopening after the previous resolution.
    opened_at: Mapped[datetime] = mapped_column()
    resolved_at: Mapped[datetime] = mapped_column()
    reopened_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# The fold reads clocks by the hour they stopped or breached in (ix_sla_clocks_org_started covers
# the start); declared here, beside the reader, rather than in the SLA model.
Index("ix_sla_clocks_org_stopped", SlaClock.organization_id, SlaClock.stopped_at)
Index(
    "ix_sla_clocks_org_breached",
    SlaClock.organization_id,
    SlaClock.breached_at,
    postgresql_where=SlaClock.breached_at.is_not(None),
)
