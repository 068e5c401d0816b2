from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversation.views import VIEWS, ConversationFilters, counts_columns, search_predicate
from api.kit import changefeed
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
    conditions = [Conversation.organization_id == organization_id, VIEWS[view], *filters.predicates(with_search=False)]
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
    if filters.q and sort != "deadline":
        return await _search_page(session, conditions, filters, limit)
    if filters.q:
        conditions.append(search_predicate(filters.q))
    stmt = select(Conversation).where(and_(*conditions)).order_by(*order).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def changed_since(
    session: AsyncSession,
    organization_id: uuid.UUID,
    after: tuple[int, uuid.UUID] | None,
    limit: int,
    *,
    updated_since: datetime | None = None,
) -> tuple[list[Conversation], tuple[int, uuid.UUID]]:
    """The organization's conversations in change order after `after` (see api/kit/changefeed.py),
    and where to resume. `updated_since` only narrows the first page of a new sync."""
    conditions = [Conversation.organization_id == organization_id]
    if after is None and updated_since is not None:
        conditions.append(Conversation.updated_at >= updated_since)
    return await changefeed.changed_since(session, Conversation, conditions, after, limit)


async def counts(session: AsyncSession, organization_id: uuid.UUID, filters: ConversationFilters) -> dict[str, int]:
    stmt = select(*counts_columns(organization_id, filters.predicates()))
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


# How many of the newest conversations a search first looks through (see _search_page).
SEARCH_WINDOW = 10_000


async def _search_page(
    session: AsyncSession, conditions: list[Any], filters: ConversationFilters, limit: int
) -> list[Conversation]:
    """Search in two steps, because the planner misjudges multi-word searches whose words are each
    common but rarely together: walking the inbox-order index then took a second at 1M rows.

    1. Look for matches among the newest SEARCH_WINDOW conversations of the view. If that fills the
       page, these are the newest matches overall, since everything outside the window is older.
    2. Otherwise run the full search with the ordering hidden behind an expression, which steers
       PostgreSQL to the full-text index instead of the ordered scan.
    """
    without_q = [c for c in conditions if c is not None]
    text_match = search_predicate(filters.q or "")
    newest = (
        select(Conversation.id)
        .where(and_(*without_q))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(SEARCH_WINDOW)
    )
    first = (
        select(Conversation)
        .where(Conversation.id.in_(newest), text_match)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    rows = list((await session.execute(first)).scalars())
    if len(rows) == limit:
        return rows
    full = (
        select(Conversation)
        .where(and_(*without_q), text_match)
        .order_by((Conversation.last_message_at + text("interval '0 s'")).desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list((await session.execute(full)).scalars())
