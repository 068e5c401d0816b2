"""ingest in one round trip: hourglass_ingest() and messages.ingest_decision

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:10:00

The push endpoint and the connectors store a message through one PL/pgSQL function: the replay
check, the order lookup, the customer upsert, the conversation upsert, the message insert, the
conversation's counters and the open SLA clocks are one statement instead of nine. Python still
decides everything that is a rule (classification, sanitising, search tokens, SLA policy): it sends
the decided values, and for the classification one answer per order status that changes it, since
the order is only read here.

`messages.ingest_decision` keeps what the pipeline decided for a message (customer tier, SLA policy
and calendar, classification, first message of its conversation) for the automation pass, which
runs later in a worker and must not derive them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INGEST_FUNCTION = r"""
CREATE OR REPLACE FUNCTION hourglass_ingest(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
    v_org uuid := (p->>'organization_id')::uuid;
    v_channel uuid := (p->>'channel_id')::uuid;
    v_marketplace text := p->>'marketplace';
    v_external_id text := p->>'external_message_id';
    v_buyer text := p->>'buyer_external_id';
    v_sent timestamptz := (p->>'sent_at')::timestamptz;
    v_needs_reply boolean := (p->>'needs_reply')::boolean;
    v_labels varchar[] := ARRAY(SELECT jsonb_array_elements_text(p->'labels'));  -- distinct, sorted
    v_message messages;
    v_conversation conversations;
    v_customer uuid;
    v_tier text;
    v_order uuid;
    v_order_status text;
    v_class jsonb;
    v_conversation_id uuid;
    v_created boolean;
    v_first_before timestamptz;
BEGIN
    -- A replay (the marketplace sending what we have) costs this one indexed read.
    SELECT * INTO v_message FROM messages WHERE channel_id = v_channel AND external_id = v_external_id;
    IF FOUND THEN
        RETURN jsonb_build_object('replay', to_jsonb(v_message));
    END IF;

    -- One profile per (marketplace, buyer id); later sightings fill in a missing name or email, and
    -- skip the write (and its row lock) when nothing new was learned.
    INSERT INTO customers AS cu (id, organization_id, marketplace, external_buyer_id, display_name, email)
    VALUES ((p->>'customer_id')::uuid, v_org, v_marketplace, v_buyer, coalesce(p->>'buyer_name', ''),
            p->>'buyer_email')
    ON CONFLICT (organization_id, marketplace, external_buyer_id) DO UPDATE
        SET display_name = coalesce(nullif(excluded.display_name, ''), cu.display_name),
            email = coalesce(excluded.email, cu.email)
        WHERE coalesce(nullif(excluded.display_name, ''), cu.display_name) <> cu.display_name
           OR coalesce(excluded.email, cu.email) IS DISTINCT FROM cu.email
    RETURNING cu.id, cu.tier INTO v_customer, v_tier;
    IF NOT FOUND THEN
        SELECT id, tier INTO v_customer, v_tier FROM customers
        WHERE organization_id = v_org AND marketplace = v_marketplace AND external_buyer_id = v_buyer;
    END IF;

    IF p->>'order_id' IS NOT NULL THEN
        SELECT id, status INTO v_order, v_order_status FROM orders
        WHERE organization_id = v_org AND external_id = p->>'order_id';
    END IF;
    -- Python classified the message once per order status that changes the answer ('' = any other).
    v_class := coalesce(p->'classifications'->v_order_status, p->'classifications'->'');

    -- Threading is an upsert on (channel, thread key); the no-op update locks the thread's row, which
    -- serialises concurrent messages of one thread. A new conversation is born classified.
    INSERT INTO conversations AS cv (
        id, organization_id, channel_id, marketplace, thread_key, external_thread_id, customer_id, order_id,
        order_external_id, item_external_id, subject, last_message_at, team_id, category, priority,
        classification_reason, language, labels, search_vector)
    VALUES (
        (p->>'conversation_id')::uuid, v_org, v_channel, v_marketplace, p->>'thread_key', p->>'external_thread_id',
        v_customer, v_order, p->>'order_id', p->>'item_id', p->>'subject', v_sent, (p->>'team_id')::uuid,
        v_class->>'category', v_class->>'priority', v_class->>'classification_reason', v_class->>'language',
        v_labels, to_tsvector('simple', p->>'conversation_document'))
    ON CONFLICT (channel_id, thread_key) DO UPDATE SET thread_key = excluded.thread_key
    RETURNING cv.id, (xmax = 0), cv.first_inbound_at INTO v_conversation_id, v_created, v_first_before;

    INSERT INTO messages (
        id, organization_id, conversation_id, channel_id, direction, author_kind, external_id, subject, body,
        body_html, sent_at, content_digest, no_response_needed, attachments, metadata, ingest_decision)
    VALUES (
        (p->>'message_id')::uuid, v_org, v_conversation_id, v_channel, 'inbound', p->>'author_kind', v_external_id,
        p->>'message_subject', p->>'body', p->>'body_html', v_sent, p->>'content_digest',
        (p->>'no_response_needed')::boolean, p->'attachments', p->'metadata',
        jsonb_build_object(
            'customer_tier', v_tier,
            'first_message', v_first_before IS NULL OR v_sent < v_first_before,
            'conversation_created', v_created,
            'classification', v_class))
    ON CONFLICT (channel_id, external_id) DO NOTHING
    RETURNING * INTO v_message;
    IF NOT FOUND THEN
        -- Lost a race with a concurrent copy of the same message: the first copy stands.
        SELECT * INTO v_message FROM messages WHERE channel_id = v_channel AND external_id = v_external_id;
        RETURN jsonb_build_object('replay', to_jsonb(v_message));
    END IF;

    UPDATE conversations cv SET
        message_count = cv.message_count + 1,
        last_message_preview = CASE WHEN cv.last_message_at <= v_sent THEN p->>'preview'
                                    ELSE cv.last_message_preview END,
        last_message_at = greatest(cv.last_message_at, v_sent),
        last_inbound_at = greatest(cv.last_inbound_at, v_sent),
        first_inbound_at = least(cv.first_inbound_at, v_sent),
        unread = true,
        subject = CASE WHEN cv.subject = '' THEN p->>'subject' ELSE cv.subject END,
        order_external_id = coalesce(cv.order_external_id, p->>'order_id'),
        search_vector = coalesce(cv.search_vector, to_tsvector('simple', ''))
                        || to_tsvector('simple', p->>'body_document'),
        labels = CASE WHEN cardinality(v_labels) = 0 THEN cv.labels
                      ELSE ARRAY(SELECT x FROM (SELECT DISTINCT unnest(cv.labels || v_labels) AS x) s
                                 ORDER BY x COLLATE "C") END,
        -- The wait starts at the oldest buyer message not answered yet; later ones do not reset it.
        waiting_since = CASE WHEN v_needs_reply AND (cv.last_response_at IS NULL OR cv.last_response_at < v_sent)
                             THEN least(coalesce(cv.waiting_since, v_sent), v_sent)
                             ELSE cv.waiting_since END,
        status = CASE WHEN v_needs_reply AND cv.status = 'resolved' THEN 'open' ELSE cv.status END,
        resolved_at = CASE WHEN v_needs_reply THEN NULL ELSE cv.resolved_at END,
        updated_at = now()
    WHERE cv.id = v_conversation_id
    RETURNING * INTO v_conversation;

    -- The SLA engine reconciles the open clocks next: locked and returned here, not read again.
    PERFORM 1 FROM sla_clocks WHERE conversation_id = v_conversation_id AND stopped_at IS NULL FOR UPDATE;
    RETURN jsonb_build_object(
        'message', to_jsonb(v_message),
        'conversation', to_jsonb(v_conversation) - 'search_vector',
        'conversation_created', v_created,
        'customer_id', v_customer,
        'order_status', v_order_status,
        'open_clocks', CASE WHEN v_created THEN '[]'::jsonb ELSE (
            SELECT coalesce(jsonb_agg(to_jsonb(k)), '[]'::jsonb) FROM sla_clocks k
            WHERE k.conversation_id = v_conversation_id AND k.stopped_at IS NULL) END,
        'resolution_stopped_at', CASE WHEN v_created THEN NULL ELSE (
            SELECT max(stopped_at) FROM sla_clocks
            WHERE conversation_id = v_conversation_id AND kind = 'internal_resolution') END);
END
$fn$;
"""


def upgrade() -> None:
    op.add_column("messages", sa.Column("ingest_decision", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute(INGEST_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS hourglass_ingest(jsonb)")
    op.drop_column("messages", "ingest_decision")
