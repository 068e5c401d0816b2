"""ingest a page in one round trip: hourglass_ingest_many() replaces hourglass_ingest()

Revision ID: 0010_h19_ingest_many
Revises: 0009_wake_notify
Create Date: 2026-12-04 19:10:00

A connector's poll page (or a pushed batch) used to go through `hourglass_ingest` once per message:
one round trip and nine statements each. `hourglass_ingest_many` takes the whole page and does one
set-based statement per table: the replay check, the customers (one upsert, one read), the orders, the
conversations (one upsert per thread key), the messages (one multi-row insert, idempotent on the
marketplace's ids), the conversations' counters (one update, the page's messages aggregated per
conversation) and the open SLA clocks (locked). A message alone is the batch of one, so the push
endpoint and the connectors share the one function; `hourglass_ingest` is dropped.

What each message is told is what it would have been told had the page's messages come one by one,
in page order: the first message of a thread in the page opens the conversation (its classification
becomes the conversation's), `first_message` compares each message with the thread's first buyer
message so far (earlier messages of the page included), the counters, the preview (latest sent), the
subject (first non-empty), the labels (union) and the wait (oldest unanswered buyer message) are the
ones the sequential updates would leave.

Rows are written in key order (buyers, thread keys) so two transactions ingesting overlapping pages
lock in the same order.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_h19_ingest_many"
down_revision: str | None = "0009_wake_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The page's messages as rows, typed once for every statement that reads them.
ENTRIES_FUNCTION = r"""
CREATE OR REPLACE FUNCTION hourglass_ingest_entries(p jsonb) RETURNS TABLE (
    n integer, external_message_id text, external_thread_id text, thread_key text, buyer_external_id text,
    buyer_name text, buyer_email text, order_id text, item_id text, subject text, message_subject text,
    body text, body_html text, sent_at timestamptz, author_kind text, no_response_needed boolean,
    needs_reply boolean, content_digest text, attachments jsonb, metadata jsonb, labels jsonb,
    classifications jsonb, preview text, conversation_document text, body_document text,
    customer_id uuid, conversation_id uuid, message_id uuid)
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT * FROM jsonb_to_recordset(p) AS e(
        n integer, external_message_id text, external_thread_id text, thread_key text, buyer_external_id text,
        buyer_name text, buyer_email text, order_id text, item_id text, subject text, message_subject text,
        body text, body_html text, sent_at timestamptz, author_kind text, no_response_needed boolean,
        needs_reply boolean, content_digest text, attachments jsonb, metadata jsonb, labels jsonb,
        classifications jsonb, preview text, conversation_document text, body_document text,
        customer_id uuid, conversation_id uuid, message_id uuid)
$fn$;
"""

INGEST_MANY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION hourglass_ingest_many(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
    v_org uuid := (p->>'organization_id')::uuid;
    v_channel uuid := (p->>'channel_id')::uuid;
    v_marketplace text := p->>'marketplace';
    v_team uuid := (p->>'team_id')::uuid;
    v_replays jsonb;
    v_new jsonb;
    v_customers jsonb;
    v_orders jsonb;
    v_threads jsonb;
    v_messages jsonb;
    v_conversations jsonb;
    v_old uuid[];
    v_clocks jsonb;
    v_resolution jsonb;
BEGIN
    -- Replays (the marketplace sending what we have): one indexed read for the page. A page of
    -- replays costs only this. External ids are unique within `p` (the caller folds copies).
    SELECT coalesce(jsonb_object_agg(m.external_id, to_jsonb(m)), '{}') INTO v_replays
    FROM messages m
    WHERE m.channel_id = v_channel
      AND m.external_id IN (SELECT e.external_message_id FROM hourglass_ingest_entries(p->'messages') e);
    SELECT jsonb_agg(x ORDER BY (x->>'n')::int) INTO v_new
    FROM jsonb_array_elements(p->'messages') x
    WHERE NOT v_replays ? (x->>'external_message_id');
    IF v_new IS NULL THEN
        RETURN jsonb_build_object('replays', v_replays);
    END IF;

    -- One profile per (marketplace, buyer id); later sightings fill in a missing name or email (the
    -- page's last one wins, as it would one by one), and skip the write when nothing new was learned.
    INSERT INTO customers AS cu (id, organization_id, marketplace, external_buyer_id, display_name, email)
    SELECT (array_agg(e.customer_id ORDER BY e.n))[1], v_org, v_marketplace, e.buyer_external_id,
           coalesce((array_agg(e.buyer_name ORDER BY e.n DESC) FILTER (WHERE e.buyer_name <> ''))[1], ''),
           (array_agg(e.buyer_email ORDER BY e.n DESC) FILTER (WHERE e.buyer_email IS NOT NULL))[1]
    FROM hourglass_ingest_entries(v_new) e
    GROUP BY e.buyer_external_id
    ORDER BY e.buyer_external_id
    ON CONFLICT (organization_id, marketplace, external_buyer_id) DO UPDATE
        SET display_name = coalesce(nullif(excluded.display_name, ''), cu.display_name),
            email = coalesce(excluded.email, cu.email)
        WHERE coalesce(nullif(excluded.display_name, ''), cu.display_name) <> cu.display_name
           OR coalesce(excluded.email, cu.email) IS DISTINCT FROM cu.email;
    SELECT jsonb_object_agg(c.external_buyer_id, jsonb_build_object('id', c.id, 'tier', c.tier)) INTO v_customers
    FROM customers c
    WHERE c.organization_id = v_org AND c.marketplace = v_marketplace
      AND c.external_buyer_id IN (SELECT e.buyer_external_id FROM hourglass_ingest_entries(v_new) e);

    SELECT coalesce(jsonb_object_agg(o.external_id, jsonb_build_object('id', o.id, 'status', o.status)), '{}')
    INTO v_orders
    FROM orders o
    WHERE o.organization_id = v_org
      AND o.external_id IN (SELECT e.order_id FROM hourglass_ingest_entries(v_new) e WHERE e.order_id IS NOT NULL);

    -- Threading is an upsert on (channel, thread key), with the values of the thread's first message
    -- in the page; the no-op update locks existing threads' rows, which serialises concurrent pages
    -- of one thread. A new conversation is born classified (Python classified each message once per
    -- order status that changes the answer, '' = any other).
    WITH t AS (
        SELECT DISTINCT ON (e.thread_key) e.*,
               coalesce(e.classifications->(v_orders->e.order_id->>'status'), e.classifications->'') AS k
        FROM hourglass_ingest_entries(v_new) e
        ORDER BY e.thread_key, e.n
    ), up AS (
        INSERT INTO conversations AS cv (
            id, organization_id, channel_id, marketplace, thread_key, external_thread_id, customer_id, order_id,
            order_external_id, item_external_id, subject, last_message_at, team_id, category, priority,
            classification_reason, language, labels, search_vector)
        SELECT t.conversation_id, v_org, v_channel, v_marketplace, t.thread_key, t.external_thread_id,
               (v_customers->t.buyer_external_id->>'id')::uuid, (v_orders->t.order_id->>'id')::uuid, t.order_id,
               t.item_id, t.subject, t.sent_at, v_team, t.k->>'category', t.k->>'priority',
               t.k->>'classification_reason', t.k->>'language',
               ARRAY(SELECT jsonb_array_elements_text(t.labels))::varchar[],
               to_tsvector('simple', t.conversation_document)
        FROM t
        ORDER BY t.thread_key
        ON CONFLICT (channel_id, thread_key) DO UPDATE SET thread_key = excluded.thread_key
        RETURNING cv.thread_key, cv.id, (cv.xmax = 0) AS created, cv.first_inbound_at
    )
    SELECT jsonb_object_agg(up.thread_key,
                            jsonb_build_object('id', up.id, 'created', up.created, 'first', up.first_inbound_at))
    INTO v_threads
    FROM up;

    -- The messages, idempotent on the marketplace's id. What each one is told is what it would have
    -- been told alone, in page order: the thread's first message in the page opens a new
    -- conversation, and `first_message` also counts the thread's earlier messages of the page.
    WITH e AS (
        SELECT e.*,
               (v_threads->e.thread_key->>'id')::uuid AS conv,
               (v_threads->e.thread_key->>'created')::boolean
                   AND e.n = min(e.n) OVER (PARTITION BY e.thread_key) AS opened,
               least((v_threads->e.thread_key->>'first')::timestamptz,
                     min(e.sent_at) OVER (PARTITION BY e.thread_key ORDER BY e.n
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) AS first_before
        FROM hourglass_ingest_entries(v_new) e
    ), ins AS (
        INSERT INTO messages (
            id, organization_id, conversation_id, channel_id, direction, author_kind, external_id, subject, body,
            body_html, sent_at, content_digest, no_response_needed, attachments, metadata, ingest_decision)
        SELECT e.message_id, v_org, e.conv, v_channel, 'inbound', e.author_kind, e.external_message_id,
               e.message_subject, e.body, e.body_html, e.sent_at, e.content_digest, e.no_response_needed,
               e.attachments, e.metadata,
               jsonb_build_object(
                   'customer_tier', v_customers->e.buyer_external_id->>'tier',
                   'first_message', e.first_before IS NULL OR e.sent_at < e.first_before,
                   'conversation_created', e.opened,
                   'classification',
                   coalesce(e.classifications->(v_orders->e.order_id->>'status'), e.classifications->''))
        FROM e
        ORDER BY e.n
        ON CONFLICT (channel_id, external_id) DO NOTHING
        RETURNING *
    )
    SELECT coalesce(jsonb_object_agg(ins.external_id, to_jsonb(ins)), '{}') INTO v_messages FROM ins;

    IF (SELECT count(*) FROM jsonb_object_keys(v_messages)) < jsonb_array_length(v_new) THEN
        -- Lost a race with a concurrent copy of a message: the first copy stands, as a replay.
        SELECT v_replays || coalesce(jsonb_object_agg(m.external_id, to_jsonb(m)), '{}') INTO v_replays
        FROM messages m
        WHERE m.channel_id = v_channel
          AND m.external_id IN (SELECT e.external_message_id FROM hourglass_ingest_entries(v_new) e
                                WHERE NOT v_messages ? e.external_message_id);
    END IF;

    -- The counters, once per conversation with what its stored messages of the page add up to.
    WITH e AS (
        SELECT e.*, (v_threads->e.thread_key->>'id')::uuid AS conv
        FROM hourglass_ingest_entries(v_new) e
        WHERE v_messages ? e.external_message_id
    ), a AS (
        SELECT e.conv, count(*) AS k,
               (array_agg(e.preview ORDER BY e.sent_at DESC, e.n DESC))[1] AS preview,
               max(e.sent_at) AS last_sent,
               min(e.sent_at) AS first_sent,
               (array_agg(e.subject ORDER BY e.n) FILTER (WHERE e.subject <> ''))[1] AS subject,
               (array_agg(e.order_id ORDER BY e.n) FILTER (WHERE e.order_id IS NOT NULL))[1] AS order_id,
               string_agg(e.body_document, ' ' ORDER BY e.n) AS document,
               bool_or(e.needs_reply) AS needs_reply,
               -- The wait starts at the oldest buyer message not answered yet; later ones do not reset it.
               min(e.sent_at) FILTER (WHERE e.needs_reply AND (c.last_response_at IS NULL
                                                                OR c.last_response_at < e.sent_at)) AS waiting
        FROM e JOIN conversations c ON c.id = e.conv
        GROUP BY e.conv
    ), l AS (
        SELECT e.conv, array_agg(DISTINCT x.label)::varchar[] AS labels
        FROM e, jsonb_array_elements_text(e.labels) AS x(label)
        GROUP BY e.conv
    ), u AS (
        UPDATE conversations cv SET
            message_count = cv.message_count + a.k,
            last_message_preview = CASE WHEN cv.last_message_at <= a.last_sent THEN a.preview
                                        ELSE cv.last_message_preview END,
            last_message_at = greatest(cv.last_message_at, a.last_sent),
            last_inbound_at = greatest(cv.last_inbound_at, a.last_sent),
            first_inbound_at = least(cv.first_inbound_at, a.first_sent),
            unread = true,
            subject = CASE WHEN cv.subject = '' THEN coalesce(a.subject, cv.subject) ELSE cv.subject END,
            order_external_id = coalesce(cv.order_external_id, a.order_id),
            search_vector = coalesce(cv.search_vector, to_tsvector('simple', ''))
                            || to_tsvector('simple', a.document),
            labels = CASE WHEN l.labels IS NULL THEN cv.labels
                          ELSE ARRAY(SELECT y FROM (SELECT DISTINCT unnest(cv.labels || l.labels) AS y) s
                                     ORDER BY y COLLATE "C") END,
            waiting_since = least(cv.waiting_since, a.waiting),
            status = CASE WHEN a.needs_reply AND cv.status = 'resolved' THEN 'open' ELSE cv.status END,
            resolved_at = CASE WHEN a.needs_reply THEN NULL ELSE cv.resolved_at END,
            updated_at = now()
        FROM a LEFT JOIN l ON l.conv = a.conv
        WHERE cv.id = a.conv
        RETURNING cv.*
    )
    SELECT coalesce(jsonb_object_agg(u.id, to_jsonb(u) - 'search_vector'), '{}') INTO v_conversations FROM u;

    -- The SLA engine reconciles the open clocks of the threads that existed next: locked and
    -- returned here, not read again (a conversation created here has none).
    SELECT array_agg((x.value->>'id')::uuid) INTO v_old
    FROM jsonb_each(v_threads) x
    WHERE NOT (x.value->>'created')::boolean;
    IF v_old IS NULL THEN
        v_clocks := '[]';
        v_resolution := '{}';
    ELSE
        SELECT coalesce(jsonb_agg(to_jsonb(k)), '[]') INTO v_clocks
        FROM (SELECT * FROM sla_clocks WHERE conversation_id = ANY(v_old) AND stopped_at IS NULL
              ORDER BY id FOR UPDATE) k;
        SELECT coalesce(jsonb_object_agg(r.conversation_id, r.stopped), '{}') INTO v_resolution
        FROM (SELECT conversation_id, max(stopped_at) AS stopped FROM sla_clocks
              WHERE conversation_id = ANY(v_old) AND kind = 'internal_resolution'
              GROUP BY conversation_id) r;
    END IF;
    RETURN jsonb_build_object(
        'replays', v_replays,
        'messages', v_messages,
        'conversations', v_conversations,
        'open_clocks', v_clocks,
        'resolution_stopped_at', v_resolution);
END
$fn$;
"""


def _previous_function() -> str:
    """hourglass_ingest as migration 0008 created it (for downgrade)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("20261204_0008_ingest_function.py")
    spec = importlib.util.spec_from_file_location("_hourglass_0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.INGEST_FUNCTION)


def upgrade() -> None:
    op.execute(ENTRIES_FUNCTION)
    op.execute(INGEST_MANY_FUNCTION)
    op.execute("DROP FUNCTION IF EXISTS hourglass_ingest(jsonb)")


def downgrade() -> None:
    op.execute(_previous_function())
    op.execute("DROP FUNCTION IF EXISTS hourglass_ingest_many(jsonb)")
    op.execute("DROP FUNCTION IF EXISTS hourglass_ingest_entries(jsonb)")
