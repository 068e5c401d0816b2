"""SQL of the template library: its rows by id, starter key, language and filter, the starters and
usage counts written, what uses a template, and the facts a conversation gives its templates' variables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import escape_like
from api.kit.scoped import readable_columns
from api.kit.time import utc_now
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


async def get(session: AsyncSession, organization_id: uuid.UUID, template_id: uuid.UUID) -> Template | None:
    """The organization's template with this id (None for another organization's)."""
    return await Scoped(session, Template, organization_id).get(template_id)


async def by_starter(session: AsyncSession, organization_id: uuid.UUID, starter_key: str) -> Template | None:
    """The organization's copy of a starter template."""
    templates = Scoped(session, Template, organization_id)
    stmt = templates.select().where(Template.starter_key == starter_key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_variant(session: AsyncSession, template: Template, language: str) -> Template | None:
    """The active template of the same organization and name in another language."""
    templates = Scoped(session, Template, template.organization_id)
    stmt = templates.select().where(
        Template.name == template.name, Template.language == language, Template.is_active.is_(True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def has_any(session: AsyncSession, organization_id: uuid.UUID) -> bool:
    """Whether the organization's library holds any template."""
    stmt = Scoped(session, Template, organization_id).select(Template.id).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def add_missing(session: AsyncSession, organization_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
    """Insert templates into the organization's library in one statement, skipping any whose name and
    language it already holds (two first requests racing)."""
    await session.execute(
        insert(Template)
        .values([{"id": uuid.uuid4(), "organization_id": organization_id, **row} for row in rows])
        .on_conflict_do_nothing(index_elements=[Template.organization_id, Template.name, Template.language])
    )


async def count_use(session: AsyncSession, template_id: uuid.UUID) -> None:
    """One more use of the template, now. By its id alone: the callers send a template they read for
    the organization."""
    await session.execute(
        update(Template)
        .where(Template.id == template_id)
        .values(usage_count=Template.usage_count + 1, last_used_at=utc_now())
    )


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
    store = readable_columns(Channel, org, Channel.name).where(Channel.id == conversation.channel_id)
    buyer = readable_columns(Customer, org, Customer.display_name).where(Customer.id == conversation.customer_id)
    order = (
        readable_columns(Order, org, Order.id, Order.status, Order.estimated_delivery)
        .where(Order.id == conversation.order_id)
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
