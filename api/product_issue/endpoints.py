from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance.schemas import Marketplace
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.product_issue import service
from api.product_issue.schemas import ProductIssueExample, ProductIssueReport, ProductIssueTrend

router = APIRouter(
    prefix="/v1/product-issues", tags=["product-issues"], responses=problem_responses(401, 403, 422, 429)
)
MetricsReader = Annotated[Principal, Depends(require("metrics:read"))]
Reason = Literal["damaged", "wrong_item", "missing_part", "late", "not_as_described", "sizing"]

FromQuery = Query(default=None, alias="from", description="Start of the period (messages sent); default 8 weeks ago")
ToQuery = Query(default=None, alias="to", description="End of the period (exclusive); default now; at most 366 days")


@router.get("", response_model=ProductIssueReport)
async def product_issues(
    session: SessionDep,
    principal: MetricsReader,
    start: AwareDatetime | None = FromQuery,
    end: AwareDatetime | None = ToQuery,
    reason: Reason | None = Query(default=None),
    marketplace: Marketplace | None = Query(default=None),
) -> ProductIssueReport:
    """Per SKU: buyer messages giving a product-issue reason (damaged, wrong item, missing part,
    late, not as described, sizing), conversations, units ordered and the rate per 1,000 units, a
    weekly trend, and whether the latest week's rate jumped against the 4 weeks before it
    (jumped products first)."""
    return await service.report(session, principal.organization_id, start, end, reason, marketplace)


@router.get("/trend", response_model=ProductIssueTrend)
async def product_issue_trend(
    session: SessionDep,
    principal: MetricsReader,
    sku: str = Query(max_length=100, description="'' for unattributed messages"),
    bucket: Literal["day", "week"] = Query(default="week"),
    start: AwareDatetime | None = FromQuery,
    end: AwareDatetime | None = ToQuery,
    reason: Reason | None = Query(default=None),
) -> ProductIssueTrend:
    """One SKU's messages, units ordered and rate per day (at most 92 days) or week."""
    return await service.trend(session, principal.organization_id, sku, bucket, start, end, reason)


@router.get("/examples", response_model=list[ProductIssueExample])
async def product_issue_examples(
    session: SessionDep,
    principal: MetricsReader,
    sku: str | None = Query(default=None, max_length=100),
    reason: Reason | None = Query(default=None),
    marketplace: Marketplace | None = Query(default=None),
    start: AwareDatetime | None = FromQuery,
    end: AwareDatetime | None = ToQuery,
    limit: int = Query(default=20, ge=1, le=100),
) -> list[ProductIssueExample]:
    """The buyer messages behind a number (newest first), each with its conversation to open."""
    return await service.examples(
        session, principal.organization_id, start, end, limit, sku=sku, reason=reason, marketplace=marketplace
    )
