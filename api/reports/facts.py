"""From raw facts to rollup rows (pure): which hour, which dimensions and which measures each fact
adds. The fold and the rebuild both go through `rows_of`, so what is maintained incrementally and
what a rebuild computes cannot drift apart."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.reports import buckets

MARKETPLACE_KINDS = ("marketplace_first_response", "marketplace_next_response")
AUTOMATED_AUTHORS = ("auto", "system")


@dataclass(frozen=True)
class Key:
    bucket: datetime
    agent_id: uuid.UUID | None
    team_id: uuid.UUID | None
    marketplace: str
    channel_id: uuid.UUID
    category: str
    automated: bool


@dataclass
class Measures:
    replies: int = 0
    first_responses: int = 0
    frt_wall_sum: int = 0
    frt_business_sum: int = 0
    frt_wall_hist: list[int] = field(default_factory=buckets.empty)
    frt_business_hist: list[int] = field(default_factory=buckets.empty)
    resolutions: int = 0
    reopened: int = 0
    resolution_wall_sum: int = 0
    resolution_business_sum: int = 0
    resolution_wall_hist: list[int] = field(default_factory=buckets.empty)
    resolution_business_hist: list[int] = field(default_factory=buckets.empty)
    sla_met: int = 0
    sla_breached: int = 0
    backlog_delta: int = 0


@dataclass(frozen=True)
class Where:
    """A conversation's grouping fields."""

    team_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    marketplace: str
    channel_id: uuid.UUID
    category: str


@dataclass(frozen=True)
class ReplyFact:
    at: datetime
    author_kind: str
    author_user_id: uuid.UUID | None
    where: Where
    count: int = 1


@dataclass(frozen=True)
class ClockFact:
    kind: str
    started_at: datetime
    stopped_at: datetime | None
    breached_at: datetime | None
    state: str
    stop_reason: str | None
    stop_author_kind: str | None
    stop_author_user_id: uuid.UUID | None
    where: Where


@dataclass(frozen=True)
class ResolutionFact:
    opened_at: datetime
    resolved_at: datetime
    reopened: bool
    where: Where


# Working seconds between two instants (the organization's default calendar; wall clock without one).
BusinessSeconds = Callable[[datetime, datetime], float]


def _key(at: datetime, where: Where, agent: uuid.UUID | None, automated: bool) -> Key:
    w = where
    return Key(buckets.hour_floor(at), agent, w.team_id, w.marketplace, w.channel_id, w.category, automated)


def rows_of(
    replies: Iterable[ReplyFact],
    clocks: Iterable[ClockFact],
    resolutions: Iterable[ResolutionFact],
    business_seconds: BusinessSeconds,
    hours: set[datetime],
) -> dict[Key, Measures]:
    """The rollup rows of the given hours. Facts outside them are ignored (a clock started before
    the folded hour and stopped inside it adds only its stop)."""
    out: dict[Key, Measures] = {}

    def at(key: Key) -> Measures | None:
        if key.bucket not in hours:
            return None
        m = out.get(key)
        if m is None:  # not setdefault: a Measures (four histograms) per fact would be built for nothing
            m = out[key] = Measures()
        return m

    for r in replies:
        m = at(_key(r.at, r.where, r.author_user_id, r.author_kind in AUTOMATED_AUTHORS))
        if m:
            m.replies += r.count
    for k in clocks:
        if k.kind not in MARKETPLACE_KINDS:
            continue
        waiting = k.where.assignee_id
        # The buyer's wait: +1 where it began, -1 where it ended, on the same dimensions so they cancel.
        if m := at(_key(k.started_at, k.where, waiting, False)):
            m.backlog_delta += 1
        if k.stopped_at is not None and (m := at(_key(k.stopped_at, k.where, waiting, False))):
            m.backlog_delta -= 1
        automated = (k.stop_author_kind or "human") in AUTOMATED_AUTHORS
        responder = k.stop_author_user_id if k.stop_author_kind == "human" else None
        answered_by = responder or waiting
        if k.state == "met" and k.stopped_at and (m := at(_key(k.stopped_at, k.where, answered_by, automated))):
            m.sla_met += 1
        if k.breached_at is not None and (m := at(_key(k.breached_at, k.where, waiting, False))):
            m.sla_breached += 1
        first = k.kind == "marketplace_first_response" and k.stop_reason == "reply"
        if first and k.stopped_at and (m := at(_key(k.stopped_at, k.where, answered_by, automated))):
            wall = (k.stopped_at - k.started_at).total_seconds()
            business = business_seconds(k.started_at, k.stopped_at)
            m.first_responses += 1
            m.frt_wall_sum += round(wall)
            m.frt_business_sum += round(business)
            buckets.add(m.frt_wall_hist, wall)
            buckets.add(m.frt_business_hist, business)
    for s in resolutions:
        if m := at(_key(s.resolved_at, s.where, s.where.assignee_id, False)):
            wall = (s.resolved_at - s.opened_at).total_seconds()
            business = business_seconds(s.opened_at, s.resolved_at)
            m.resolutions += 1
            m.reopened += 1 if s.reopened else 0
            m.resolution_wall_sum += round(wall)
            m.resolution_business_sum += round(business)
            buckets.add(m.resolution_wall_hist, wall)
            buckets.add(m.resolution_business_hist, business)
    return out


def as_row(organization_id: uuid.UUID, key: Key, m: Measures) -> dict[str, Any]:
    return {"organization_id": organization_id, **key.__dict__, **m.__dict__}
