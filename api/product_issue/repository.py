"""All SQL of the product-issue report; every statement is scoped to one organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import tenant_condition
from api.models import Conversation, Message, Order, OrderItem, ProductIssueMention
from api.product_issue.reasons import REASONS


async def order_items(session: AsyncSession, organization_id: uuid.UUID, order_id: uuid.UUID) -> list[OrderItem]:
    stmt = (
        select(OrderItem)
        .where(tenant_condition(OrderItem, organization_id), OrderItem.order_id == order_id)
        .order_by(OrderItem.position)
    )
    return list((await session.execute(stmt)).scalars())


async def add_mentions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Idempotent: a message processed twice (a job re-run) adds nothing the second time."""
    if rows:
        await session.execute(insert(ProductIssueMention).values(rows).on_conflict_do_nothing())


def _filtered(stmt: Any, organization_id: uuid.UUID, start: datetime, end: datetime, **filters: Any) -> Any:
    m = ProductIssueMention
    stmt = stmt.where(tenant_condition(m, organization_id), m.sent_at >= start, m.sent_at < end)
    if filters.get("reason"):
        stmt = stmt.where(m.reason == filters["reason"])
    if filters.get("marketplace"):
        stmt = stmt.where(m.marketplace == filters["marketplace"])
    if filters.get("sku") is not None:
        stmt = stmt.where(m.sku == filters["sku"])
    return stmt


async def per_sku(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime, **filters: Any
) -> list[dict[str, Any]]:
    m = ProductIssueMention
    stmt = select(
        m.sku,
        func.max(m.product_title).label("title"),
        func.count(distinct(m.message_id)).label("messages"),
        func.count(distinct(m.conversation_id)).label("conversations"),
        *[func.count(distinct(m.message_id)).filter(m.reason == r).label(r) for r in REASONS],
    )
    stmt = _filtered(stmt, organization_id, start, end, **filters).group_by(m.sku)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


def _order_time() -> Any:
    return func.coalesce(Order.placed_at, Order.created_at)


async def units_per_sku(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime, marketplace: str | None = None
) -> dict[str, int]:
    """Units ordered per SKU in the period (order items of orders placed in it)."""
    stmt = (
        select(OrderItem.sku, func.sum(OrderItem.quantity).label("units"))
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            tenant_condition(OrderItem, organization_id),
            tenant_condition(Order, organization_id),
            OrderItem.sku.is_not(None),
            _order_time() >= start,
            _order_time() < end,
        )
        .group_by(OrderItem.sku)
    )
    if marketplace:
        stmt = stmt.where(Order.marketplace == marketplace)
    return {r.sku: int(r.units or 0) for r in (await session.execute(stmt)).all()}


async def issues_per_bucket(
    session: AsyncSession, organization_id: uuid.UUID, bucket: str, start: datetime, end: datetime, **filters: Any
) -> list[tuple[str, datetime, int]]:
    """(sku, bucket start, messages) in UTC days or ISO weeks."""
    m = ProductIssueMention
    b = func.date_trunc(literal(bucket), func.timezone("UTC", m.sent_at)).label("b")
    stmt = select(m.sku, b, func.count(distinct(m.message_id)).label("n"))
    stmt = _filtered(stmt, organization_id, start, end, **filters).group_by(m.sku, b)
    return [(r.sku, r.b, int(r.n)) for r in (await session.execute(stmt)).all()]


async def units_per_bucket(
    session: AsyncSession,
    organization_id: uuid.UUID,
    bucket: str,
    start: datetime,
    end: datetime,
    sku: str | None = None,
    marketplace: str | None = None,
) -> list[tuple[str, datetime, int]]:
    b = func.date_trunc(literal(bucket), func.timezone("UTC", _order_time())).label("b")
    stmt = (
        select(OrderItem.sku, b, func.sum(OrderItem.quantity).label("n"))
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            tenant_condition(OrderItem, organization_id),
            tenant_condition(Order, organization_id),
            OrderItem.sku.is_not(None),
            _order_time() >= start,
            _order_time() < end,
        )
        .group_by(OrderItem.sku, b)
    )
    if sku is not None:
        stmt = stmt.where(OrderItem.sku == sku)
    if marketplace:
        stmt = stmt.where(Order.marketplace == marketplace)
    return [(r.sku, r.b, int(r.n or 0)) for r in (await session.execute(stmt)).all()]


async def examples(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    limit: int,
    **filters: Any,
) -> list[dict[str, Any]]:
    """The buyer messages behind a number, newest first, with every reason each gives."""
    m = ProductIssueMention
    stmt = select(
        m.message_id,
        m.conversation_id,
        m.marketplace,
        m.sku,
        func.max(m.product_title).label("title"),
        func.array_agg(distinct(m.reason)).label("reasons"),
        m.sent_at,
    )
    stmt = _filtered(stmt, organization_id, start, end, **filters)
    stmt = stmt.group_by(m.message_id, m.conversation_id, m.marketplace, m.sku, m.sent_at)
    stmt = stmt.order_by(m.sent_at.desc(), m.message_id.desc()).limit(limit).subquery()
    q = (
        select(stmt, Message.body, Message.subject)
        .join(Message, Message.id == stmt.c.message_id)
        .where(tenant_condition(Message, organization_id))
        .order_by(stmt.c.sent_at.desc(), stmt.c.message_id.desc())
    )
    return [dict(r) for r in (await session.execute(q)).mappings()]


WEEK_SECONDS = 7 * 86400


def _window(column: Any, end: datetime) -> Any:
    """Which rolling 7-day window before `end` a time falls in: 0 for the last 7 days, 1 before..."""
    return func.floor(func.extract("epoch", literal(end) - column) / WEEK_SECONDS).label("w")


async def issues_per_window(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime, **filters: Any
) -> list[tuple[str, int, int]]:
    """(sku, window index, messages) in rolling weeks ending at `end`."""
    m = ProductIssueMention
    w = _window(m.sent_at, end)
    stmt = select(m.sku, w, func.count(distinct(m.message_id)).label("n"))
    stmt = _filtered(stmt, organization_id, start, end, **filters).group_by(m.sku, w)
    return [(r.sku, int(r.w), int(r.n)) for r in (await session.execute(stmt)).all()]


async def units_per_window(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime, marketplace: str | None = None
) -> list[tuple[str, int, int]]:
    w = _window(_order_time(), end)
    stmt = (
        select(OrderItem.sku, w, func.sum(OrderItem.quantity).label("n"))
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            tenant_condition(OrderItem, organization_id),
            tenant_condition(Order, organization_id),
            OrderItem.sku.is_not(None),
            _order_time() >= start,
            _order_time() < end,
        )
        .group_by(OrderItem.sku, w)
    )
    if marketplace:
        stmt = stmt.where(Order.marketplace == marketplace)
    return [(r.sku, int(r.w), int(r.n or 0)) for r in (await session.execute(stmt)).all()]


async def buyer_messages_after(
    session: AsyncSession,
    organization_id: uuid.UUID,
    since: datetime,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[Message, Any]]:
    """A page of the organization's buyer messages sent since `since`, in (sent_at, id) order, each
    with its conversation (for the rebuild of the table)."""
    stmt = (
        select(Message, Conversation)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            tenant_condition(Message, organization_id),
            tenant_condition(Conversation, organization_id),
            Message.direction == "inbound",
            Message.author_kind == "buyer",
            Message.sent_at >= since,
        )
        .order_by(Message.sent_at, Message.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(tuple_(Message.sent_at, Message.id) > tuple_(after[0], after[1]))
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
