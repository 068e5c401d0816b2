"""wake notifications: writers NOTIFY the worker loops in the transaction of their change

Triggers, so every writer counts (ORM, Core, raw SQL, a future CTE or PL/pgSQL ingest) and the wake-up
costs no extra round trip. NOTIFY is delivered at commit, never for a rolled-back change, and PostgreSQL
folds identical notifications of one transaction into one (so a row trigger on a batch sends one). Row
triggers with WHEN conditions, not statement triggers: a statement trigger fires for an UPDATE that
matched no row too, and a loop whose own empty claim woke itself would never sleep. The worker's single LISTEN
connection (workers/loops.py) turns them into wake-ups:

- hourglass_outbox: an event was written; wakes the relay (which wakes webhooks, automation and reply
  delivery for the events it relays);
- hourglass_timers: an SLA timer was scheduled or moved; wakes the timer loop, which otherwise sleeps
  until the next due time;
- hourglass_channels: a channel was added or its sync state changed (e.g. "sync now"); wakes the poll
  scheduler, which otherwise sleeps until the next due poll.

Revision ID: 0009_wake_notify
Revises: 0008
Create Date: 2026-12-04 16:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_wake_notify"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = (
    ("outbox_events_wake", "outbox_events", "INSERT", "TRUE", "hourglass_outbox"),
    ("sla_timers_wake_new", "sla_timers", "INSERT", "TRUE", "hourglass_timers"),
    (
        # Moved or revived; not the loop's own firing (fired_at) nor a cancellation.
        "sla_timers_wake_moved",
        "sla_timers",
        "UPDATE OF due_at, cancelled_at",
        "NEW.fired_at IS NULL AND NEW.cancelled_at IS NULL"
        " AND (OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.cancelled_at IS NOT NULL)",
        "hourglass_timers",
    ),
    ("channels_wake_new", "channels", "INSERT", "TRUE", "hourglass_channels"),
    (
        "channels_wake_changed",
        "channels",
        "UPDATE OF sync_cursor, status, credentials_encrypted",
        "OLD.sync_cursor -> 'next_poll_at' IS DISTINCT FROM NEW.sync_cursor -> 'next_poll_at'"
        " OR OLD.status IS DISTINCT FROM NEW.status"
        " OR OLD.credentials_encrypted IS DISTINCT FROM NEW.credentials_encrypted",
        "hourglass_channels",
    ),
)


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION hg_wake() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(TG_ARGV[0], '');
            RETURN NULL;
        END
        $$
        """
    )
    for name, table, events, when, channel in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW WHEN ({when})"
            f" EXECUTE FUNCTION hg_wake('{channel}')"
        )


def downgrade() -> None:
    for name, table, *_ in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
    op.execute("DROP FUNCTION hg_wake()")
