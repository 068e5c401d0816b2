"""Orders pushed by the ERP so agents and templates see items, status and tracking."""

from __future__ import annotations

import uuid
from datetime import datetime

from api import audit
from api.auth.principal import Principal
from api.channel import repository as channel_repository
from api.customer import repository as customer_repository
from api.customer import service as customer_service
from api.db import Session
from api.kit.errors import InvalidInput, field_error
from api.models import Order, OrderItem, Shipment
from api.order import repository
from api.order.schemas import OrderItemRead, OrderRead, OrderUpsert, ShipmentRead


async def upsert(session: Session, principal: Principal, external_id: str, data: OrderUpsert) -> tuple[Order, bool]:
    org = principal.organization_id
    marketplace: str | None = data.marketplace
    if data.channel_id:
        try:
            channel = await channel_repository.get(session, org, data.channel_id)
        except Exception as exc:
            raise InvalidInput("No such channel.", errors=field_error("body.channel_id", "no such channel")) from exc
        if marketplace and marketplace != channel.marketplace:
            raise InvalidInput(
                "The order's marketplace differs from its channel's.",
                errors=field_error("body.marketplace", f"channel is on {channel.marketplace}"),
            )
        marketplace = channel.marketplace
    customer_id = None
    if data.buyer:
        if not marketplace:
            raise InvalidInput(
                "A buyer needs a marketplace (or a channel) to be identified.",
                errors=field_error("body.marketplace", "required when buyer is given"),
            )
        customer_id = await customer_repository.upsert(
            session, org, marketplace, data.buyer.external_id, data.buyer.name, data.buyer.email
        )
    order = await repository.by_external_id(session, org, external_id)
    created = order is None
    if order is None:
        order = Order(id=uuid.uuid4(), organization_id=org, external_id=external_id)
        session.add(order)
    order.marketplace = marketplace or order.marketplace
    order.channel_id = data.channel_id or order.channel_id
    order.customer_id = customer_id or order.customer_id
    for field in (
        "status",
        "currency",
        "total_amount",
        "placed_at",
        "ship_by",
        "estimated_delivery",
        "ship_to_country",
        "buyer_locale",
    ):
        setattr(order, field, getattr(data, field))
    await session.flush()
    items = [
        OrderItem(
            organization_id=org,
            order_id=order.id,
            position=i,
            sku=it.sku,
            item_external_id=it.item_id,
            title=it.title,
            quantity=it.quantity,
            unit_price=it.unit_price,
        )
        for i, it in enumerate(data.items)
    ]
    shipments = [
        Shipment(
            organization_id=org,
            order_id=order.id,
            position=i,
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            tracking_url=s.tracking_url,
            status=s.status,
            shipped_at=s.shipped_at,
            estimated_delivery=s.estimated_delivery,
        )
        for i, s in enumerate(data.shipments)
    ]
    await repository.replace_lines(session, order, items, shipments)
    await repository.link_conversations(session, order)
    await session.flush()
    if order.customer_id is not None:
        # A new order can merge the buyer's identities (an email or phone seen elsewhere) and move
        # the profile's tier.
        await customer_service.after_order(
            session, org, order.customer_id, phone=data.buyer.phone if data.buyer and customer_id else None
        )
    await session.refresh(order)
    audit.record(
        session,
        principal,
        org,
        "order.created" if created else "order.updated",
        "order",
        order.id,
        {"order_id": external_id, "status": order.status},
    )
    return order, created


async def read_many(session: Session, orders: list[Order]) -> list[OrderRead]:
    items, shipments = await repository.lines(session, [o.id for o in orders])
    return [
        OrderRead.model_validate(
            {
                **{
                    c: getattr(o, c)
                    for c in (
                        "id",
                        "external_id",
                        "marketplace",
                        "channel_id",
                        "customer_id",
                        "status",
                        "currency",
                        "total_amount",
                        "placed_at",
                        "ship_by",
                        "estimated_delivery",
                        "ship_to_country",
                        "buyer_locale",
                        "created_at",
                        "updated_at",
                    )
                },
                "items": [OrderItemRead.model_validate(i) for i in items[o.id]],
                "shipments": [ShipmentRead.model_validate(s) for s in shipments[o.id]],
            }
        )
        for o in orders
    ]


async def read_one(session: Session, order: Order) -> OrderRead:
    return (await read_many(session, [order]))[0]


def cursor_key(order: Order) -> tuple[datetime, uuid.UUID]:
    return order.created_at, order.id
