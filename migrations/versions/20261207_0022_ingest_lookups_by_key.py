"""ingest looks up a page's known messages, buyers and orders key by key, whatever the table's size

`hourglass_ingest_many` reads four sets by the page's keys: the messages already stored (replays),
the page's buyers, its orders, and (after losing a race) the copies stored meanwhile. Each was written
`col IN (SELECT ... FROM hourglass_ingest_entries(...))`. Since 0019 the function keeps generic plans,
made once per connection, and the plan PostgreSQL made for the replay check on a young table scanned
every message of the channel (an index scan on `channel_id` alone) and compared each with every
message of the page: "Rows Removed by Join Filter: 50000" for 500 stored messages and a page of 100.
Ingest slowed down as the channel grew: pages of 100 went in at 1,482 messages/s for the first 2,500
messages of a channel and at 448/s after 30,000 (tests against a scratch database, 2026-12-07); a
marketplace channel with a million messages would have crawled.

Each lookup is now a LATERAL subquery per key of the page, with equality on every column of the
unique index that answers it ((channel_id, external_id) of messages, (organization_id, marketplace,
external_buyer_id) of customers, (organization_id, external_id) of orders) and `LIMIT 1`: one index
probe per key. The LIMIT is what keeps it so: a plain LATERAL subquery is pulled up into a join, and
the generic plan then hashed the whole channel again (30,000 rows for a page of 100). Same rows as
before: the keys are the page's distinct keys, and the unique index lets a key match one row at most.
The customers' lookup is also planned on each call (EXECUTE, about 0.1 ms a page): of the five
indexes of customers that begin with organization_id, the generic plan made on a small table chose
the (organization_id, id) one and filtered every customer of the organization (8,430 rows per key
at 15,000 customers). messages and orders each have one index on the lookup's leading column, the
unique one. So are the two reads of the open clocks and of the resolution clocks of the page's
existing conversations (a review found their kept plans reading every open clock, or every clock,
of every organization once the table had been small when they first ran).

A plan made per call is only as good as the table's statistics: a table that grew since autovacuum
last analyzed it can still be planned as small, until the next ANALYZE (within minutes of growth).

The statements are swapped in the live function (as 0010_h16triage did): whatever else later
revisions changed is kept, `pg_get_functiondef` carries 0019's `SET plan_cache_mode`, and a
statement not found as expected fails the migration.

Revision ID: 0022_ingest_lookups_by_key
Revises: 0021_clock_marks_skip_unset
Create Date: 2026-12-07 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_ingest_lookups_by_key"
down_revision: str | None = "0021_clock_marks_skip_unset"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (before, after): each `before` is the text 0010 wrote, found exactly once in the function.
SWAPS = (
    (
        """    FROM messages m
    WHERE m.channel_id = v_channel
      AND m.external_id IN (SELECT e.external_message_id FROM hourglass_ingest_entries(p->'messages') e);""",
        """    FROM hourglass_ingest_entries(p->'messages') e
    JOIN LATERAL (SELECT * FROM messages m
                  WHERE m.channel_id = v_channel AND m.external_id = e.external_message_id LIMIT 1) m ON true;""",
    ),
    (
        # one line in 0010's text
        "    SELECT jsonb_object_agg(c.external_buyer_id, jsonb_build_object('id', c.id, 'tier', c.tier))"
        + """ INTO v_customers
    FROM customers c
    WHERE c.organization_id = v_org AND c.marketplace = v_marketplace
      AND c.external_buyer_id IN (SELECT e.buyer_external_id FROM hourglass_ingest_entries(v_new) e);""",
        """    -- Planned on each call (EXECUTE): five indexes of customers start with organization_id, and a
    -- generic plan made while the table was small chose one of the others (scanning the organization).
    EXECUTE $q$
        SELECT jsonb_object_agg(c.external_buyer_id, jsonb_build_object('id', c.id, 'tier', c.tier))
        FROM (SELECT DISTINCT e.buyer_external_id FROM hourglass_ingest_entries($3) e) b
        JOIN LATERAL (SELECT * FROM customers c
                      WHERE c.organization_id = $1 AND c.marketplace = $2
                        AND c.external_buyer_id = b.buyer_external_id LIMIT 1) c ON true
    $q$ INTO v_customers USING v_org, v_marketplace, v_new;""",
    ),
    (
        """    FROM orders o
    WHERE o.organization_id = v_org
      AND o.external_id IN (SELECT e.order_id FROM hourglass_ingest_entries(v_new) e WHERE e.order_id IS NOT NULL);""",
        """    FROM (SELECT DISTINCT e.order_id FROM hourglass_ingest_entries(v_new) e WHERE e.order_id IS NOT NULL) b
    JOIN LATERAL (SELECT * FROM orders o
                  WHERE o.organization_id = v_org AND o.external_id = b.order_id LIMIT 1) o ON true;""",
    ),
    (
        """        FROM messages m
        WHERE m.channel_id = v_channel
          AND m.external_id IN (SELECT e.external_message_id FROM hourglass_ingest_entries(v_new) e
                                WHERE NOT v_messages ? e.external_message_id);""",
        """        FROM hourglass_ingest_entries(v_new) e
        JOIN LATERAL (SELECT * FROM messages m
                      WHERE m.channel_id = v_channel AND m.external_id = e.external_message_id LIMIT 1) m ON true
        WHERE NOT v_messages ? e.external_message_id;""",
    ),
    (
        """        SELECT coalesce(jsonb_agg(to_jsonb(k)), '[]') INTO v_clocks
        FROM (SELECT * FROM sla_clocks WHERE conversation_id = ANY(v_old) AND stopped_at IS NULL
              ORDER BY id FOR UPDATE) k;
        SELECT coalesce(jsonb_object_agg(r.conversation_id, r.stopped), '{}') INTO v_resolution
        FROM (SELECT conversation_id, max(stopped_at) AS stopped FROM sla_clocks
              WHERE conversation_id = ANY(v_old) AND kind = 'internal_resolution'
              GROUP BY conversation_id) r;""",
        """        -- Planned on each call (EXECUTE): these statements first run once the table holds clocks of
        -- some conversations, and a plan kept from then read every open clock of every organization.
        EXECUTE $q$
            SELECT coalesce(jsonb_agg(to_jsonb(k)), '[]')
            FROM (SELECT * FROM sla_clocks WHERE conversation_id = ANY($1) AND stopped_at IS NULL
                  ORDER BY id FOR UPDATE) k
        $q$ INTO v_clocks USING v_old;
        EXECUTE $q$
            SELECT coalesce(jsonb_object_agg(r.conversation_id, r.stopped), '{}')
            FROM (SELECT conversation_id, max(stopped_at) AS stopped FROM sla_clocks
                  WHERE conversation_id = ANY($1) AND kind = 'internal_resolution'
                  GROUP BY conversation_id) r
        $q$ INTO v_resolution USING v_old;""",
    ),
)


def _swap(pairs: Sequence[tuple[str, str]]) -> None:
    """Replace each `old` by its `new` in the live function and recreate it, in one statement; fails
    if an `old` is not found exactly once."""
    olds = [old for old, _ in pairs]
    news = [new for _, new in pairs]
    # Rendered with the literals in place, then sent as is: passed through text() again, a `:word` in
    # the statements would be taken for a bind parameter.
    statement = (
        sa.text(
            """
DO $do$
DECLARE
    def text := pg_get_functiondef('hourglass_ingest_many(jsonb)'::regprocedure);
    olds text[] := :olds;
    news text[] := :news;
BEGIN
    FOR i IN 1 .. array_length(olds, 1) LOOP
        IF (length(def) - length(replace(def, olds[i], ''))) / length(olds[i]) <> 1 THEN
            RAISE EXCEPTION 'hourglass_ingest_many: statement % not found exactly once', i;
        END IF;
        def := replace(def, olds[i], news[i]);
    END LOOP;
    EXECUTE def;
END
$do$;
"""
        )
        .bindparams(
            sa.bindparam("olds", olds, type_=sa.ARRAY(sa.Text)), sa.bindparam("news", news, type_=sa.ARRAY(sa.Text))
        )
        .compile(dialect=op.get_bind().dialect, compile_kwargs={"literal_binds": True})
        .string
    )
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    _swap(SWAPS)


def downgrade() -> None:
    _swap([(new, old) for old, new in SWAPS])
