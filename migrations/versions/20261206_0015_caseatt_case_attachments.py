"""caseatt: cases link stored attachments (case_attachments); the free-text references cases kept so
far become links where they name a stored attachment of the case's organization (its id, its
download URL, or the marketplace URL it was fetched from), the rest stay readable in
`cases.legacy_attachment_refs`; uploads get `settled_at` for the clean-up of unsent uploads

Revision ID: 0015_caseatt_case_attachments
Revises: 0014_attach_attachments
Create Date: 2026-12-06 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_caseatt_case_attachments"
down_revision: str | None = "0014_attach_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint("uq_attachments_organization_id_id", "attachments", ["organization_id", "id"])
    op.add_column("attachments", sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_attachments_unsettled_uploads",
        "attachments",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("source = 'upload' AND settled_at IS NULL"),
    )
    op.create_index(
        "ix_messages_attachment_refs",
        "messages",
        ["attachments"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"attachments": "jsonb_path_ops"},
        postgresql_where=sa.text("attachments <> '[]'::jsonb"),
    )
    op.create_table(
        "case_attachments",
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("attachment_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("added_by_type", sa.String(length=20), nullable=False),
        sa.Column("added_by_id", sa.String(length=64), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "attachment_id"],
            ["attachments.organization_id", "attachments.id"],
            name="fk_case_attachments_attachment",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_case_attachments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "attachment_id", name=op.f("pk_case_attachments")),
    )
    op.create_index("ix_case_attachments_attachment", "case_attachments", ["attachment_id"], unique=False)
    op.add_column(
        "cases",
        sa.Column(
            "legacy_attachment_refs",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
    )
    # Each free-text reference, matched to at most one stored attachment of the same organization:
    # the attachment's id, its download URL (…/v1/attachments/<id>…), or the marketplace URL the
    # worker fetched it from. Matching is by exact text only: a guess would link the wrong photo.
    op.execute(
        """
        CREATE TEMPORARY TABLE _case_refs AS
        SELECT c.id AS case_id, c.organization_id, c.created_at, e.ref, e.n,
               (SELECT a.id FROM attachments a
                 WHERE a.organization_id = c.organization_id
                   AND (a.id::text = lower(btrim(e.ref))
                        OR a.id::text = lower(substring(e.ref FROM '/v1/attachments/([0-9a-fA-F-]{36})'))
                        OR a.source_url = btrim(e.ref))
                 ORDER BY a.created_at, a.id LIMIT 1) AS attachment_id
        FROM cases c,
             jsonb_array_elements_text(
                 CASE WHEN jsonb_typeof(c.attachments) = 'array' THEN c.attachments ELSE '[]'::jsonb END
             ) WITH ORDINALITY AS e(ref, n)
        """
    )
    op.execute(
        """
        INSERT INTO case_attachments (case_id, attachment_id, organization_id, added_by_type, added_at)
        SELECT case_id, attachment_id, organization_id, 'system', min(created_at + n * interval '1 microsecond')
        FROM _case_refs WHERE attachment_id IS NOT NULL
        GROUP BY case_id, attachment_id, organization_id
        """
    )
    op.execute(
        """
        UPDATE cases c SET legacy_attachment_refs = sub.refs
        FROM (
            SELECT case_id, jsonb_agg(to_jsonb(ref) ORDER BY n) AS refs
            FROM _case_refs WHERE attachment_id IS NULL GROUP BY case_id
        ) sub
        WHERE c.id = sub.case_id
        """
    )
    # A linked upload is in use: the clean-up leaves it alone.
    op.execute(
        """
        UPDATE attachments a SET settled_at = now()
        WHERE a.source = 'upload' AND EXISTS (SELECT 1 FROM case_attachments l WHERE l.attachment_id = a.id)
        """
    )
    op.execute("DROP TABLE _case_refs")
    op.drop_column("cases", "attachments")


def downgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )
    # Links go back to the only form the old column knew: the attachment's id as text, after the
    # legacy references.
    op.execute(
        """
        UPDATE cases c SET attachments = c.legacy_attachment_refs || coalesce((
            SELECT jsonb_agg(to_jsonb(l.attachment_id::text) ORDER BY l.added_at, l.attachment_id)
            FROM case_attachments l WHERE l.case_id = c.id
        ), '[]'::jsonb)
        """
    )
    op.drop_column("cases", "legacy_attachment_refs")
    op.drop_index("ix_case_attachments_attachment", table_name="case_attachments")
    op.drop_table("case_attachments")
    op.drop_index(
        "ix_messages_attachment_refs",
        table_name="messages",
        postgresql_using="gin",
        postgresql_where=sa.text("attachments <> '[]'::jsonb"),
    )
    op.drop_index(
        "ix_attachments_unsettled_uploads",
        table_name="attachments",
        postgresql_where=sa.text("source = 'upload' AND settled_at IS NULL"),
    )
    op.drop_column("attachments", "settled_at")
    op.drop_constraint("uq_attachments_organization_id_id", "attachments", type_="unique")
