from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import tenant_condition
from api.models import Conversation, Order, OrderItem, Shipment


async def by_external_id(session: AsyncSession, organization_id: uuid.UUID, external_id: str) -> Order | None:
    result = await session.execute(
        select(Order).where(tenant_condition(Order, organization_id), Order.external_id == external_id)
    )
    return result.scalar_one_or_none()


async def get_by_external_id(session: AsyncSession, organization_id: uuid.UUID, external_id: str) -> Order:
    order = await by_external_id(session, organization_id, external_id)
    if order is None:
        raise NotFound(f"No order {external_id!r}.")
    return order


async def get(session: AsyncSession, organization_id: uuid.UUID, order_id: uuid.UUID) -> Order | None:
    result = await session.execute(select(Order).where(tenant_condition(Order, organization_id), Order.id == order_id))
    return result.scalar_one_or_none()


async def lines(
    session: AsyncSession, order_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[OrderItem]], dict[uuid.UUID, list[Shipment]]]:
    items: dict[uuid.UUID, list[OrderItem]] = {o: [] for o in order_ids}
    shipments: dict[uuid.UUID, list[Shipment]] = {o: [] for o in order_ids}
    if not order_ids:
        return items, shipments
    for item in (
        await session.execute(select(OrderItem).where(OrderItem.order_id.in_(order_ids)).order_by(OrderItem.position))
    ).scalars():
        items[item.order_id].append(item)
    for shipment in (
        await session.execute(select(Shipment).where(Shipment.order_id.in_(order_ids)).order_by(Shipment.position))
    ).scalars():
        shipments[shipment.order_id].append(shipment)
    return items, shipments


async def replace_lines(session: AsyncSession, order: Order, items: list[OrderItem], shipments: list[Shipment]) -> None:
    await session.execute(delete(OrderItem).where(OrderItem.order_id == order.id))
    await session.execute(delete(Shipment).where(Shipment.order_id == order.id))
    session.add_all(items)
    session.add_all(shipments)


async def link_conversations(session: AsyncSession, order: Order) -> None:
    """Conversations that named this order id before the ERP pushed it now point at it."""
    await session.execute(
        update(Conversation)
        .where(
            tenant_condition(Conversation, order.organization_id),
            Conversation.order_external_id == order.external_id,
            Conversation.order_id.is_(None),
        )
        .values(order_id=order.id)
    )


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> list[Order]:
    stmt = select(Order).where(tenant_condition(Order, organization_id))
    if customer_id:
        stmt = stmt.where(Order.customer_id == customer_id)
    if after:
        stmt = stmt.where(tuple_(Order.created_at, Order.id) < tuple_(after[0], after[1]))
    stmt = stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())
