"""SQL of automation: what auto-reply and assignment rules refer to, the run log, and what the
automation pass on each inbound message reads and writes (api/automation/service.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import get_scoped, readable, readable_columns
from api.models import AutomationRun, AutoReplyRule, Conversation, Message, Team, Template, User
from api.rules.repository import Scoped

# What an action (or an assignment rule's target) may name, by the key that names it.
REFERENCES: tuple[tuple[str, type[Template] | type[User] | type[Team]], ...] = (
    ("template_id", Template),
    ("user_id", User),
    ("team_id", Team),
)


async def owns(
    session: AsyncSession,
    organization_id: uuid.UUID,
    model: type[Template] | type[User] | type[Team],
    row_id: uuid.UUID,
) -> bool:
    """Whether the template, user or team is the organization's."""
    return bool(await Scoped(session, model, organization_id).own_ids([row_id]))


async def run_count(session: AsyncSession, organization_id: uuid.UUID, rule_id: uuid.UUID) -> int:
    """How many runs a rule's log holds."""
    runs = Scoped(session, AutomationRun, organization_id)
    stmt = runs.select(func.count()).select_from(AutomationRun).where(AutomationRun.rule_id == rule_id)
    return int((await session.execute(stmt)).scalar_one())


async def runs(
    session: AsyncSession,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID | None,
    rule_id: uuid.UUID | None,
    limit: int,
) -> list[AutomationRun]:
    """Firings and suppressions, newest first, of one conversation and/or one rule when given."""
    log = Scoped(session, AutomationRun, organization_id)
    stmt = log.select()
    if conversation_id:
        stmt = stmt.where(AutomationRun.conversation_id == conversation_id)
    if rule_id:
        stmt = stmt.where(AutomationRun.rule_id == rule_id)
    return await log.rows(stmt.order_by(AutomationRun.id.desc()).limit(limit))


async def lock_conversation(session: AsyncSession, message: Message) -> Conversation:
    """The message's conversation, locked for this automation pass (routing and rules change it)."""
    stmt = readable(Conversation, message.organization_id).where(Conversation.id == message.conversation_id)
    return (await session.execute(stmt.with_for_update())).scalar_one()


async def earlier_inbound(session: AsyncSession, conversation: Conversation, message: Message) -> bool:
    """Whether the conversation holds another inbound message sent no later than this one."""
    earlier = readable_columns(Message, conversation.organization_id, Message.id).where(
        Message.conversation_id == conversation.id,
        Message.direction == "inbound",
        Message.id != message.id,
        Message.sent_at <= message.sent_at,
    )
    return bool((await session.execute(select(earlier.exists()))).scalar())


async def person_replied_since(session: AsyncSession, conversation: Conversation, since: datetime) -> bool:
    """Whether a person sent a reply in the conversation after `since`."""
    replied = readable_columns(Message, conversation.organization_id, Message.id).where(
        Message.conversation_id == conversation.id,
        Message.direction == "outbound",
        Message.author_kind == "human",
        Message.created_at > since,
    )
    return bool((await session.execute(select(replied.exists()))).scalar())


async def fired_since(session: AsyncSession, rule: AutoReplyRule, conversation: Conversation, since: datetime) -> bool:
    """Whether the rule fired in the conversation after `since`."""
    fired = readable_columns(AutomationRun, rule.organization_id, AutomationRun.id).where(
        AutomationRun.rule_id == rule.id,
        AutomationRun.conversation_id == conversation.id,
        AutomationRun.outcome == "fired",
        AutomationRun.created_at > since,
    )
    return bool((await session.execute(select(fired.exists()))).scalar())


async def already_ran(session: AsyncSession, rule: AutoReplyRule, message: Message) -> bool:
    """Whether the rule already has a run (fired or suppressed) for the message."""
    ran = readable_columns(AutomationRun, rule.organization_id, AutomationRun.id).where(
        AutomationRun.rule_id == rule.id, AutomationRun.message_id == message.id
    )
    return bool((await session.execute(select(ran.exists()))).scalar())


async def insert_run(session: AsyncSession, conversation: Conversation, **values: Any) -> int | None:
    """Insert a run of the conversation; None when its (rule, message) already has one (a repeated job)."""
    stmt = (
        insert(AutomationRun)
        .values(organization_id=conversation.organization_id, conversation_id=conversation.id, **values)
        .on_conflict_do_nothing(index_elements=[AutomationRun.rule_id, AutomationRun.message_id])
        .returning(AutomationRun.id)
    )
    run_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return run_id


async def active_rules(session: AsyncSession, organization_id: uuid.UUID) -> list[AutoReplyRule]:
    """The organization's active auto-reply rules, in their order."""
    rules = Scoped(session, AutoReplyRule, organization_id)
    return await rules.rows(rules.select().where(AutoReplyRule.is_active.is_(True)).order_by(AutoReplyRule.position))


async def user(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    """The organization's user with this id (None for another organization's)."""
    return await get_scoped(session, User, user_id, organization_id)


async def team(session: AsyncSession, organization_id: uuid.UUID, team_id: uuid.UUID) -> Team | None:
    """The organization's team with this id (None for another organization's)."""
    return await get_scoped(session, Team, team_id, organization_id)
