"""What each escalation tier does (R4): email the assignee, notify assignee and team in the app,
escalate to a supervisor; and what a breach does (the clock ends overdue, `sla.overdue` is emitted)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, events
from api.models import Conversation, Notification, OutboundEmail, SlaClock, SlaTimer, TeamMember, User

KIND_LABELS = {
    "marketplace_first_response": "marketplace first response",
    "marketplace_next_response": "marketplace next response",
    "internal_first_response": "internal first response",
    "internal_next_response": "internal next response",
    "internal_resolution": "internal resolution",
}


def _event_data(c: Conversation, clock: SlaClock, timer: SlaTimer) -> dict[str, Any]:
    return {
        "conversation_id": str(c.id),
        "clock_id": str(clock.id),
        "clock_kind": clock.kind,
        "marketplace": clock.marketplace,
        "channel_id": str(clock.channel_id),
        "subject": c.subject,
        "order_id": c.order_external_id,
        "assignee_id": str(c.assignee_id) if c.assignee_id else None,
        "started_at": clock.started_at.isoformat(),
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "tier": None if timer.action == "breach" else timer.tier,
        "action": timer.action,
        "policy": clock.policy_snapshot.get("name"),
        "fired_at": timer.fired_at.isoformat() if timer.fired_at else None,
    }


def notify(
    session: AsyncSession, c: Conversation, user_id: uuid.UUID, kind: str, title: str, body: str, data: dict[str, Any]
) -> None:
    note = Notification(
        id=uuid.uuid4(),
        organization_id=c.organization_id,
        user_id=user_id,
        kind=kind,
        conversation_id=c.id,
        title=title,
        body=body,
        data=data,
    )
    session.add(note)
    events.emit(
        session,
        c.organization_id,
        "notification",
        {
            "notification_id": str(note.id),
            "user_id": str(user_id),
            "kind": kind,
            "title": title,
            "body": body,
            "conversation_id": str(c.id),
            **{"sla": data},
        },
        conversation_id=c.id,
    )


async def _team_members(session: AsyncSession, c: Conversation) -> list[uuid.UUID]:
    if c.team_id is None:
        return []
    rows = await session.execute(select(TeamMember.user_id).where(TeamMember.team_id == c.team_id))
    return [r[0] for r in rows]


async def pick_supervisor(session: AsyncSession, organization_id: uuid.UUID) -> User | None:
    """An active supervisor, online first, then the one with the fewest open conversations."""
    open_load = (
        select(func.count())
        .select_from(Conversation)
        .where(and_(Conversation.assignee_id == User.id, Conversation.status != "resolved"))
        .scalar_subquery()
    )
    stmt = (
        select(User)
        .where(User.organization_id == organization_id, User.role == "supervisor", User.is_active.is_(True))
        .order_by((User.status != "online"), open_load, User.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def apply(session: AsyncSession, timer: SlaTimer, clock: SlaClock, c: Conversation) -> None:
    """Apply one fired timer; `c` is the clock's conversation, already locked by the caller."""
    data = _event_data(c, clock, timer)
    what = KIND_LABELS.get(clock.kind, clock.kind)
    title_ref = c.order_external_id or c.subject or str(c.id)[:8]
    if timer.action == "breach":
        if clock.state == "running":
            clock.state = "breached"
            clock.breached_at = clock.due_at
        events.emit(session, c.organization_id, "sla.overdue", data, conversation_id=c.id)
        if c.assignee_id:
            notify(
                session,
                c,
                c.assignee_id,
                "sla.overdue",
                f"Overdue: {title_ref}",
                f"The {what} deadline passed without a reply.",
                data,
            )
        # The deadline itself does not move (the clock stays open until answered); clients learn
        # that the state is now overdue without another query.
        events.emit(
            session,
            c.organization_id,
            "sla.updated",
            {
                "conversation_id": str(c.id),
                "sla_deadline": c.sla_deadline.isoformat() if c.sla_deadline else None,
                "sla_due_soon_at": c.sla_due_soon_at.isoformat() if c.sla_due_soon_at else None,
                "sla_state": "overdue",
                "changed_clock": {"id": str(clock.id), "kind": clock.kind, "state": clock.state},
            },
            conversation_id=c.id,
        )
        return

    events.emit(session, c.organization_id, "sla.warning", data, conversation_id=c.id)
    if timer.action == "email_assignee" and c.assignee_id:
        email = (await session.execute(select(User.email).where(User.id == c.assignee_id))).scalar_one_or_none()
        if email:
            await session.execute(
                insert(OutboundEmail)
                .values(
                    id=uuid.uuid4(),
                    organization_id=c.organization_id,
                    dedupe_key=f"sla-timer:{timer.id}",
                    to_address=email,
                    subject=f"[Hourglass] Reply due: {title_ref}",
                    body=(
                        f"The {what} deadline for '{c.subject}' ({c.marketplace}) is "
                        f"{clock.due_at:%Y-%m-%d %H:%M} UTC.\n"
                        f"Policy: {clock.policy_snapshot.get('name')}.\n"
                    ),
                )
                .on_conflict_do_nothing(index_elements=[OutboundEmail.dedupe_key])
            )
    elif timer.action == "notify_assignee_and_team":
        users = set(await _team_members(session, c)) | ({c.assignee_id} if c.assignee_id else set())
        for user_id in users:
            notify(
                session,
                c,
                user_id,
                "sla.due_soon",
                f"About to breach: {title_ref}",
                f"The {what} deadline is at {clock.due_at:%H:%M} UTC.",
                data,
            )
    elif timer.action == "escalate_supervisor":
        supervisor = await pick_supervisor(session, c.organization_id)
        if supervisor is not None:
            previous = c.assignee_id
            c.assignee_id = supervisor.id
            notify(
                session,
                c,
                supervisor.id,
                "sla.escalated",
                f"Escalated to you: {title_ref}",
                f"The {what} deadline is at {clock.due_at:%H:%M} UTC; it was assigned to someone else.",
                data,
            )
            if previous and previous != supervisor.id:
                notify(
                    session,
                    c,
                    previous,
                    "sla.escalated",
                    f"Escalated to a supervisor: {title_ref}",
                    f"{supervisor.name} now owns this conversation.",
                    data,
                )
            audit.record(
                session,
                None,
                c.organization_id,
                "conversation.escalated",
                "conversation",
                c.id,
                {"from": str(previous) if previous else None, "to": str(supervisor.id), "timer": timer.id},
                actor_type="automation",
            )
            from api.conversation.service import payload

            await session.flush()
            events.emit(session, c.organization_id, "conversation.assigned", payload(c), conversation_id=c.id)
