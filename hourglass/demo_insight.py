"""The demo's insight data: CSAT switched on, and six weeks of mug orders on the ERP feed with a few
buyers writing that their mug arrived broken, then a bad last week, so the product-issue report shows
a damage rate that jumped and the messages behind it. Idempotent (keyed on the first demo order)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import SCOPES, Principal
from api.kit.time import utc_now
from api.message.inbound import InboundMessage
from api.message.pipeline import receive_many
from api.models import Channel, CsatSettings, Order
from api.order import service as order_service
from api.order.schemas import OrderItemIn, OrderUpsert

WEEKS = 6
UNITS_PER_WEEK = 120
# Broken-mug messages per week, oldest first: about 1 per 100 units, then 6 in the latest week.
BROKEN = (1, 1, 2, 1, 1, 6)
TEXTS = (
    "The mug arrived broken, the handle snapped off in the box.",
    "杯子收到时已经碎了，包装太薄了。",
    "La taza llegó rota, el embalaje estaba aplastado.",
    "One of the two mugs is cracked, can you send a replacement?",
)


async def seed_demo_insight(session: AsyncSession, organization_id: uuid.UUID, channel: Channel) -> None:
    if await session.get(CsatSettings, organization_id) is None:
        # A short delay, so resolving an eBay conversation in the demo shows the question within minutes.
        session.add(
            CsatSettings(organization_id=organization_id, enabled=True, delay_minutes=2, forms={}, questions={})
        )
    first = await session.execute(
        select(Order.id).where(Order.organization_id == organization_id, Order.external_id == "DEMO-MUG-1")
    )
    if first.scalar_one_or_none() is not None:
        return
    principal = Principal(organization_id=organization_id, scopes=frozenset(SCOPES), name="demo")
    now = utc_now()
    inbounds: list[InboundMessage] = []
    n = 0
    for week, broken in enumerate(BROKEN):
        # Two days back, so even the latest week's messages are old enough to get no acknowledgement.
        placed = now - timedelta(weeks=WEEKS - 1 - week, days=2)
        for i in range(broken + 2):
            n += 1
            order_id = f"DEMO-MUG-{n}"
            quantity = UNITS_PER_WEEK // (broken + 2)
            await order_service.upsert(
                session,
                principal,
                order_id,
                OrderUpsert(
                    channel_id=channel.id,
                    status="delivered",
                    placed_at=placed,
                    items=[OrderItemIn(sku="MUG-350", title="Ceramic mug 350 ml", quantity=quantity)],
                ),
            )
            if i < broken:
                inbounds.append(
                    InboundMessage(
                        external_message_id=f"demo-mug-{n}",
                        external_thread_id=f"demo-mug-{n}",
                        buyer_external_id=f"demo-buyer-{n}",
                        buyer_name=f"Buyer {n}",
                        order_id=order_id,
                        subject="Broken mug",
                        body=TEXTS[n % len(TEXTS)],
                        sent_at=placed + timedelta(hours=1 + i),
                    )
                )
    # Stored as any synced message is; the automation pass records the reasons per SKU.
    await receive_many(session, channel, inbounds)
