"""Routing a conversation to a team or agent, by the organization's rules and each team's strategy,
safely under concurrency.

Concurrency: the conversation row is locked by the caller and only an unassigned conversation is
assigned (never two owners); the target team's row is locked while its members' loads are counted
and the choice is written, so two workers assigning into one team take turns and can never push an
agent past capacity.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from api import audit
from api.assignment import repository
from api.assignment.selectors import OFF_SHIFT, Candidate, pick_least_loaded, pick_round_robin, sticky
from api.customer import repository as customer_repository
from api.db import Session
from api.kit.time import utc_now
from api.models import Conversation
from api.notification import service as notifications
from api.outbox import events
from api.rules.conditions import ASSIGNMENT_RULE, Facts, Held, match
from api.shift.service import on_shift_view
from api.webhook.payloads import ConversationData

# How a routing reason names the conditions that held, in its order.
_ROUTING_WORDS = {
    "categories": "category {}",
    "marketplaces": "marketplace {}",
    "languages": "language {}",
    "customer_tiers": "customer tier {}",
    "keywords": "keyword '{}'",
}


def routing_reason(held: list[Held]) -> str:
    """Why an assignment rule matched, in English: part of the routing reason the audit log keeps."""
    order = list(_ROUTING_WORDS)
    named = sorted(held, key=lambda h: order.index(h.name))
    return ", ".join(_ROUTING_WORDS[h.name].format(h.value) for h in named) or "catch-all rule"


async def candidates(session: Session, team_id: uuid.UUID, at: datetime | None = None) -> list[Candidate]:
    """The team's active members with their open load. An agent with a roster who is off shift, or
    in the closing handover window of their shift, is never routable: routing waits for their next
    shift (the queue is distributed when a shift starts, api/assignment/queue.py)."""
    found = [
        Candidate(user_id=user_id, status=status, capacity=capacity, open_count=open_count)
        for user_id, status, capacity, open_count in await repository.member_loads(session, team_id)
    ]
    view = await on_shift_view(session, None, [candidate.user_id for candidate in found], at or utc_now())
    return [
        candidate if view.routable(candidate.user_id) else replace(candidate, status=OFF_SHIFT) for candidate in found
    ]


async def _previous_agent(session: Session, conversation: Conversation) -> uuid.UUID | None:
    if conversation.customer_id is None:
        return None
    return await repository.previous_assignee(session, conversation)


async def assign_in_team(
    session: Session, conversation: Conversation, team_id: uuid.UUID
) -> tuple[uuid.UUID | None, str]:
    team = await repository.lock_team(session, conversation.organization_id, team_id)
    pool = await candidates(session, team_id)
    chosen = sticky(pool, await _previous_agent(session, conversation))
    how = "same buyer's previous agent"
    if chosen is None:
        if team.assignment_strategy == "round_robin":
            chosen, how = pick_round_robin(pool, team.last_assigned_user_id), "round-robin"
        else:
            chosen, how = pick_least_loaded(pool), "least loaded within capacity"
    conversation.team_id = team_id
    if chosen is None:
        if any(x.status == OFF_SHIFT for x in pool):
            return None, f"team {team.name}: no online agent with capacity on shift; queued for the next shift"
        return None, f"team {team.name}: no online agent with capacity; left in the team queue"
    conversation.assignee_id = chosen.user_id
    team.last_assigned_user_id = chosen.user_id
    return chosen.user_id, f"team {team.name}: {how}"


async def route(session: Session, conversation: Conversation, text: str, *, tier: str | None = None) -> str | None:
    """Apply the first matching assignment rule (else the channel's default team). `c` is locked.
    `tier`: the customer's tier as ingest decided it, when the caller has it."""
    if conversation.assignee_id is not None:
        return None
    if tier is None:
        tier = "standard"
        if conversation.customer_id:
            tier = await customer_repository.tier(session, conversation.organization_id, conversation.customer_id)
    rules = await repository.active_rules(session, conversation.organization_id)
    # A conversation whose language was not detected is routed as English.
    facts = Facts(
        category=conversation.category,
        marketplace=conversation.marketplace,
        language=conversation.language or "en",
        customer_tier=tier,
        text=text,
    )
    previous = conversation.assignee_id
    reason = None
    via = ""  # what the assignee's notification names: the rule, or the team whose queue it came from
    for rule in rules:
        ok, held = match(rule.conditions, facts, ASSIGNMENT_RULE)
        if not ok:
            continue
        why = routing_reason(held)
        if rule.user_id is not None:
            user = await repository.user(session, conversation.organization_id, rule.user_id)
            # A rostered agent off shift is skipped like an inactive one: never loaded while away.
            if (
                user is not None
                and user.is_active
                and (await on_shift_view(session, None, [user.id], utc_now())).routable(user.id)
            ):
                conversation.assignee_id = user.id
                reason = f"rule '{rule.name}' ({why}) -> {user.name}"
                via = rule.name
                break
            continue
        if rule.team_id is not None:
            _, how = await assign_in_team(session, conversation, rule.team_id)
            reason = f"rule '{rule.name}' ({why}) -> {how}"
            via = rule.name
            break
    if reason is None and conversation.team_id is not None:
        _, how = await assign_in_team(session, conversation, conversation.team_id)
        reason = f"channel's default team -> {how}"
        via = await repository.team_name(session, conversation.organization_id, conversation.team_id)
    if reason is None:
        return None
    await session.flush()
    audit.record(
        session,
        None,
        conversation.organization_id,
        "conversation.routed",
        "conversation",
        conversation.id,
        {"reason": reason, "assignee_id": str(conversation.assignee_id) if conversation.assignee_id else None},
        actor_type="automation",
    )
    events.emit(
        session,
        conversation.organization_id,
        "conversation.assigned",
        ConversationData.of(conversation),
        conversation_id=conversation.id,
    )
    notifications.notify_assignment(session, conversation, previous, by="routing", by_name=via)
    return reason
