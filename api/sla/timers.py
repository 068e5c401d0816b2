"""Firing due escalation tiers and breaches, exactly once, at their time, in batches.

Due times live in Postgres (`sla_timers`, partial index on unfired rows). A poller claims a batch of
due rows with `FOR UPDATE SKIP LOCKED`, stamps `fired_at` and applies the effects in the same
transaction, so a killed worker, a flushed Redis or a restarted PostgreSQL can neither lose a firing
(the claim rolls back and the rows are due again) nor repeat one (a fired row is never claimed
again). Timers of stopped clocks fire only if they fell due before the clock stopped.

A batch costs a fixed number of statements whatever its size: one claim that also returns the clocks
and conversations, at most one read each of team members, assignee emails and supervisors, then one
multi-row write per table (clocks, conversations, notifications, outbox events, emails, audit).
What to write is decided by the pure `api.sla.effects.plan`.

Locks: the claim locks the timers and their conversations together, skipping any that another
transaction holds (an ingest, a reply, an API edit, another timer worker). It never waits for a row
lock, so it cannot deadlock with paths that lock a conversation and then its timers; a timer whose
conversation is busy simply stays due for the next batch, moments later.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.ids import uuid7
from api.outbox import events
from api.shift.service import on_shift_view
from api.sla import effects

# The conversation's columns in the order of `effects.Conversation`'s fields: the claim's rows are
# unpacked by position (a 1,000-row batch read by attribute name cost more than its statements' parsing).
_CONVERSATION_COLUMNS = [f.name for f in fields(effects.Conversation)]
_LABELS = _CONVERSATION_COLUMNS.index("labels")

# The claim returns what the effects read: the clock and the conversation, the latter as locked
# (FOR UPDATE re-reads a row changed since the statement's snapshot before locking it). `fired` marks
# the locked timers by primary key (a join on `due` was planned as a hash over every timer row).
CLAIM_SQL = text(
    """
    WITH due AS (
        SELECT t.id AS timer_id, c.id AS clock_id, c.kind, c.marketplace AS clock_marketplace,
               c.channel_id AS clock_channel_id, c.started_at, c.due_at AS clock_due_at, c.state,
               c.policy_snapshot ->> 'name' AS policy_name, """
    + ", ".join(f"v.{name}" for name in _CONVERSATION_COLUMNS)
    + """
        FROM sla_timers t
        JOIN sla_clocks c ON c.id = t.clock_id
        JOIN conversations v ON v.id = c.conversation_id
        WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= :now
          AND (c.stopped_at IS NULL OR t.due_at < c.stopped_at)
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


@dataclass(frozen=True)
class Fired:
    timer_id: int
    action: str
    due_at: datetime
    fired_at: datetime


async def fire_due(session: AsyncSession, now: datetime, limit: int = 200) -> list[Fired]:
    """Claim up to `limit` due timers and apply their effects, in the caller's transaction."""
    timers: list[effects.DueTimer] = []
    clocks: dict[uuid.UUID, effects.Clock] = {}
    conversations: dict[uuid.UUID, effects.Conversation] = {}
    for tier, action, due_at, fired_at, timer_id, clock_id, *rest in await session.execute(
        CLAIM_SQL, {"now": now, "limit": limit}
    ):
        (
            kind,
            clock_marketplace,
            clock_channel_id,
            started_at,
            clock_due_at,
            state,
            policy_name,
            *conversation_columns,
        ) = rest
        conversation_columns[_LABELS] = tuple(conversation_columns[_LABELS] or ())
        conversation = effects.Conversation(*conversation_columns)
        timers.append(effects.DueTimer(timer_id, clock_id, tier, action, due_at, fired_at))
        clocks[clock_id] = effects.Clock(
            clock_id,
            conversation.id,
            kind,
            clock_marketplace,
            clock_channel_id,
            started_at,
            clock_due_at,
            state,
            policy_name,
        )
        conversations[conversation.id] = conversation
    if not timers:
        return []
    timers.sort(key=lambda t: (t.due_at, t.id))
    # Read team members, emails and supervisors only for batches with timers that use them. Emails of
    # supervisors come with the supervisors (an escalation earlier in the batch may assign one).
    actions = {t.action for t in timers}
    convs = conversations.values()
    # A tier whose assignee is off shift goes to the team's on-shift agents, else the on-shift
    # supervisor: so every tier may need the team and the supervisors (and their shifts).
    tiers = actions - {"breach"}
    team_ids = [c.team_id for c in convs if c.team_id] if tiers else []
    organization_ids = {c.organization_id for c in convs} if tiers else set()
    team_members = await _team_members(session, team_ids)
    supervisors = await _supervisors(session, organization_ids)
    assignees = {c.assignee_id for c in convs if c.assignee_id}
    people = assignees | {u for members in team_members.values() for u in members} | {s.id for s in supervisors}
    emails = await _emails(session, people) if "email_assignee" in actions else {}
    shifts = await on_shift_view(session, None, people, now)
    plan = effects.plan(
        timers,
        clocks,
        conversations,
        team_members=team_members,
        emails=emails,
        supervisors=supervisors,
        new_id=uuid7,
        off_shift=frozenset(u for u in people if not shifts.on_shift(u)),
    )
    await _write(session, plan)
    return [Fired(timer_id=t.id, action=t.action, due_at=t.due_at, fired_at=t.fired_at) for t in timers]


async def next_due(session: AsyncSession) -> datetime | None:
    return (await session.execute(NEXT_DUE_SQL)).scalar_one_or_none()


async def _team_members(session: AsyncSession, team_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    if team_ids:
        for team_id, user_id in await session.execute(TEAM_MEMBERS_SQL, {"team_ids": list(set(team_ids))}):
            members.setdefault(team_id, []).append(user_id)
    return members


async def _emails(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    return {r.id: r.email for r in await session.execute(EMAILS_SQL, {"user_ids": list(user_ids)})}


async def _supervisors(session: AsyncSession, organization_ids: set[uuid.UUID]) -> list[effects.Supervisor]:
    if not organization_ids:
        return []
    rows = await session.execute(SUPERVISORS_SQL, {"organization_ids": list(organization_ids)})
    return [effects.Supervisor(r.id, r.organization_id, r.name, r.email, r.online, r.open_load) for r in rows]


def _json(value: Any) -> str:
    return json.dumps(value)


async def _write(session: AsyncSession, plan: effects.Effects) -> None:
    """One statement per table that has rows to write."""
    if plan.breached_clocks:
        await session.execute(
            BREACH_SQL, {"ids": list(plan.breached_clocks), "breached_at": list(plan.breached_clocks.values())}
        )
    if plan.reassigned:
        await session.execute(
            REASSIGN_SQL, {"ids": list(plan.reassigned), "assignee_ids": list(plan.reassigned.values())}
        )
    if plan.notifications:
        n = plan.notifications
        await session.execute(
            NOTIFICATIONS_SQL,
            {
                "ids": [x.id for x in n],
                "organization_ids": [x.organization_id for x in n],
                "user_ids": [x.user_id for x in n],
                "kinds": [x.kind for x in n],
                "conversation_ids": [x.conversation_id for x in n],
                "titles": [x.title for x in n],
                "bodies": [x.body for x in n],
                "data": [_json(x.data) for x in n],
            },
        )
    if plan.emails:
        m = plan.emails
        await session.execute(
            EMAILS_INSERT_SQL,
            {
                "ids": [uuid7() for _ in m],
                "organization_ids": [x.organization_id for x in m],
                "dedupe_keys": [x.dedupe_key for x in m],
                "to_addresses": [x.to_address for x in m],
                "subjects": [x.subject for x in m],
                "bodies": [x.body for x in m],
            },
        )
    if plan.audits:
        a = plan.audits
        await session.execute(
            AUDIT_SQL,
            {
                "organization_ids": [x.organization_id for x in a],
                "entity_ids": [x.entity_id for x in a],
                "data": [_json(x.data) for x in a],
            },
        )
    await events.emit_many(session, plan.events)
