"""Marketplace context refreshed beside polling: Walmart's orders (the Orders API gives agents
items, status and tracking) and its Seller Response Rate summary, kept beside Hourglass's own rate
for the same channel and window so the two can be reconciled."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from api import audit
from api.channel.connectors.base import Connector
from api.channel.connectors.walmart import WalmartConnector, order_upsert
from api.channel.connectors.window import parse_time
from api.customer import repository as customer_repository
from api.customer import service as customer_service
from api.kit.time import utc_now
from api.models import Channel, Order, OrderItem, Shipment
from api.order import repository as order_repository
from api.sync import repository, state
from api.sync.runtime import SyncRuntime

ORDERS_EVERY = timedelta(minutes=10)
METRICS_EVERY = timedelta(minutes=30)
RATE_WINDOW_DAYS = 30
MARKETPLACE_CLOCKS = ("marketplace_first_response", "marketplace_next_response")


async def refresh(rt: SyncRuntime, channel: Channel, connector: Connector) -> None:
    if not isinstance(connector, WalmartConnector) or not connector.has_api:
        return
    now = utc_now()
    done: dict[str, Any] = dict((channel.sync_cursor or {}).get("context") or {})
    orders_at = parse_time(done.get("orders_at"))
    if orders_at is None or now - orders_at >= ORDERS_EVERY:
        since = (orders_at - timedelta(hours=1)) if orders_at else now - timedelta(days=30)
        orders = await connector.orders_since(since)
        async with rt.sessionmaker.begin() as session:
            for order in orders:
                await upsert_order(session, channel, order_upsert(order))
            done["orders_at"] = state.iso(now)
            await state.patch(session, channel.id, {"context": done})
    metrics_at = parse_time(done.get("metrics_at"))
    if metrics_at is None or now - metrics_at >= METRICS_EVERY:
        payload = await connector.response_rate(RATE_WINDOW_DAYS)
        async with rt.sessionmaker.begin() as session:
            ours = await our_rate(session, channel, RATE_WINDOW_DAYS)
            done["metrics_at"] = state.iso(now)
            await state.patch(
                session,
                channel.id,
                {"context": done, "response_rate": reconcile(payload, ours, RATE_WINDOW_DAYS, now.isoformat())},
            )


def reconcile(payload: dict[str, Any] | None, ours: dict[str, Any], days: int, at: str) -> dict[str, Any]:
    """Walmart's figure (percent) beside ours (a fraction), and the gap in points (pure)."""
    theirs = None
    if payload:
        theirs = {
            "rate": round(float(payload.get("overallRate", 0)) / 100, 4),
            "trend": payload.get("cumulativeRateTrend"),
            "risk": payload.get("performanceRiskLevel"),
            "messages": payload.get("totalCustomerMessages"),
        }
    gap = None
    if theirs is not None and ours.get("rate") is not None:
        gap = round((ours["rate"] - theirs["rate"]) * 100, 2)
    return {"window_days": days, "fetched_at": at, "marketplace": theirs, "ours": ours, "gap_points": gap}


async def our_rate(session: Any, channel: Channel, days: int) -> dict[str, Any]:
    """The SLA engine's reading for this channel: marketplace clocks met vs missed in the window (a
    running clock past its due time counts as missed)."""
    now = utc_now()
    met, missed = await repository.clock_outcomes(session, channel, MARKETPLACE_CLOCKS, now - timedelta(days=days), now)
    total = met + missed
    return {"rate": round(met / total, 4) if total else None, "met": met, "missed": missed}


async def upsert_order(session: Any, channel: Channel, fields: dict[str, Any]) -> Order:
    """An order from the marketplace's API, as the ERP would push it (PUT /v1/orders semantics)."""
    org = channel.organization_id
    customer_id = None
    if fields.get("buyer_email"):
        customer_id = await customer_repository.upsert(
            session, org, channel.marketplace, fields["buyer_email"], fields.get("buyer_name"), fields["buyer_email"]
        )
    order = await order_repository.by_external_id(session, org, fields["external_id"])
    created = order is None
    if order is None:
        order = Order(id=uuid.uuid4(), organization_id=org, external_id=fields["external_id"])
        session.add(order)
    order.marketplace = channel.marketplace
    order.channel_id = channel.id
    order.customer_id = customer_id or order.customer_id
    order.status = fields["status"]
    order.currency = fields.get("currency")
    order.total_amount = Decimal(str(fields["total_amount"])) if fields.get("total_amount") is not None else None
    for name in ("placed_at", "ship_by", "estimated_delivery"):
        setattr(order, name, parse_time(fields.get(name)))
    order.ship_to_country = fields.get("ship_to_country")
    await session.flush()
    items = [
        OrderItem(
            organization_id=org,
            order_id=order.id,
            position=i,
            sku=it.get("sku"),
            title=it["title"],
            quantity=it["quantity"],
            unit_price=Decimal(str(it["unit_price"])) if it.get("unit_price") is not None else None,
        )
        for i, it in enumerate(fields["items"])
    ]
    shipments = [
        Shipment(
            organization_id=org,
            order_id=order.id,
            position=i,
            carrier=s.get("carrier"),
            tracking_number=s.get("tracking_number"),
            tracking_url=s.get("tracking_url"),
            shipped_at=parse_time(s.get("shipped_at")),
        )
        for i, s in enumerate(fields["shipments"])
    ]
    await order_repository.replace_lines(session, order, items, shipments)
    await order_repository.link_conversations(session, order)
    if order.customer_id is not None:
        await session.flush()
        await customer_service.after_order(session, org, order.customer_id)
    if created:
        audit.record(
            session, None, org, "order.created", "order", order.id, {"order_id": order.external_id, "source": "walmart"}
        )
    return order
