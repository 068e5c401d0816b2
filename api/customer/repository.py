from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal_column, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause

from api.customer.tiers import VOID_STATUSES, OrderFact
from api.kit.errors import NotFound
from api.kit.scoped import readable_columns, tenant_condition
from api.models import Conversation, Customer, CustomerTierRules, Order

# `insert().excluded` builds an alias of the whole table on every call; naming the two columns we
# need is equivalent SQL without that per-request cost on the ingest hot path.
_EXCLUDED_NAME: ColumnClause[str] = literal_column("excluded.display_name")
_EXCLUDED_EMAIL: ColumnClause[str | None] = literal_column("excluded.email")


async def upsert(
    session: AsyncSession,
    organization_id: uuid.UUID,
    marketplace: str,
    external_buyer_id: str,
    name: str | None,
    email: str | None,
) -> uuid.UUID:
    """One profile per (marketplace, buyer id); later sightings fill in a missing name or email."""
    stmt = insert(Customer).values(
        id=uuid.uuid4(),
        organization_id=organization_id,
        marketplace=marketplace,
        external_buyer_id=external_buyer_id,
        display_name=name or "",
        email=email,
    )
    upsert_stmt = stmt.on_conflict_do_update(
        index_elements=[Customer.organization_id, Customer.marketplace, Customer.external_buyer_id],
        set_={
            "display_name": func.coalesce(func.nullif(_EXCLUDED_NAME, ""), Customer.display_name),
            "email": func.coalesce(_EXCLUDED_EMAIL, Customer.email),
        },
        # Skip the write (and the row lock churn) when nothing new was learned.
        where=(
            (func.coalesce(func.nullif(_EXCLUDED_NAME, ""), Customer.display_name) != Customer.display_name)
            | (func.coalesce(_EXCLUDED_EMAIL, Customer.email).is_distinct_from(Customer.email))
        ),
    ).returning(Customer.id, Customer.tier)
    # One round trip whether or not the row was written: the upsert in a CTE, else the row as it is.
    written = upsert_stmt.cte("written")
    same = (
        (tenant_condition(Customer, organization_id))
        & (Customer.marketplace == marketplace)
        & (Customer.external_buyer_id == external_buyer_id)
    )
    unchanged = select(Customer.id, Customer.tier).where(same, ~select(written.c.id).exists())
    row = (await session.execute(select(written.c.id, written.c.tier).union_all(unchanged))).first()
    if row is None:
        # Inserted by a transaction that committed after this statement's snapshot was taken.
        row = (await session.execute(select(Customer.id, Customer.tier).where(same))).one()
    # The SLA policy choice right after ingest needs the tier: remembered for this transaction only.
    session.info.setdefault(TIER_MEMO, {})[row.id] = row.tier
    return row.id


TIER_MEMO = "customer_tier"


async def tier(session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID) -> str:
    """The buyer's tier, from this transaction's upsert when it just happened."""
    known = session.info.get(TIER_MEMO, {}).get(customer_id)
    if known is not None:
        return str(known)
    stmt = readable_columns(Customer, organization_id, Customer.tier).where(Customer.id == customer_id)
    return str((await session.execute(stmt)).scalar_one())


async def get(session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    result = await session.execute(
        select(Customer).where(Customer.id == customer_id, tenant_condition(Customer, organization_id))
    )
    customer = result.scalar_one_or_none()
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    return customer


async def get_many(session: AsyncSession, organization_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    result = await session.execute(
        select(Customer).where(tenant_condition(Customer, organization_id), Customer.id.in_(ids))
    )
    return {c.id: c for c in result.scalars()}


def _root() -> Any:
    return func.coalesce(Customer.merged_into_id, Customer.id)


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    q: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    tier: str | None = None,
) -> list[Customer]:
    """Profiles (merged identities appear once, as their root), by name. `q` matches a name prefix,
    an exact email, phone or buyer id of any identity of the profile."""
    stmt = select(Customer).where(tenant_condition(Customer, organization_id), Customer.merged_into_id.is_(None))
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matching = select(_root()).where(
            tenant_condition(Customer, organization_id),
            func.lower(Customer.display_name).like(escaped + "%", escape="\\")
            | (func.lower(Customer.email) == q.lower())
            | (Customer.phone == q)
            | (Customer.external_buyer_id == q),
        )
        stmt = stmt.where(Customer.id.in_(matching))
    if tier:
        stmt = stmt.where(Customer.tier == tier)
    if after:
        stmt = stmt.where(tuple_(func.lower(Customer.display_name), Customer.id) > tuple_(after[0], after[1]))
    stmt = stmt.order_by(func.lower(Customer.display_name), Customer.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def root_id(session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID) -> uuid.UUID:
    found = (
        await session.execute(
            select(_root()).where(Customer.id == customer_id, tenant_condition(Customer, organization_id))
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No customer {customer_id}.")
    return uuid.UUID(str(found))


async def members(session: AsyncSession, organization_id: uuid.UUID, root: uuid.UUID) -> list[Customer]:
    """The root first, then the identities merged into it, oldest first."""
    rows = await session.execute(
        select(Customer)
        .where(
            tenant_condition(Customer, organization_id),
            or_(Customer.id == root, Customer.merged_into_id == root),
        )
        .order_by(Customer.merged_into_id.is_not(None), Customer.created_at, Customer.id)
        .with_for_update()
        # Tiers and pointers are written with bulk UPDATEs: read the rows as they are now.
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


# The profile an identity should join: another identity of the organization with the same email
# (or buyer id spelled as an email: relay aliases) or phone, oldest first. Only an identity that is
# its own profile with nobody merged into it, and not split off by hand, is merged automatically.
_AUTO_MATCH = text(
    """
    SELECT coalesce(o.merged_into_id, o.id) AS root,
           CASE WHEN me.phone IS NOT NULL AND o.phone = me.phone THEN 'phone' ELSE 'email' END AS identifier
    FROM customers me
    JOIN customers o ON o.organization_id = me.organization_id AND o.id <> me.id AND (
         lower(o.email) = lower(coalesce(me.email, CASE WHEN me.external_buyer_id LIKE '%_@_%'
                                                          THEN me.external_buyer_id END))
         OR (me.phone IS NOT NULL AND o.organization_id = me.organization_id AND o.phone = me.phone))
    WHERE me.id = :id AND me.organization_id = :org AND me.merged_into_id IS NULL AND me.auto_merge
      AND NOT EXISTS (SELECT 1 FROM customers m WHERE m.merged_into_id = me.id)
      AND coalesce(o.merged_into_id, o.id) <> me.id
    ORDER BY o.created_at, o.id
    LIMIT 1
    """
)


async def auto_merge_target(
    session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID
) -> tuple[uuid.UUID, str] | None:
    row = (await session.execute(_AUTO_MATCH, {"id": customer_id, "org": organization_id})).first()
    return (row.root, row.identifier) if row else None


async def point_at(
    session: AsyncSession, organization_id: uuid.UUID, roots: list[uuid.UUID], target: uuid.UUID
) -> None:
    """Merge the profiles `roots` (with everything merged into them) into `target`."""
    await session.execute(
        update(Customer)
        .where(
            tenant_condition(Customer, organization_id),
            or_(Customer.id.in_(roots), Customer.merged_into_id.in_(roots)),
        )
        .values(merged_into_id=target, auto_merge=True)
        .execution_options(synchronize_session=False)
    )


async def detach(session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    await session.execute(
        update(Customer)
        .where(tenant_condition(Customer, organization_id), Customer.id == customer_id)
        .values(merged_into_id=None, auto_merge=False)
        .execution_options(synchronize_session=False)
    )


async def order_facts(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> list[OrderFact]:
    rows = await session.execute(
        select(
            func.coalesce(Order.placed_at, Order.created_at), Order.status, Order.currency, Order.total_amount
        ).where(tenant_condition(Order, organization_id), Order.customer_id.in_(ids))
    )
    return [OrderFact(at, status, currency, amount) for at, status, currency, amount in rows]


COMPLAINT_CATEGORIES = ("complaint", "bbb_complaint", "attorney_general_complaint")


async def last_complaint(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> datetime | None:
    found: datetime | None = (
        await session.execute(
            select(func.max(Conversation.created_at)).where(
                tenant_condition(Conversation, organization_id),
                Conversation.customer_id.in_(ids),
                Conversation.category.in_(COMPLAINT_CATEGORIES),
            )
        )
    ).scalar_one_or_none()
    return found


async def write_tier(
    session: AsyncSession, organization_id: uuid.UUID, root: uuid.UUID, tier: str, reason: str | None, source: str
) -> None:
    """The profile's tier on every identity of it: the SLA policy and automation read an identity's."""
    await session.execute(
        update(Customer)
        .where(tenant_condition(Customer, organization_id), or_(Customer.id == root, Customer.merged_into_id == root))
        .values(tier=tier, tier_reason=reason, tier_source=source)
        .execution_options(synchronize_session=False)
    )


async def stats(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[str, Any]:
    """Lifetime value per currency (orders that stayed sold), order and conversation counts."""
    sold = func.lower(Order.status).not_in(VOID_STATUSES)
    value_rows = await session.execute(
        select(Order.currency, func.sum(Order.total_amount), func.count())
        .where(tenant_condition(Order, organization_id), Order.customer_id.in_(ids), sold)
        .group_by(Order.currency)
    )
    values: list[dict[str, Any]] = []
    orders = 0
    for currency, amount, count in value_rows:
        orders += count
        if currency and amount is not None:
            values.append({"currency": currency, "amount": Decimal(amount)})
    all_orders, conversations = (
        await session.execute(
            select(
                select(func.count())
                .where(tenant_condition(Order, organization_id), Order.customer_id.in_(ids))
                .scalar_subquery(),
                select(func.count())
                .where(tenant_condition(Conversation, organization_id), Conversation.customer_id.in_(ids))
                .scalar_subquery(),
            )
        )
    ).one()
    return {
        "lifetime_value": sorted(values, key=lambda v: -v["amount"]),
        "order_count": int(all_orders),
        "sold_order_count": orders,
        "conversation_count": int(conversations),
    }


async def conversations_of(
    session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID], limit: int
) -> list[Conversation]:
    rows = await session.execute(
        select(Conversation)
        .where(tenant_condition(Conversation, organization_id), Conversation.customer_id.in_(ids))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def orders_of(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID], limit: int) -> list[Order]:
    at = func.coalesce(Order.placed_at, Order.created_at)
    rows = await session.execute(
        select(Order)
        .where(tenant_condition(Order, organization_id), Order.customer_id.in_(ids))
        .order_by(at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def tier_rules(session: AsyncSession, organization_id: uuid.UUID) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (
        await session.execute(
            select(CustomerTierRules.rules).where(tenant_condition(CustomerTierRules, organization_id))
        )
    ).scalar_one_or_none()
    return found


async def save_tier_rules(session: AsyncSession, organization_id: uuid.UUID, rules: dict[str, Any]) -> None:
    stmt = insert(CustomerTierRules).values(organization_id=organization_id, rules=rules)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CustomerTierRules.organization_id], set_={"rules": rules, "updated_at": func.now()}
        )
    )


async def roots_with_computed_tiers(session: AsyncSession, organization_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(Customer.id).where(
            tenant_condition(Customer, organization_id),
            Customer.merged_into_id.is_(None),
            Customer.tier_source == "computed",
        )
    )
    return list(rows.scalars())
