"""SQL of the SLA timer batch (api/sla/timers.py): the claim of due timers and one multi-row write per
table. These statements span organizations on purpose: the timer worker serves every tenant, and each
write names its rows by the ids the claim returned (every row carries its own organization)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.sla import effects

# The conversation's columns in the order of `effects.Conversation`'s fields: the claim's rows are
# unpacked by position (a 1,000-row batch read by attribute name cost more than its statements' parsing).
CONVERSATION_COLUMNS = [f.name for f in fields(effects.Conversation)]
LABELS_INDEX = CONVERSATION_COLUMNS.index("labels")

# The claim returns what the effects read: the clock and the conversation, the latter as locked
# (FOR UPDATE re-reads a row changed since the statement's snapshot before locking it). `fired` marks
# the locked timers by primary key (a join on `due` was planned as a hash over every timer row).
# Each due timer reads its clock by primary key: the LATERAL subquery with OFFSET 0 is not flattened
# into a join, so the planner cannot choose a hash join over a sequential scan of every clock. It did
# for batches of 4,000 at 100k clocks (124 ms a batch, 43 of them the scan, against 67 ms this way),
# and the nested loop keeps the due index's order, so no sort before the LIMIT either.
CLAIM_SQL = text(
    """
    WITH due AS (
        SELECT t.id AS timer_id, c.id AS clock_id, c.kind, c.marketplace AS clock_marketplace,
               c.channel_id AS clock_channel_id, c.started_at, c.due_at AS clock_due_at, c.state,
               c.policy_snapshot ->> 'name' AS policy_name, """
    + ", ".join(f"v.{name}" for name in CONVERSATION_COLUMNS)
    + """
        FROM sla_timers t
        CROSS JOIN LATERAL (
            SELECT c.id, c.kind, c.marketplace, c.channel_id, c.started_at, c.due_at, c.state, c.policy_snapshot,
                   c.conversation_id
            FROM sla_clocks c
            WHERE c.id = t.clock_id AND (c.stopped_at IS NULL OR t.due_at < c.stopped_at)
            OFFSET 0
        ) c
        JOIN conversations v ON v.id = c.conversation_id
        WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= :now
        ORDER BY t.due_at
        LIMIT :limit
        FOR UPDATE OF t, v SKIP LOCKED
    ), fired AS (
        UPDATE sla_timers SET fired_at = clock_timestamp()
        WHERE sla_timers.id = ANY(ARRAY(SELECT timer_id FROM due))
        RETURNING sla_timers.id, sla_timers.tier, sla_timers.action, sla_timers.due_at, sla_timers.fired_at
    )
    SELECT fired.tier, fired.action, fired.due_at, fired.fired_at, due.*
    FROM fired JOIN due ON due.timer_id = fired.id
    """
)
TEAM_MEMBERS_SQL = text("SELECT team_id, user_id FROM team_members WHERE team_id = ANY(CAST(:team_ids AS uuid[]))")
EMAILS_SQL = text("SELECT id, email FROM users WHERE id = ANY(CAST(:user_ids AS uuid[]))")
SUPERVISORS_SQL = text(
    """
    SELECT u.id, u.organization_id, u.name, u.email, u.status = 'online' AS online,
           (SELECT count(*) FROM conversations o WHERE o.assignee_id = u.id AND o.status <> 'resolved') AS open_load
    FROM users u
    WHERE u.organization_id = ANY(CAST(:organization_ids AS uuid[])) AND u.role = 'supervisor' AND u.is_active
    """
)
# The batch's writes name their rows twice: joined to the unnest for the per-row values, and by
# `id = ANY(ids)` so the planner reads them by primary key (the join alone was planned as a hash over a
# sequential scan of every running clock, per batch).
BREACH_SQL = text(
    """
    UPDATE sla_clocks SET state = 'breached', breached_at = x.breached_at, updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:breached_at AS timestamptz[])) AS x(id, breached_at)
    WHERE sla_clocks.id = x.id AND sla_clocks.id = ANY(CAST(:ids AS uuid[])) AND sla_clocks.state = 'running'
    """
)
REASSIGN_SQL = text(
    """
    UPDATE conversations SET assignee_id = x.assignee_id, updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:assignee_ids AS uuid[])) AS x(id, assignee_id)
    WHERE conversations.id = x.id AND conversations.id = ANY(CAST(:ids AS uuid[]))
    """
)
NOTIFICATIONS_SQL = text(
    """
    INSERT INTO notifications (id, organization_id, user_id, kind, conversation_id, title, body, data)
    SELECT x.id, x.organization_id, x.user_id, x.kind, x.conversation_id, x.title, x.body, x.data::jsonb
    FROM unnest(CAST(:ids AS uuid[]), CAST(:organization_ids AS uuid[]), CAST(:user_ids AS uuid[]),
                CAST(:kinds AS text[]), CAST(:conversation_ids AS uuid[]), CAST(:titles AS text[]),
                CAST(:bodies AS text[]), CAST(:data AS text[]))
         AS x(id, organization_id, user_id, kind, conversation_id, title, body, data)
    """
)
EMAILS_INSERT_SQL = text(
    """
    INSERT INTO outbound_emails (id, organization_id, dedupe_key, to_address, subject, body)
    SELECT x.id, x.organization_id, x.dedupe_key, x.to_address, x.subject, x.body
    FROM unnest(CAST(:ids AS uuid[]), CAST(:organization_ids AS uuid[]), CAST(:dedupe_keys AS text[]),
                CAST(:to_addresses AS text[]), CAST(:subjects AS text[]), CAST(:bodies AS text[]))
         AS x(id, organization_id, dedupe_key, to_address, subject, body)
    ON CONFLICT (dedupe_key) DO NOTHING
    """
)
AUDIT_SQL = text(
    """
    INSERT INTO audit_log (organization_id, actor_type, action, entity_type, entity_id, data)
    SELECT x.organization_id, 'automation', 'conversation.escalated', 'conversation', x.entity_id, x.data::jsonb
    FROM unnest(CAST(:organization_ids AS uuid[]), CAST(:entity_ids AS text[]), CAST(:data AS text[]))
         WITH ORDINALITY AS x(organization_id, entity_id, data, n)
    ORDER BY x.n
    """
)
NEXT_DUE_SQL = text("SELECT min(due_at) FROM sla_timers WHERE fired_at IS NULL AND cancelled_at IS NULL")


async def claim_due_across_organizations(session: AsyncSession, now: datetime, limit: int) -> list[Any]:
    """Lock and stamp up to `limit` due timers of every organization (rows: tier, action, due_at,
    fired_at, then the `due` columns: timer id, clock id, clock columns, conversation columns)."""
    return list(await session.execute(CLAIM_SQL, {"now": now, "limit": limit}))


async def team_members(session: AsyncSession, team_ids: Iterable[uuid.UUID]) -> list[Any]:
    """(team_id, user_id) rows of the teams, named by the ids of claimed conversations."""
    return list(await session.execute(TEAM_MEMBERS_SQL, {"team_ids": list(team_ids)}))


async def emails(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    return {r.id: r.email for r in await session.execute(EMAILS_SQL, {"user_ids": list(user_ids)})}


async def supervisors(session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> list[Any]:
    """The active supervisors of the organizations, with their open load (id, organization_id, name,
    email, online, open_load)."""
    return list(await session.execute(SUPERVISORS_SQL, {"organization_ids": list(organization_ids)}))


async def next_due_across_organizations(session: AsyncSession) -> datetime | None:
    return (await session.execute(NEXT_DUE_SQL)).scalar_one_or_none()


async def breach_clocks(session: AsyncSession, breached_at: dict[uuid.UUID, datetime]) -> None:
    """Running clocks end breached (clock id -> breached_at)."""
    await session.execute(BREACH_SQL, {"ids": list(breached_at), "breached_at": list(breached_at.values())})


async def reassign(session: AsyncSession, assignees: dict[uuid.UUID, uuid.UUID]) -> None:
    """Conversations move to new assignees (conversation id -> user id)."""
    await session.execute(REASSIGN_SQL, {"ids": list(assignees), "assignee_ids": list(assignees.values())})


async def insert_notifications(
    session: AsyncSession, rows: Sequence[effects.NotificationRow], data: Sequence[str]
) -> None:
    """In-app notifications, `data` each row's JSON text."""
    await session.execute(
        NOTIFICATIONS_SQL,
        {
            "ids": [x.id for x in rows],
            "organization_ids": [x.organization_id for x in rows],
            "user_ids": [x.user_id for x in rows],
            "kinds": [x.kind for x in rows],
            "conversation_ids": [x.conversation_id for x in rows],
            "titles": [x.title for x in rows],
            "bodies": [x.body for x in rows],
            "data": list(data),
        },
    )


async def insert_emails(session: AsyncSession, ids: Sequence[uuid.UUID], rows: Sequence[effects.EmailRow]) -> None:
    """Outbound emails, at most one per dedupe key (a key already sent is skipped)."""
    await session.execute(
        EMAILS_INSERT_SQL,
        {
            "ids": list(ids),
            "organization_ids": [x.organization_id for x in rows],
            "dedupe_keys": [x.dedupe_key for x in rows],
            "to_addresses": [x.to_address for x in rows],
            "subjects": [x.subject for x in rows],
            "bodies": [x.body for x in rows],
        },
    )


async def insert_audits(session: AsyncSession, rows: Sequence[effects.AuditRow], data: Sequence[str]) -> None:
    """`conversation.escalated` audit entries in the order given, `data` each row's JSON text."""
    await session.execute(
        AUDIT_SQL,
        {
            "organization_ids": [x.organization_id for x in rows],
            "entity_ids": [x.entity_id for x in rows],
            "data": list(data),
        },
    )
