"""sla builtins: every organization has the built-in SLA policies from its creation (new ones get them
in auth.service.create_organization); this gives them to the organizations that never had a
conversation and so never materialised them on first use, as the engine used to

Revision ID: 0012_lead_sla_builtins
Revises: 0011_i14shift_shifts
Create Date: 2026-12-05 14:40:00.000000
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_lead_sla_builtins"
down_revision: str | None = "0011_i14shift_shifts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The catalog as of this revision; a later change to a built-in needs its own migration anyway,
    # since organizations keep (and may have edited) their copies.
    from api.sla.catalog import BUILTINS

    conn = op.get_bind()
    missing = conn.execute(
        sa.text(
            "SELECT o.id FROM organizations o WHERE NOT EXISTS"
            " (SELECT 1 FROM sla_policies p WHERE p.organization_id = o.id AND p.builtin_key = 'default')"
        )
    ).scalars()
    insert = sa.text(
        "INSERT INTO sla_policies (id, organization_id, name, builtin_key, source, position, conditions,"
        " first_response_seconds, next_response_seconds, automation_counts, tiers)"
        " VALUES (:id, :org, :name, :key, :source, :position, CAST(:conditions AS jsonb), :first, :next,"
        " :automation, CAST(:tiers AS jsonb))"
        " ON CONFLICT (organization_id, builtin_key) DO NOTHING"
    )
    for org in list(missing):
        for b in BUILTINS:
            conn.execute(
                insert,
                {
                    "id": uuid.uuid4(),
                    "org": org,
                    "name": b.name,
                    "key": b.key,
                    "source": b.source,
                    "position": b.position,
                    "conditions": json.dumps(b.conditions),
                    "first": b.first_response_seconds,
                    "next": b.next_response_seconds,
                    "automation": b.automation_counts,
                    "tiers": json.dumps(list(b.tiers)),
                },
            )


def downgrade() -> None:
    # The policies stay: clocks reference them, and an older engine reads them as it always did.
    pass
