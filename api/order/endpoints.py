from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.kit.pagination import CursorScope
from api.order import repository, service
from api.order.schemas import OrderPage, OrderRead, OrderUpsert

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("orders:read"))]
Writer = Annotated[Principal, Depends(require("orders:write"))]
OrderIdPath = Annotated[str, Path(min_length=1, max_length=100, description="The marketplace's order id")]


@router.put("/{order_id}", response_model=OrderRead, responses={201: {"model": OrderRead, "description": "Created"}})
async def upsert_order(
    order_id: OrderIdPath, body: OrderUpsert, response: Response, session: SessionDep, principal: Writer
) -> OrderRead:
    """Create or replace an order by its marketplace order id (items and shipments are replaced whole).

    Conversations that mention this order id are linked to it, so agents and templates see its
    items, status and tracking. Returns 201 when the order is new, 200 when it was replaced.
    """
    order, created = await service.upsert(session, principal, order_id, body)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return await service.read_one(session, order)


@router.get("/{order_id}", response_model=OrderRead, responses=problem_responses(404))
async def get_order(order_id: OrderIdPath, session: SessionDep, principal: Reader) -> OrderRead:
    """One order with its items and shipments."""
    order = await repository.get_by_external_id(session, principal.organization_id, order_id)
    return await service.read_one(session, order)


@router.get("", response_model=OrderPage)
async def list_orders(
    session: SessionDep,
    principal: Reader,
    customer_id: uuid.UUID | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> OrderPage:
    """Orders, newest first, optionally for one customer."""
    scope = CursorScope("orders:created", {"org": principal.organization_id, "customer_id": customer_id})
    after = scope.read(cursor)
    orders = await repository.page(session, principal.organization_id, customer_id, after, limit + 1)
    has_more = len(orders) > limit
    orders = orders[:limit]
    next_cursor = scope.issue(orders[-1].created_at, orders[-1].id) if has_more else None
    return OrderPage(items=await service.read_many(session, orders), next_cursor=next_cursor)
