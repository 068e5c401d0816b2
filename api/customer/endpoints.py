from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api import audit
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.conversation import repository as conversation_repository
from api.conversation import service as conversation_service
from api.conversation.schemas import ConversationRead
from api.customer import repository
from api.customer.schemas import CustomerPage, CustomerRead, CustomerUpdate
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.kit.pagination import CursorScope
from api.order import repository as order_repository
from api.order import service as order_service
from api.order.schemas import OrderRead

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("customers:read"))]
Writer = Annotated[Principal, Depends(require("customers:write"))]


class CustomerDetail(CustomerRead):
    conversations: list[ConversationRead]
    orders: list[OrderRead]


@router.get("", response_model=CustomerPage)
async def list_customers(
    session: SessionDep,
    principal: Reader,
    q: str | None = Query(
        default=None, min_length=1, max_length=200, description="Name prefix, exact email or buyer id"
    ),
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> CustomerPage:
    """Buyer profiles, by name."""
    scope = CursorScope("customers:name", {"org": principal.organization_id, "q": q}, key_kind="text")
    after = scope.read(cursor)
    rows = await repository.page(session, principal.organization_id, q, after, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(
        items=[CustomerRead.model_validate(c) for c in rows],
        next_cursor=scope.issue(rows[-1].display_name.lower(), rows[-1].id) if has_more else None,
    )


async def _detail(session: SessionDep, principal: Principal, customer_id: uuid.UUID) -> CustomerDetail:
    customer = await repository.get(session, principal.organization_id, customer_id)
    conversations = await conversation_repository.for_customer(session, principal.organization_id, customer.id, 50)
    orders = await order_repository.page(session, principal.organization_id, customer.id, None, 50)
    return CustomerDetail.model_validate(
        {
            **CustomerRead.model_validate(customer).model_dump(),
            "conversations": await conversation_service.read_many(session, principal.organization_id, conversations),
            "orders": await order_service.read_many(session, orders),
        }
    )


@router.get("/{customer_id}", response_model=CustomerDetail, responses=problem_responses(404))
async def get_customer(customer_id: uuid.UUID, session: SessionDep, principal: Reader) -> CustomerDetail:
    """A buyer with their latest 50 conversations and orders."""
    return await _detail(session, principal, customer_id)


@router.patch("/{customer_id}", response_model=CustomerDetail, responses=problem_responses(404))
async def update_customer(
    customer_id: uuid.UUID, body: CustomerUpdate, session: SessionDep, principal: Writer
) -> CustomerDetail:
    """Set a buyer's display name, tier, tags or notes."""
    customer = await repository.get(session, principal.organization_id, customer_id)
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is not None or field == "notes":
            setattr(customer, field, value)
    await session.flush()
    audit.record(
        session,
        principal,
        principal.organization_id,
        "customer.updated",
        "customer",
        customer.id,
        {"fields": sorted(changes)},
    )
    await session.refresh(customer)
    return await _detail(session, principal, customer_id)
