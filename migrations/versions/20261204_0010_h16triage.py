"""triage: list previews show inbound words, manual (sticky) fields, no-response reasons, saved views

- The list preview is the latest inbound message (the buyer's words, or a marketplace notice), never
  our own reply: 29 of 45 Response Needed rows of the demo previewed the out-of-hours
  acknowledgement. Replies no longer write it (api/message/outbound.py); `hourglass_ingest_many` now
  writes it for the newest inbound message (compared with `last_inbound_at`, since replies still
  move `last_message_at`), and existing rows are backfilled from their latest inbound message.
- `conversations.manual_fields`: the fields a person set, which automation rules leave alone.
- `messages.no_response_reason`: why a person said a buyer message needs no answer.
- `saved_views`: named inbox lists, per person or shared with a team.
- Built-in SLA policies no longer cite internal documents in their `source` (not restored on downgrade).

Revision ID: 0010_h16triage
Revises: 0010_h19_ingest_many
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_h16triage"
down_revision: str | None = "0010_h19_ingest_many"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PREVIEW = "CASE WHEN cv.last_message_at <= a.last_sent THEN a.preview"
NEW_PREVIEW = "CASE WHEN cv.last_inbound_at IS NULL OR cv.last_inbound_at <= a.last_sent THEN a.preview"


def _swap_in_ingest(old: str, new: str) -> None:
    """Edit the one expression in the live function rather than restating its 130 lines, so this
    migration keeps whatever else later revisions of the function changed; fails loudly if the
    expression is not there."""
    op.execute(
        sa.text(
            """
DO $do$
DECLARE
    def text := pg_get_functiondef('hourglass_ingest_many(jsonb)'::regprocedure);
BEGIN
    IF position(:old IN def) = 0 THEN
        RAISE EXCEPTION 'hourglass_ingest_many: preview expression not found';
    END IF;
    EXECUTE replace(def, :old, :new);
END
$do$;
"""
        )
        .bindparams(old=old, new=new)
        .compile(compile_kwargs={"literal_binds": True})
        .string
    )


# Same flattening as api.message.content.preview: whitespace runs become one space, 280 characters.
BACKFILL = r"""
UPDATE conversations cv SET last_message_preview = latest.preview
FROM (
    SELECT DISTINCT ON (m.conversation_id) m.conversation_id,
           CASE WHEN char_length(flat) <= 280 THEN flat ELSE left(flat, 279) || '…' END AS preview
    FROM messages m
    CROSS JOIN LATERAL (SELECT btrim(regexp_replace(m.body, '\s+', ' ', 'g')) AS flat) f
    WHERE m.direction = 'inbound'
    ORDER BY m.conversation_id, m.sent_at DESC, m.id DESC
) latest
WHERE latest.conversation_id = cv.id AND cv.last_message_preview IS DISTINCT FROM latest.preview
"""


# The built-in policies' copies cited internal documents ("marketplaces.md §2") in their source,
# which the settings page shows; the catalog (api/sla/catalog.py) now cites only the marketplaces.
SOURCES = (
    "UPDATE sla_policies SET source = replace(source, ' (marketplaces.md §4, third-party sources).', "
    "' (third-party sources).') WHERE builtin_key IS NOT NULL",
    r"UPDATE sla_policies SET source = regexp_replace(source, ' \(marketplaces\.md §[^)]*\)', '', 'g') "
    "WHERE builtin_key IS NOT NULL",
    "UPDATE sla_policies SET source = replace(source, 'Seller Central 202152030/200549770: ', "
    "'Amazon Seller Central: ') WHERE builtin_key IS NOT NULL",
)


def upgrade() -> None:
    op.add_column(
        "conversations",
        sa.Column("manual_fields", postgresql.ARRAY(sa.String(length=20)), server_default="{}", nullable=False),
    )
    op.add_column("messages", sa.Column("no_response_reason", sa.String(length=40), nullable=True))
    op.create_table(
        "saved_views",
        sa.Column("owner_user_id", sa.UUID(), nullable=False),
        sa.Column("team_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_saved_views_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_saved_views_owner_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_saved_views_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    op.create_index("ix_saved_views_owner", "saved_views", ["organization_id", "owner_user_id"], unique=False)
    op.create_index("ix_saved_views_team", "saved_views", ["organization_id", "team_id"], unique=False)
    _swap_in_ingest(OLD_PREVIEW, NEW_PREVIEW)
    op.execute(BACKFILL)
    for statement in SOURCES:
        op.execute(statement)


def downgrade() -> None:
    _swap_in_ingest(NEW_PREVIEW, OLD_PREVIEW)
    op.drop_index("ix_saved_views_team", table_name="saved_views")
    op.drop_index("ix_saved_views_owner", table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_column("messages", "no_response_reason")
    op.drop_column("conversations", "manual_fields")
