from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.conversation import service as conversation_service
from api.conversation.schemas import ConversationRead
from api.customer import repository, service
from api.customer.schemas import (
    CustomerIdentity,
    CustomerMerge,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
    MoneyAmount,
    Tier,
    TierRulesRead,
)
from api.customer.tiers import TierRules
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.kit.pagination import CursorScope
from api.order import service as order_service
from api.order.schemas import OrderRead

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("customers:read"))]
Writer = Annotated[Principal, Depends(require("customers:write"))]
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
SettingsWriter = Annotated[Principal, Depends(require("settings:write"))]

PROFILE_LIMIT = 50


class CustomerDetail(CustomerRead):
    """A profile: its own fields, every identity merged into it, and the conversations and orders of
    all of them (the latest 50 of each) across marketplaces."""

    identities: list[CustomerIdentity]
    marketplaces: list[str]
    lifetime_value: list[MoneyAmount]
    order_count: int
    conversation_count: int
    conversations: list[ConversationRead]
    orders: list[OrderRead]


@router.get("", response_model=CustomerPage)
async def list_customers(
    session: SessionDep,
    principal: Reader,
    q: str | None = Query(
        default=None,
        min_length=1,
        max_length=200,
        description="Name prefix, or the exact email, phone or buyer id of any identity of the profile",
    ),
    tier: Tier | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> CustomerPage:
    """Customer profiles by name; identities merged into a profile are listed once, as the profile."""
    scope = CursorScope("customers:name", {"org": principal.organization_id, "q": q, "tier": tier}, key_kind="text")
    after = scope.read(cursor)
    rows = await repository.page(session, principal.organization_id, q, after, limit + 1, tier)
    has_more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(
        items=[CustomerRead.model_validate(c) for c in rows],
        next_cursor=scope.issue(rows[-1].display_name.lower(), rows[-1].id) if has_more else None,
    )


@router.get("/tier-rules", response_model=TierRulesRead)
async def get_tier_rules(session: SessionDep, principal: SettingsReader) -> TierRulesRead:
    """The thresholds tiers are computed with (the defaults until they are changed)."""
    rules = await service.rules_for(session, principal.organization_id)
    return TierRulesRead.model_validate(rules.model_dump())


@router.put("/tier-rules", response_model=TierRulesRead)
async def put_tier_rules(body: TierRules, session: SessionDep, principal: SettingsWriter) -> TierRulesRead:
    """Change the thresholds; every computed tier is recomputed with them (tiers set by hand stay)."""
    rules = await service.set_rules(session, principal, body)
    return TierRulesRead.model_validate(rules.model_dump())


async def _detail(session: SessionDep, principal: Principal, customer_id: uuid.UUID) -> CustomerDetail:
    org = principal.organization_id
    root = await repository.root_id(session, org, customer_id)
    group = await repository.members(session, org, root)
    ids = [c.id for c in group]
    stats = await repository.stats(session, org, ids)
    conversations = await repository.conversations_of(session, org, ids, PROFILE_LIMIT)
    orders = await repository.orders_of(session, org, ids, PROFILE_LIMIT)
    return CustomerDetail.model_validate(
        {
            **CustomerRead.model_validate(group[0]).model_dump(),
            "identities": [CustomerIdentity.model_validate(c) for c in group],
            "marketplaces": sorted({c.marketplace for c in group}),
            "lifetime_value": stats["lifetime_value"],
            "order_count": stats["order_count"],
            "conversation_count": stats["conversation_count"],
            "conversations": await conversation_service.read_many(session, org, conversations),
            "orders": await order_service.read_many(session, orders),
        }
    )


@router.get("/{customer_id}", response_model=CustomerDetail, responses=problem_responses(404))
async def get_customer(customer_id: uuid.UUID, session: SessionDep, principal: Reader) -> CustomerDetail:
    """The profile a customer belongs to (any identity of it names it): identities, lifetime value,
    and the latest 50 conversations and orders across marketplaces."""
    return await _detail(session, principal, customer_id)


@router.patch("/{customer_id}", response_model=CustomerDetail, responses=problem_responses(404))
async def update_customer(
    customer_id: uuid.UUID, body: CustomerUpdate, session: SessionDep, principal: Writer
) -> CustomerDetail:
    """Set the profile's name, tags, notes or tier (by hand, until `tier_auto`), or this identity's
    email or phone (an exact match with another customer's merges them)."""
    await service.update_profile(session, principal, customer_id, body.model_dump(exclude_unset=True))
    return await _detail(session, principal, customer_id)


@router.post("/{customer_id}/merge", response_model=CustomerDetail, responses=problem_responses(404, 409))
async def merge_customers(
    customer_id: uuid.UUID, body: CustomerMerge, session: SessionDep, principal: Writer
) -> CustomerDetail:
    """Merge other customers' profiles into this one: their identities, conversations and orders
    show here from now on, tags are united, notes appended, the tier recomputed. Audited."""
    await service.merge(session, principal, customer_id, body.customer_ids)
    return await _detail(session, principal, customer_id)


@router.post("/{customer_id}/unmerge", response_model=CustomerDetail, responses=problem_responses(404, 409))
async def unmerge_customer(customer_id: uuid.UUID, session: SessionDep, principal: Writer) -> CustomerDetail:
    """Split this identity off the profile it was merged into; it becomes a profile of its own (with
    its conversations and orders) and is never merged automatically again. Audited."""
    await service.unmerge(session, principal, customer_id)
    return await _detail(session, principal, customer_id)
