"""Distributing team queues when agents come on shift (worker, every minute; idempotent).

A conversation routed while nobody routable was on shift stays unassigned in its team's queue.
Each run locks a team (as routing does, so the two never overload an agent together), reads its
routable members' loads, takes the oldest queued conversations that free capacity allows (skipping
rows another transaction holds) and assigns them with one statement. Re-running finds an empty
queue or full agents and does nothing: no conversation gets two owners, nobody ends above capacity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api import audit
from api.assignment.selectors import available, distribute
from api.assignment.service import candidates
from api.models import Conversation, Team
from api.notification import service as notifications
from api.outbox import events
from api.outbox.events import PendingEvent
from api.webhook.payloads import ConversationData


@dataclass(frozen=True)
class Distributed:
    team_id: uuid.UUID
    assigned: int
    left_queued: int


def _queued(team_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    return (
        Conversation.team_id == team_id,
        Conversation.assignee_id.is_(None),
        Conversation.status != "resolved",
        Conversation.spam_reason.is_(None),
    )


async def teams_with_queue(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.execute(
        select(Conversation.team_id)
        .where(Conversation.team_id.is_not(None), Conversation.assignee_id.is_(None))
        .where(Conversation.status != "resolved", Conversation.spam_reason.is_(None))
        .group_by(Conversation.team_id)
    )
    return [r[0] for r in rows if r[0] is not None]


async def distribute_team(session: AsyncSession, team_id: uuid.UUID, now: datetime) -> Distributed:
    team = (await session.execute(select(Team).where(Team.id == team_id).with_for_update())).scalar_one()
    pool = available(await candidates(session, team_id, now))
    free = sum(c.capacity - c.open_count for c in pool)
    if free <= 0:
        waiting = (await session.execute(select(func.count()).where(*_queued(team_id)))).scalar_one()
        return Distributed(team_id, 0, int(waiting))
    queued = list(
        (
            await session.execute(
                select(Conversation)
                .where(*_queued(team_id))
                .order_by(Conversation.waiting_since.asc().nulls_last(), Conversation.last_message_at, Conversation.id)
                .limit(free)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    owners = distribute(pool, len(queued), team.assignment_strategy, team.last_assigned_user_id)
    chosen = list(zip(queued, owners, strict=False))
    if chosen:
        team.last_assigned_user_id = owners[-1]
        pending: list[PendingEvent] = []
        for c, user_id in chosen:
            c.assignee_id = user_id  # the rows are locked (FOR UPDATE above); the flush writes them in one batch
            audit.record(
                session,
                None,
                c.organization_id,
                "conversation.routed",
                "conversation",
                c.id,
                {
                    "reason": f"team {team.name}: shift started, queue distributed within capacity",
                    "assignee_id": str(user_id),
                },
                actor_type="automation",
            )
            pending.append(PendingEvent(c.organization_id, "conversation.assigned", ConversationData.of(c), c.id))
            notifications.notify_assignment(session, c, None, by="routing", by_name=team.name)
        await events.emit_many(session, pending)
    waiting = (await session.execute(select(func.count()).where(*_queued(team_id)))).scalar_one()
    return Distributed(team_id, len(chosen), int(waiting))
