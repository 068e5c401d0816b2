"""SQL of the automation settings: what auto-reply and assignment rules refer to, and the run log."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AutomationRun, Team, Template, User
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
