"""SQL of the template library: its rows by filter, what uses a template, and the facts a conversation
gives its templates' variables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import escape_like
from api.models import (
    AutoReplyRule,
    CaseSettings,
    Channel,
    Conversation,
    Customer,
    Order,
    OrderItem,
    Shipment,
    Template,
)
from api.rules.repository import Scoped


async def library(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    category: str | None,
    language: str | None,
    q: str | None,
    include_inactive: bool,
) -> list[Template]:
    """The organization's templates, most used first, by category, language, words in the name or
    text (`q`, matched literally), active only unless asked."""
    templates = Scoped(session, Template, organization_id)
    stmt = templates.select()
    if category:
        stmt = stmt.where(Template.category == category)
    if language:
        stmt = stmt.where(Template.language == language)
    if not include_inactive:
        stmt = stmt.where(Template.is_active.is_(True))
    if q:
        like = "%" + escape_like(q) + "%"
        stmt = stmt.where(or_(Template.name.ilike(like, escape="\\"), Template.body.ilike(like, escape="\\")))
    return await templates.rows(stmt.order_by(Template.usage_count.desc(), Template.name))


async def rules_sending(session: AsyncSession, template: Template) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the auto-reply rules with an action that sends the template, by name."""
    rules = Scoped(session, AutoReplyRule, template.organization_id)
    stmt = (
        rules.select(AutoReplyRule.id, AutoReplyRule.name)
        .where(AutoReplyRule.actions.contains([{"template_id": str(template.id)}]))
        .order_by(AutoReplyRule.name)
    )
    return [(row.id, row.name) for row in await session.execute(stmt)]


async def is_followup(session: AsyncSession, template: Template) -> bool:
    """Whether the organization's after-sales follow-up sends the template."""
    settings = Scoped(session, CaseSettings, template.organization_id)
    stmt = settings.select(CaseSettings.organization_id).where(CaseSettings.followup_template_id == template.id)
    return (await session.execute(stmt)).first() is not None


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
