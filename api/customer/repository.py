from __future__ import annotations

import uuid

from sqlalchemy import func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause

from api.kit.errors import NotFound
from api.models import Customer

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
        (Customer.organization_id == organization_id)
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


async def tier(session: AsyncSession, customer_id: uuid.UUID) -> str:
    """The buyer's tier, from this transaction's upsert when it just happened."""
    known = session.info.get(TIER_MEMO, {}).get(customer_id)
    if known is not None:
        return str(known)
    return str((await session.execute(select(Customer.tier).where(Customer.id == customer_id))).scalar_one())


async def get(session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    result = await session.execute(
        select(Customer).where(Customer.id == customer_id, Customer.organization_id == organization_id)
    )
    customer = result.scalar_one_or_none()
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    return customer


async def get_many(session: AsyncSession, organization_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    result = await session.execute(
        select(Customer).where(Customer.organization_id == organization_id, Customer.id.in_(ids))
    )
    return {c.id: c for c in result.scalars()}


async def page(
    session: AsyncSession, organization_id: uuid.UUID, q: str | None, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[Customer]:
    stmt = select(Customer).where(Customer.organization_id == organization_id)
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            func.lower(Customer.display_name).like(escaped + "%", escape="\\")
            | (func.lower(Customer.email) == q.lower())
            | (Customer.external_buyer_id == q)
        )
    if after:
        stmt = stmt.where(tuple_(func.lower(Customer.display_name), Customer.id) > tuple_(after[0], after[1]))
    stmt = stmt.order_by(func.lower(Customer.display_name), Customer.id).limit(limit)
    return list((await session.execute(stmt)).scalars())
