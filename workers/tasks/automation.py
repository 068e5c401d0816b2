"""The automation loop: each new inbound message goes through routing and the auto-reply rules, and
due follow-up reminders notify their people. Both queues are rows in Postgres (a partial index on
unprocessed messages; due reminders), claimed with SKIP LOCKED, so several workers share the work and
a flushed Redis loses nothing."""

from __future__ import annotations

import logging
import uuid

from api.automation.service import process_message
from api.conversation import repository as conversation_repository
from api.db import Session, Sessionmaker
from api.kit.time import utc_now
from api.message import repository as message_repository
from api.models import Notification
from api.outbox import events
from api.team import repository as team_repository
from workers.loops import MORE, TRANSIENT, Loop, StepResult

log = logging.getLogger(__name__)
# Safety poll: the relay wakes this loop when it relays "message.received"; reminders fall due with the
# passing of time and are fired within this many seconds.
POLL = 5.0


async def process_next(session: Session) -> bool:
    """Claim and process one unprocessed inbound message; False when there is none."""
    message = await message_repository.claim_unprocessed_inbound(session)
    if message is None:
        return False
    await process_message(session, message)
    return True


async def fire_reminders(session: Session, limit: int = 100) -> int:
    due = await conversation_repository.claim_due_reminders(session, utc_now(), limit)
    for reminder in due:
        reminder.fired_at = utc_now()
        conversation = await conversation_repository.find(session, reminder.organization_id, reminder.conversation_id)
        if conversation is None:
            continue
        users = (
            [reminder.user_id]
            if reminder.user_id
            else await team_repository.member_ids(session, reminder.organization_id, reminder.team_id)
            if reminder.team_id
            else []
        )
        for user_id in users:
            note = Notification(
                id=uuid.uuid4(),
                organization_id=reminder.organization_id,
                user_id=user_id,
                kind="reminder",
                conversation_id=conversation.id,
                title=f"Follow up: {conversation.order_external_id or conversation.subject}",
                body=reminder.note,
                data={"reminder_id": str(reminder.id)},
            )
            session.add(note)
            events.emit(
                session,
                reminder.organization_id,
                "notification",
                {
                    "notification_id": str(note.id),
                    "user_id": str(user_id),
                    "kind": "reminder",
                    "title": note.title,
                    "body": note.body,
                    "conversation_id": str(conversation.id),
                },
                conversation_id=conversation.id,
            )
    return len(due)


def automation_loop(sessionmaker: Sessionmaker) -> Loop:
    async def step() -> StepResult:
        try:
            async with sessionmaker.begin() as session:
                busy = await process_next(session)
            async with sessionmaker.begin() as session:
                busy = bool(await fire_reminders(session)) or busy
        except TRANSIENT:
            raise  # the runner backs off and retries; nothing was processed unless it committed
        except Exception:
            # A message that breaks the pipeline must not block the queue: mark it and move on.
            log.exception("automation pipeline failed; skipping the message")
            await _skip_poison(sessionmaker)
            return MORE
        return MORE if busy else None

    return Loop("automation", step, poll=POLL)


async def _skip_poison(sessionmaker: Sessionmaker) -> None:
    async with sessionmaker.begin() as session:
        await message_repository.skip_unprocessed_inbound(session, utc_now())
