"""outbox publication sequence

Applied after 0005: 0005 (automation) was committed on 0003 first, and a database already at 0005
would never apply a 0004 slotted in before it.

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-23 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('outbox_events', sa.Column('seq', sa.BigInteger(), nullable=True))
    op.create_index(
        'ix_outbox_org_seq',
        'outbox_events',
        ['organization_id', 'seq'],
        unique=False,
        postgresql_where=sa.text('seq IS NOT NULL'),
    )
    # Numbers handed out by the relay in publication order (see api/outbox/relay.py). A sequence,
    # not max(seq)+1: a relay transaction that published and then failed to commit never hands the
    # same number to another event, so a client that saw it never skips a different event.
    op.execute('CREATE SEQUENCE outbox_publish_seq AS bigint OWNED BY outbox_events.seq')


def downgrade() -> None:
    op.execute('DROP SEQUENCE IF EXISTS outbox_publish_seq')
    op.drop_index('ix_outbox_org_seq', table_name='outbox_events', postgresql_where=sa.text('seq IS NOT NULL'))
    op.drop_column('outbox_events', 'seq')
