"""wake notifications per statement for inserts: one NOTIFY per INSERT into outbox_events and
sla_timers instead of a trigger call per row

The row triggers of 0009 ran a PL/pgSQL function and pg_notify for every event and every timer row:
about a third of the cost of inserting an event (20,000 outbox rows: 0.72 s with the row trigger,
0.47 s without, 0.44 s with this statement trigger, measured in one psql session). The SLA timer
loop writes an event per fired timer and ingest writes the timers of every clock it starts, in
multi-row statements, so this is paid per timer and per message.

The statement trigger reads the statement's transition table and notifies only when it holds a row:
an INSERT ... SELECT that inserts nothing stays silent, as the row trigger was (a loop woken by its
own empty write would never sleep). The UPDATE triggers keep their per-row WHEN conditions, which
cost nothing for the rows they do not match.

Tried once before for the outbox (0015_timers_outbox_wake, 2026-12-06) and reverted when
tests/realtime/test_done_when.py saw no relay within 90 s under load. That test's cause was found
since: it pushed before its sockets' hello frames, and a fresh socket is live only from its hello
(the test now waits for them); the trigger was not involved.

Revision ID: 0016_wake_per_statement
Revises: 0015_reports_rollup_days
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_wake_per_statement"
down_revision: str | None = "0015_reports_rollup_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (trigger, table, channel): the INSERT wake triggers of 0009.
INSERT_TRIGGERS = (
    ("outbox_events_wake", "outbox_events", "hourglass_outbox"),
    ("sla_timers_wake_new", "sla_timers", "hourglass_timers"),
)


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION hg_wake_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT FROM inserted_rows) THEN
                PERFORM pg_notify(TG_ARGV[0], '');
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    for name, table, channel in INSERT_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted_rows"
            f" FOR EACH STATEMENT EXECUTE FUNCTION hg_wake_inserted('{channel}')"
        )


def downgrade() -> None:
    for name, table, channel in INSERT_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} FOR EACH ROW WHEN (TRUE)"
            f" EXECUTE FUNCTION hg_wake('{channel}')"
        )
    op.execute("DROP FUNCTION hg_wake_inserted()")
