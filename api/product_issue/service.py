"""Product-issue analytics: which products buyers write about, and why.

`record` runs in the automation pass on every buyer message (api/automation/service.py), the live
ones and the ones synced late alike, and stores one row per (message, SKU, reason) in
`product_issue_mentions` (idempotent). The report reads that table beside the order items (units
ordered per SKU, for the rates per 1,000 units) and flags a product whose latest week jumped
against its trailing four weeks (api/product_issue/jumps.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.automation.text import normalise
from api.db import Session
from api.kit.errors import InvalidInput, field_error
from api.kit.time import utc_now
from api.message.content import preview
from api.models import Conversation, Message, OrderItem
from api.product_issue import repository
from api.product_issue.jumps import Period, detect_jump, rate_per_1000
from api.product_issue.reasons import REASONS, classify_reasons
from api.product_issue.schemas import (
    ProductIssueExample,
    ProductIssueJump,
    ProductIssueReport,
    ProductIssueRow,
    ProductIssueTrend,
    TrendPoint,
)

MAX_RANGE = timedelta(days=366)
MAX_DAY_RANGE = timedelta(days=92)
BASELINE_WEEKS = 4


def attribute(items: list[OrderItem], text: str, item_external_id: str | None) -> list[OrderItem]:
    """The order lines a message is about: the conversation's listing, else the lines whose SKU or
    title the buyer names, else the only line; none (unattributed) when the order has several and
    the message names none of them."""
    if item_external_id:
        named = [i for i in items if item_external_id in (i.item_external_id, i.sku)]
        if named:
            return named
    words = normalise(text)
    named = [i for i in items if (i.sku and normalise(i.sku) in words) or (i.title and normalise(i.title) in words)]
    if named:
        return named
    return items[:1] if len(items) == 1 else []


async def record(session: Session, conversation: Conversation, message: Message) -> int:
    """Store the product-issue reasons of a buyer message; returns how many rows it gave."""
    if message.direction != "inbound" or message.author_kind != "buyer":
        return 0
    reasons = classify_reasons(message.body or "", message.subject)
    if not reasons:
        return 0
    items = (
        await repository.order_items(session, conversation.organization_id, conversation.order_id)
        if conversation.order_id
        else []
    )
    lines = attribute(items, f"{message.subject or ''}\n{message.body}", conversation.item_external_id)
    targets = [(i.sku or i.item_external_id or "", (i.title or "")[:300]) for i in lines] or [("", "")]
    rows = [
        {
            "id": uuid.uuid4(),
            "organization_id": conversation.organization_id,
            "message_id": message.id,
            "conversation_id": conversation.id,
            "marketplace": conversation.marketplace,
            "sku": sku[:100],
            "product_title": title,
            "reason": reason,
            "sent_at": message.sent_at,
        }
        for sku, title in dict.fromkeys(targets)
        for reason in reasons
    ]
    await repository.add_mentions(session, rows)
    return len(rows)


def check_range(
    start: datetime | None, end: datetime | None, limit: timedelta = MAX_RANGE
) -> tuple[datetime, datetime]:
    end = end or utc_now()
    start = start or end - timedelta(days=8 * 7)
    if start >= end:
        raise InvalidInput("The range is empty.", errors=field_error("query.from", "must be before `to`"))
    if end - start > limit:
        raise InvalidInput(
            f"The range is too long (at most {limit.days} days).",
            errors=field_error("query.to", f"at most {limit.days} days after `from`"),
        )
    return start, end


def _buckets(start: datetime, end: datetime, bucket: str) -> list[datetime]:
    """Bucket starts (UTC, naive as date_trunc returns them) covering [start, end)."""
    s = start.astimezone(UTC).replace(tzinfo=None)
    first = s.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(days=1)
    if bucket == "week":
        first -= timedelta(days=first.weekday())
        step = timedelta(days=7)
    out = []
    e = end.astimezone(UTC).replace(tzinfo=None)
    while first < e:
        out.append(first)
        first += step
    return out


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


async def report(
    session: Session,
    organization_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    reason: str | None = None,
    marketplace: str | None = None,
) -> ProductIssueReport:
    start, end = check_range(start, end)
    filters: dict[str, Any] = {"reason": reason, "marketplace": marketplace}
    rows = await repository.per_sku(session, organization_id, start, end, **filters)
    units = await repository.units_per_sku(session, organization_id, start, end, marketplace)
    # Rolling weeks ending at `end` (window 0 is the last 7 days): the jump compares the last 7 days
    # with the 4 weeks before them whatever the weekday, and the sparkline shows the period's weeks.
    shown = max(1, -(-(end - start).days // 7))
    windows = max(shown, BASELINE_WEEKS + 1)
    series_start = min(start, end - timedelta(weeks=windows))
    issues: dict[str, dict[int, int]] = {}
    for sku, w, n in await repository.issues_per_window(session, organization_id, series_start, end, **filters):
        issues.setdefault(sku, {})[w] = n
    sold: dict[str, dict[int, int]] = {}
    for sku, w, n in await repository.units_per_window(session, organization_id, series_start, end, marketplace):
        sold.setdefault(sku, {})[w] = n
    out = []
    for r in rows:
        sku = r["sku"]
        series = [
            Period(issues.get(sku, {}).get(w, 0), sold.get(sku, {}).get(w, 0)) for w in range(windows - 1, -1, -1)
        ]
        jump = detect_jump(series, baseline_periods=BASELINE_WEEKS)
        out.append(
            ProductIssueRow(
                sku=sku,
                title=r["title"] or "",
                messages=r["messages"],
                conversations=r["conversations"],
                reasons={x: r[x] for x in REASONS},
                units_ordered=units.get(sku, 0),
                rate_per_1000=rate_per_1000(r["messages"], units.get(sku, 0)),
                jump=ProductIssueJump(
                    jumped=jump.jumped,
                    current_rate=jump.current_rate,
                    baseline_rate=jump.baseline_rate,
                    reason=jump.reason,
                ),
                trend=[p.issues for p in series[-shown:]],
            )
        )
    out.sort(key=lambda x: (not x.jump.jumped, -(x.rate_per_1000 or 0), -x.messages, x.sku))
    return ProductIssueReport(start=start, end=end, reasons=list(REASONS), rows=out)


async def trend(
    session: Session,
    organization_id: uuid.UUID,
    sku: str,
    bucket: str,
    start: datetime | None,
    end: datetime | None,
    reason: str | None = None,
) -> ProductIssueTrend:
    start, end = check_range(start, end, MAX_DAY_RANGE if bucket == "day" else MAX_RANGE)
    got = {
        _naive(b): n
        for _, b, n in await repository.issues_per_bucket(
            session, organization_id, bucket, start, end, sku=sku, reason=reason
        )
    }
    units = {
        _naive(b): n for _, b, n in await repository.units_per_bucket(session, organization_id, bucket, start, end, sku)
    }
    points = [
        TrendPoint(
            start=b.replace(tzinfo=UTC),
            messages=got.get(b, 0),
            units_ordered=units.get(b, 0),
            rate_per_1000=rate_per_1000(got.get(b, 0), units.get(b, 0)),
        )
        for b in _buckets(start, end, bucket)
    ]
    return ProductIssueTrend(sku=sku, bucket=bucket, points=points)


async def examples(
    session: Session,
    organization_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    sku: str | None = None,
    reason: str | None = None,
    marketplace: str | None = None,
) -> list[ProductIssueExample]:
    start, end = check_range(start, end)
    rows = await repository.examples(
        session, organization_id, start, end, limit, sku=sku, reason=reason, marketplace=marketplace
    )
    return [
        ProductIssueExample(
            message_id=r["message_id"],
            conversation_id=r["conversation_id"],
            marketplace=r["marketplace"],
            sku=r["sku"],
            title=r["title"] or "",
            reasons=sorted(r["reasons"], key=REASONS.index),
            sent_at=r["sent_at"],
            subject=r["subject"],
            excerpt=preview(r["body"] or ""),
        )
        for r in rows
    ]


async def rebuild(session: Session, organization_id: uuid.UUID, since: datetime, batch: int = 1000) -> int:
    """Classify again every buyer message sent since `since` (messages stored before this table
    existed, or after the classifier changed); idempotent, in pages of `batch`. Returns how many
    messages were read. In the caller's transaction."""
    seen = 0
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        page = await repository.buyer_messages_after(session, organization_id, since, after, batch)
        for message, conversation in page:
            await record(session, conversation, message)
        seen += len(page)
        if len(page) < batch:
            return seen
        after = (page[-1][0].sent_at, page[-1][0].id)
