"""SQL of the template library: the facts a conversation gives its templates' variables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Channel, Conversation, Customer, Order, OrderItem, Shipment


@dataclass(frozen=True)
class ConversationFacts:
    store_name: str | None
    customer_name: str | None
    order_status: str | None
    order_eta: datetime | None
    item_title: str | None
    tracking_number: str | None
    tracking_url: str | None
    carrier: str | None
    shipment_eta: datetime | None


async def conversation_facts(session: AsyncSession, conversation: Conversation) -> ConversationFacts:
    """The store, the buyer's name, the order, its first item and latest shipment, in one statement
    (templates are rendered on the hot paths: auto-replies and the composer's suggestions)."""
    org = conversation.organization_id
    store = select(Channel.name).where(Channel.id == conversation.channel_id, Channel.organization_id == org)
    buyer = select(Customer.display_name).where(
        Customer.id == conversation.customer_id, Customer.organization_id == org
    )
    order = (
        select(Order.id, Order.status, Order.estimated_delivery)
        .where(Order.id == conversation.order_id, Order.organization_id == org)
        .subquery()
    )
    item = (
        select(OrderItem.title)
        .where(OrderItem.order_id == order.c.id)
        .order_by(OrderItem.position)
        .limit(1)
        .scalar_subquery()
    )
    ship = (
        select(Shipment.tracking_number, Shipment.tracking_url, Shipment.carrier, Shipment.estimated_delivery)
        .where(Shipment.order_id == order.c.id)
        .order_by(Shipment.position.desc())
        .limit(1)
        .lateral()
    )
    one = select(literal(1).label("one")).subquery()
    row = (
        await session.execute(
            select(
                store.scalar_subquery(),
                buyer.scalar_subquery(),
                order.c.status,
                order.c.estimated_delivery,
                item,
                ship.c.tracking_number,
                ship.c.tracking_url,
                ship.c.carrier,
                ship.c.estimated_delivery,
            )
            .select_from(one)
            .outerjoin(order, true())
            .outerjoin(ship, true())
        )
    ).one()
    return ConversationFacts(*row)
