"""Notifications addressed to people: assignments (by a person, a rule or routing) and @mentions in
internal notes. Each is a `notifications` row for one user, written in the transaction of the change,
with a `notification` event the relay pushes to that user's sockets only (api/realtime/frames.py).

Nobody is told about what they did themselves: assigning a conversation to yourself, or mentioning
yourself, notifies nobody.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from api.db import Session
from api.kit.ids import uuid7
from api.kit.time import utc_now
from api.models import Conversation, Note, Notification
from api.notification import repository
from api.notification.mentions import Mention, Person, find_mentions
from api.outbox import events

AssignedBy = Literal["person", "rule", "routing"]


def reference(conversation: Conversation) -> str:
    """What a notification names the conversation by: its order, else its subject."""
    return conversation.order_external_id or conversation.subject or str(conversation.id)[:8]


def add(
    session: Session,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any],
    conversation_id: uuid.UUID | None = None,
) -> Notification:
    """Store one notification and queue its live push."""
    note = Notification(
        id=uuid7(),
        organization_id=organization_id,
        user_id=user_id,
        kind=kind,
        conversation_id=conversation_id,
        title=title,
        body=body,
        data=data,
    )
    repository.add(session, note)
    events.emit(
        session,
        organization_id,
        "notification",
        {
            "notification_id": str(note.id),
            "user_id": str(user_id),
            "kind": kind,
            "title": title,
            "body": body,
            "conversation_id": str(conversation_id) if conversation_id else None,
            **data,
        },
        conversation_id=conversation_id,
    )
    return note


def notify_assignment(
    session: Session,
    conversation: Conversation,
    previous_assignee: uuid.UUID | None,
    *,
    by: AssignedBy,
    by_name: str,
    actor_user_id: uuid.UUID | None = None,
) -> Notification | None:
    """Tell the new assignee, unless nothing changed or they assigned it to themselves. `by_name`
    names who or what assigned it: the person, the rule, or how routing chose."""
    to = conversation.assignee_id
    if to is None or to in (previous_assignee, actor_user_id):
        return None
    ref = reference(conversation)
    words = {"person": f"by {by_name}", "rule": f"by rule '{by_name}'", "routing": f"by routing ({by_name})"}[by]
    return add(
        session,
        conversation.organization_id,
        to,
        "assigned",
        f"Assigned to you: {ref}",
        f"Assigned to you {words}.",
        {"by": by, "by_name": by_name, "reference": ref},
        conversation_id=conversation.id,
    )


async def people(session: Session, organization_id: uuid.UUID) -> list[Person]:
    rows = await repository.active_people(session, organization_id)
    return [Person(user_id=user_id, name=name, email=email) for user_id, name, email in rows]


async def mentions_in(session: Session, organization_id: uuid.UUID, body: str) -> list[Mention]:
    if "@" not in body:
        return []
    return find_mentions(body, await people(session, organization_id))


def notify_mentions(
    session: Session, conversation: Conversation, note: Note, mentions: list[Mention], author: str | None
) -> list[Notification]:
    """One notification per colleague mentioned (however many times), never to the author."""
    ref = reference(conversation)
    who = author or "A colleague"
    excerpt = note.body if len(note.body) <= 200 else note.body[:199] + "…"
    sent: list[Notification] = []
    seen: set[uuid.UUID] = set()
    for m in mentions:
        if m.user_id in seen or m.user_id == note.author_user_id:
            continue
        seen.add(m.user_id)
        sent.append(
            add(
                session,
                conversation.organization_id,
                m.user_id,
                "mention",
                f"{who} mentioned you: {ref}",
                excerpt,
                {"note_id": str(note.id), "author": who, "reference": ref},
                conversation_id=conversation.id,
            )
        )
    return sent


async def read_all(session: Session, organization_id: uuid.UUID, user_id: uuid.UUID) -> int:
    """Mark every unread notification of the user read; how many were."""
    return await repository.mark_all_read(session, organization_id, user_id, utc_now())
