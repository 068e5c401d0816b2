"""a changed SLA clock marks only the hours whose facts changed: a breach marks its breach hour, not the
hour the clock started in

0011 (and 0019 after it) marked, for a clock with any changed field, every hour of both versions: the
hour it started, stopped and was breached. The fold then recomputes each marked hour from all of its
raw rows (api/reports/rollup.py). A burst of breaches thereby marked the hours the breached clocks had
started in, and refolded every clock started in those hours: in the SLA timer benchmark at 1M open
deadlines the fold's read of that start hour took 8.9 s of PostgreSQL during a 12.7 s drain of 100k
due timers, competing with the timers for the machine (2026-12-07).

What an hour holds of a clock (api/reports/facts.rows_of) depends on:
- the start hour: kind and start (the wait that began);
- the stop hour: kind, start, stop, state, stop reason, stop message (the wait that ended, met or not,
  the first response and its duration, who answered) and pauses (kept as before);
- the breach hour: kind and breach time.
The conversation's fields (team, assignee, category) are marked by the conversations' trigger.

So each of the three is diffed on its own fields (`EXCEPT` both ways, as 0019) and marks its own hour:
a breach (state and breached_at change, no stop) marks only the breach hour; a reply that stops a
clock marks only the stop hour.

Revision ID: 0020_clock_hours_by_fact
Revises: 0019_cached_ingest_plans
Create Date: 2026-12-07 16:00:00.000000
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0020_clock_hours_by_fact"
down_revision: str | None = "0019_cached_ingest_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = r"""
CREATE OR REPLACE FUNCTION hourglass_metric_dirty_clocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT n.organization_id, date_trunc('hour', t) FROM new_rows n
        CROSS JOIN LATERAL (VALUES (n.started_at), (n.stopped_at), (n.breached_at)) v(t) WHERE t IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        SELECT DISTINCT o.organization_id, date_trunc('hour', t) FROM old_rows o
        CROSS JOIN LATERAL (VALUES (o.started_at), (o.stopped_at), (o.breached_at)) v(t) WHERE t IS NOT NULL;
    ELSE
        -- Each hour a clock has facts in is marked when the fields of those facts changed, for the old
        -- and the new version (a new deadline alone is no fact of the metrics).
        INSERT INTO metric_dirty_hours (organization_id, bucket)
        WITH n AS (SELECT id, organization_id, kind, state, started_at, stopped_at, breached_at, stop_message_id,
                          stop_reason, pauses FROM new_rows),
             o AS (SELECT id, organization_id, kind, state, started_at, stopped_at, breached_at, stop_message_id,
                          stop_reason, pauses FROM old_rows),
             started AS (SELECT id, organization_id, kind, started_at FROM n),
             started_before AS (SELECT id, organization_id, kind, started_at FROM o),
             stopped AS (SELECT id, organization_id, kind, started_at, stopped_at, state, stop_reason,
                                stop_message_id, pauses FROM n),
             stopped_before AS (SELECT id, organization_id, kind, started_at, stopped_at, state, stop_reason,
                                       stop_message_id, pauses FROM o),
             breached AS (SELECT id, organization_id, kind, breached_at FROM n),
             breached_before AS (SELECT id, organization_id, kind, breached_at FROM o)
        SELECT DISTINCT c.organization_id, date_trunc('hour', c.t) FROM (
            SELECT organization_id, started_at FROM ((TABLE started EXCEPT TABLE started_before)
                                                     UNION ALL (TABLE started_before EXCEPT TABLE started)) s
            UNION ALL
            SELECT organization_id, stopped_at FROM ((TABLE stopped EXCEPT TABLE stopped_before)
                                                     UNION ALL (TABLE stopped_before EXCEPT TABLE stopped)) e
            UNION ALL
            SELECT organization_id, breached_at FROM ((TABLE breached EXCEPT TABLE breached_before)
                                                      UNION ALL (TABLE breached_before EXCEPT TABLE breached)) b
        ) c(organization_id, t)
        WHERE c.t IS NOT NULL;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.execute(FUNCTION)


def downgrade() -> None:
    """The function as 0019 made it."""
    path = Path(__file__).with_name("20261207_0019_cached_ingest_plans.py")
    spec = importlib.util.spec_from_file_location("hourglass_migration_0019", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for function in module.FUNCTIONS:
        if "hourglass_metric_dirty_clocks" in function:
            op.execute(function)
