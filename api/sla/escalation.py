"""In-app notifications for one user, written with the ORM by single-row paths (a failed delivery).

What escalation tiers and breaches do is decided for a whole batch of fired timers by the pure
`api.sla.effects.plan` and written set-based by `api.sla.timers`; both build the `notification`
event with `effects.notification_event_data`, so the payload is the same whichever path wrote it.
"""

from __future__ import annotations

import uuid
from typing import Any

from api.db import Session
from api.kit.ids import uuid7
from api.models import Conversation, Notification
from api.outbox import events
from api.sla.effects import notification_event_data


def notify(
    session: Session,
    conversation: Conversation,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any],
) -> None:
    note = Notification(
        id=uuid7(),
        organization_id=conversation.organization_id,
        user_id=user_id,
        kind=kind,
        conversation_id=conversation.id,
        title=title,
        body=body,
        data=data,
    )
    session.add(note)
    events.emit(
        session,
        conversation.organization_id,
        "notification",
        notification_event_data(note.id, user_id, kind, title, body, conversation.id, data),
        conversation_id=conversation.id,
    )
