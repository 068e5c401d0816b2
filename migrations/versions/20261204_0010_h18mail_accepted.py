"""replies on mail relays: `accepted` (the relay took it by SMTP; delivery awaits confirmation)

A mail relay that refuses a reply usually says so later, with a bounce, rather than during the SMTP
session. So an SMTP acceptance is not a delivery: the reply is `accepted` until the bounce window
passes without a bounce (then `sent`, which stops the clocks) or a bounce comes back (`failed`).

Revision ID: 0010_h18mail_accepted
Revises: 0010_h16triage
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_h18mail_accepted"
down_revision: str | None = "0010_h16triage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_messages_delivery_status"), "messages", type_="check")
    op.create_check_constraint(
        op.f("ck_messages_delivery_status"),
        "messages",
        "delivery_status IS NULL OR delivery_status IN ('queued', 'sending', 'accepted', 'sent', 'failed')",
    )


def downgrade() -> None:
    # Accepted replies were handed over; without the state they read as sent (as before 0010).
    op.execute("UPDATE messages SET delivery_status = 'sent' WHERE delivery_status = 'accepted'")
    op.drop_constraint(op.f("ck_messages_delivery_status"), "messages", type_="check")
    op.create_check_constraint(
        op.f("ck_messages_delivery_status"),
        "messages",
        "delivery_status IS NULL OR delivery_status IN ('queued', 'sending', 'sent', 'failed')",
    )
