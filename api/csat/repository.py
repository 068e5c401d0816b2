"""All SQL of the CSAT domain; every statement is scoped to one organization, except the due-survey
scan of the worker, which serves every organization and returns rows that carry their own."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import get_scoped, readable, readable_columns, tenant_condition
from api.models import Channel, Conversation, CsatSettings, CsatSurvey, User
from api.models.csat import ASKED_STATES


async def settings(session: AsyncSession, organization_id: uuid.UUID) -> CsatSettings | None:
    return await get_scoped(session, CsatSettings, organization_id, organization_id)


async def settings_for_update(session: AsyncSession, organization_id: uuid.UUID) -> CsatSettings:
    row = await session.get(CsatSettings, organization_id, with_for_update=True)
    if row is None:
        row = CsatSettings(organization_id=organization_id, enabled=False, delay_minutes=60, forms={}, questions={})
        session.add(row)
        await session.flush()
    return row


async def asked_in_conversation(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> bool:
    stmt = exists().where(
        tenant_condition(CsatSurvey, organization_id),
        CsatSurvey.conversation_id == conversation_id,
        CsatSurvey.state.in_(ASKED_STATES),
    )
    return bool((await session.execute(select(stmt))).scalar())


async def asked_for_order(
    session: AsyncSession, organization_id: uuid.UUID, channel_id: uuid.UUID, order_external_id: str | None
) -> bool:
    if not order_external_id:
        return False
    stmt = exists().where(
        tenant_condition(CsatSurvey, organization_id),
        CsatSurvey.channel_id == channel_id,
        CsatSurvey.order_external_id == order_external_id,
        CsatSurvey.state.in_(ASKED_STATES),
    )
    return bool((await session.execute(select(stmt))).scalar())


async def for_conversation(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID
) -> list[CsatSurvey]:
    stmt = (
        readable(CsatSurvey, organization_id)
        .where(CsatSurvey.conversation_id == conversation_id)
        .order_by(CsatSurvey.created_at.desc(), CsatSurvey.id.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def awaiting_answer(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID
) -> CsatSurvey | None:
    """The conversation's sent, unanswered survey (the latest), locked."""
    stmt = (
        readable(CsatSurvey, organization_id)
        .where(CsatSurvey.conversation_id == conversation_id, CsatSurvey.state == "sent")
        .order_by(CsatSurvey.sent_at.desc())
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_token_digest(session: AsyncSession, digest: str, *, lock: bool = False) -> CsatSurvey | None:
    """The public survey page knows only the token: the token is the tenant key here."""
    stmt = select(CsatSurvey).where(CsatSurvey.token_digest == digest)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def due(session: AsyncSession, now: datetime, limit: int) -> list[CsatSurvey]:
    """Scheduled surveys that fell due, locked (skipping any another worker holds); all organizations."""
    stmt = (
        select(CsatSurvey)
        .where(CsatSurvey.state == "scheduled", CsatSurvey.due_at <= now)
        .order_by(CsatSurvey.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def conversation(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    stmt = readable(Conversation, organization_id).where(Conversation.id == conversation_id).with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("Conversation not found.")
    return found


async def conversation_exists(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    stmt = readable_columns(Conversation, organization_id, Conversation.id).where(Conversation.id == conversation_id)
    if (await session.execute(stmt)).scalar_one_or_none() is None:
        raise NotFound("Conversation not found.")


async def channel(session: AsyncSession, organization_id: uuid.UUID, channel_id: uuid.UUID) -> Channel | None:
    """The organization's channel with this id (the one a survey's conversation goes out through)."""
    return await get_scoped(session, Channel, channel_id, organization_id)


async def add(session: AsyncSession, survey: CsatSurvey) -> None:
    """Insert the new survey."""
    session.add(survey)
    await session.flush()


GROUPS: dict[str, Any] = {
    "agent": CsatSurvey.agent_id,
    "marketplace": CsatSurvey.marketplace,
    "category": CsatSurvey.category,
}


def _ranged(organization_id: uuid.UUID, start: datetime, end: datetime) -> Select[Any]:
    # The period is when the question was sent: a rating belongs to the work it rates.
    return select().where(
        tenant_condition(CsatSurvey, organization_id),
        CsatSurvey.sent_at >= start,
        CsatSurvey.sent_at < end,
        CsatSurvey.state.in_(("sent", "answered")),
    )


async def results(
    session: AsyncSession,
    organization_id: uuid.UUID,
    group_by: str,
    start: datetime,
    end: datetime,
    *,
    agent_id: uuid.UUID | None = None,
    marketplace: str | None = None,
) -> list[dict[str, Any]]:
    """Per group: questions sent, answers, average score and the 1-5 distribution."""
    key = GROUPS[group_by]
    stmt = _ranged(organization_id, start, end).add_columns(
        key.label("key"),
        func.count().label("sent"),
        func.count(CsatSurvey.score).label("answered"),
        func.avg(CsatSurvey.score).label("average"),
        *[func.count().filter(CsatSurvey.score == n).label(f"s{n}") for n in range(1, 6)],
    )
    if agent_id is not None:
        stmt = stmt.where(CsatSurvey.agent_id == agent_id)
    if marketplace is not None:
        stmt = stmt.where(CsatSurvey.marketplace == marketplace)
    stmt = stmt.group_by(key).order_by(func.count(CsatSurvey.score).desc(), key)
    rows = (await session.execute(stmt)).mappings().all()
    return [dict(r) for r in rows]


async def user_names(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    stmt = readable_columns(User, organization_id, User.id, User.name).where(User.id.in_(ids))
    return {row.id: row.name for row in (await session.execute(stmt)).all()}


async def answered(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    agent_id: uuid.UUID | None,
    limit: int,
) -> list[CsatSurvey]:
    """The latest answered surveys of the period (the ratings behind the figures)."""
    stmt = (
        readable(CsatSurvey, organization_id)
        .where(
            CsatSurvey.sent_at >= start,
            CsatSurvey.sent_at < end,
            CsatSurvey.state == "answered",
        )
        .order_by(CsatSurvey.answered_at.desc(), CsatSurvey.id.desc())
        .limit(limit)
    )
    if agent_id is not None:
        stmt = stmt.where(CsatSurvey.agent_id == agent_id)
    return list((await session.execute(stmt)).scalars())
