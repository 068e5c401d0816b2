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

from api import audit
from api.assignment import repository
from api.assignment.selectors import available, distribute
from api.assignment.service import candidates
from api.db import Session
from api.notification import service as notifications
from api.outbox import events
from api.outbox.events import PendingEvent
from api.webhook.payloads import ConversationData


@dataclass(frozen=True)
class Distributed:
    team_id: uuid.UUID
    assigned: int
    left_queued: int


async def teams_with_queue(session: Session) -> list[uuid.UUID]:
    """The teams, of every organization, with conversations waiting in their queue."""
    return await repository.teams_with_queue_of_every_organization(session)


async def distribute_team(session: Session, team_id: uuid.UUID, now: datetime) -> Distributed:
    team = await repository.lock_team_of_any_organization(session, team_id)
    pool = available(await candidates(session, team_id, now))
    free = sum(c.capacity - c.open_count for c in pool)
    if free <= 0:
        return Distributed(team_id, 0, await repository.queued_count(session, team))
    queued = await repository.lock_oldest_queued(session, team, free)
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
    return Distributed(team_id, len(chosen), await repository.queued_count(session, team))
