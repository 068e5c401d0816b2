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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.db import Session
from api.kit.ids import uuid7
from api.outbox import events
from api.shift.service import on_shift_view
from api.sla import effects
from api.sla import timers_repository as repository


@dataclass(frozen=True)
class Fired:
    timer_id: int
    action: str
    due_at: datetime
    fired_at: datetime


async def fire_due(session: Session, now: datetime, limit: int = 200) -> list[Fired]:
    """Claim up to `limit` due timers and apply their effects, in the caller's transaction."""
    timers: list[effects.DueTimer] = []
    clocks: dict[uuid.UUID, effects.Clock] = {}
    conversations: dict[uuid.UUID, effects.Conversation] = {}
    for tier, action, due_at, fired_at, timer_id, clock_id, *rest in await repository.claim_due_across_organizations(
        session, now, limit
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
        conversation_columns[repository.LABELS_INDEX] = tuple(conversation_columns[repository.LABELS_INDEX] or ())
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


async def next_due(session: Session) -> datetime | None:
    return await repository.next_due_across_organizations(session)


async def _team_members(session: Session, team_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    if team_ids:
        for team_id, user_id in await repository.team_members(session, set(team_ids)):
            members.setdefault(team_id, []).append(user_id)
    return members


async def _emails(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    return await repository.emails(session, user_ids)


async def _supervisors(session: Session, organization_ids: set[uuid.UUID]) -> list[effects.Supervisor]:
    if not organization_ids:
        return []
    rows = await repository.supervisors(session, organization_ids)
    return [effects.Supervisor(r.id, r.organization_id, r.name, r.email, r.online, r.open_load) for r in rows]


def _json(value: Any) -> str:
    return json.dumps(value)


async def _write(session: Session, plan: effects.Effects) -> None:
    """One statement per table that has rows to write."""
    if plan.breached_clocks:
        await repository.breach_clocks(session, plan.breached_clocks)
    if plan.reassigned:
        await repository.reassign(session, plan.reassigned)
    if plan.notifications:
        await repository.insert_notifications(session, plan.notifications, [_json(x.data) for x in plan.notifications])
    if plan.emails:
        await repository.insert_emails(session, [uuid7() for _ in plan.emails], plan.emails)
    if plan.audits:
        await repository.insert_audits(session, plan.audits, [_json(x.data) for x in plan.audits])
    await events.emit_many(session, plan.events)
