from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversation.views import VIEWS, ConversationFilters, counts_columns
from api.kit.errors import NotFound
from api.models import Conversation, Note


async def get(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation:
    stmt = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.organization_id == organization_id
    )
    if lock:
        stmt = stmt.with_for_update()
    conversation = (await session.execute(stmt)).scalar_one_or_none()
    if conversation is None:
        raise NotFound(f"No conversation {conversation_id}.")
    return conversation


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    view: str,
    filters: ConversationFilters,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    sort: str = "last_message",
) -> list[Conversation]:
    """Keyset-paginated (stable under inserts): newest activity first, or soonest deadline first
    (`deadline`: only conversations with a running clock, most urgent on top)."""
    conditions = [Conversation.organization_id == organization_id, VIEWS[view], *filters.predicates()]
    order: tuple[Any, ...]
    if sort == "deadline":
        conditions.append(Conversation.sla_deadline.is_not(None))
        if after:
            conditions.append(tuple_(Conversation.sla_deadline, Conversation.id) > tuple_(after[0], after[1]))
        order = (Conversation.sla_deadline.asc(), Conversation.id.asc())
    else:
        if after:
            conditions.append(tuple_(Conversation.last_message_at, Conversation.id) < tuple_(after[0], after[1]))
        order = (Conversation.last_message_at.desc(), Conversation.id.desc())
    stmt = select(Conversation).where(and_(*conditions)).order_by(*order).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def counts(session: AsyncSession, organization_id: uuid.UUID, filters: ConversationFilters) -> dict[str, int]:
    stmt = select(*counts_columns()).where(Conversation.organization_id == organization_id, *filters.predicates())
    row = (await session.execute(stmt)).one()
    return dict(row._mapping)


async def notes(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> list[Note]:
    result = await session.execute(
        select(Note)
        .where(Note.organization_id == organization_id, Note.conversation_id == conversation_id)
        .order_by(Note.created_at, Note.id)
    )
    return list(result.scalars())


async def for_customer(
    session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID, limit: int
) -> list[Conversation]:
    result = await session.execute(
        select(Conversation)
        .where(Conversation.organization_id == organization_id, Conversation.customer_id == customer_id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list(result.scalars())
