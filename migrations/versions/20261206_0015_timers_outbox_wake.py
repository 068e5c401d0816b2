"""outbox wake per statement: one NOTIFY per INSERT into outbox_events instead of one per row

The row trigger of 0009_wake_notify ran a PL/pgSQL call and a pg_notify for every event written; the
timer batch writes two events per breach (2,000 per batch of 1,000), and PostgreSQL folds the identical
notifications of a transaction into one anyway. A statement trigger with a transition table notifies once
per INSERT, and only when it wrote a row (an INSERT ... SELECT that matched nothing must not wake the
relay, as 0009's docstring explains for the other channels).

Revision ID: 0015_timers_outbox_wake
Revises: 0015_reports_rollup_days
Create Date: 2026-12-06 05:25:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_timers_outbox_wake"
down_revision: str | None = "0015_reports_rollup_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION hg_wake_if_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT FROM new_rows) THEN
                PERFORM pg_notify(TG_ARGV[0], '');
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute("DROP TRIGGER outbox_events_wake ON outbox_events")
    op.execute(
        "CREATE TRIGGER outbox_events_wake AFTER INSERT ON outbox_events REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION hg_wake_if_rows('hourglass_outbox')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_events_wake ON outbox_events")
    op.execute(
        "CREATE TRIGGER outbox_events_wake AFTER INSERT ON outbox_events FOR EACH ROW WHEN (TRUE)"
        " EXECUTE FUNCTION hg_wake('hourglass_outbox')"
    )
    op.execute("DROP FUNCTION hg_wake_if_rows()")
