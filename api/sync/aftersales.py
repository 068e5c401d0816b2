"""Marketplace after-sales records polled beside the messages: eBay returns and item-not-received
inquiries (Post-Order API), Walmart returns (GET /v3/returns). Amazon has no such API (its A-to-z
claims arrive as notice mail, api/case/notices.py).

Each poll:
1. reads the records (eBay: created in the last `WINDOW`; Walmart: modified since the last read,
   with an overlap);
2. ingests a new record as one system message carrying it (the message id is the record's, so a
   re-poll ingests nothing); the automation step opens the case with the marketplace's id and
   deadline, puts the conversation in Response Needed and routes it (api/case/service.py);
3. brings existing cases up to the record: a moved deadline moves the case's timers, and the
   statuses the buyer or the marketplace reached become transitions (api/case/marketplace.py);
4. sends back what an agent did here that the marketplace has not seen (approve or decline a
   return, issue a refund), each outcome audited. A refused action is tried again on later polls
   at most `MAX_ATTEMPTS` times (kept in the channel's sync state).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from api import audit
from api.case import marketplace
from api.case import repository as case_repository
from api.case import service as case_service
from api.channel.connectors.aftersales import MarketCase, notice
from api.channel.connectors.base import Connector, ConnectorError
from api.channel.connectors.walmart import WalmartConnector
from api.channel.connectors.window import parse_time
from api.kit.time import utc_now
from api.models import Channel
from api.sync import repository, state
from api.sync.inbound import ingest_batch
from api.sync.runtime import SyncRuntime

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=2)
WINDOW = timedelta(days=90)
OVERLAP = timedelta(hours=1)
MAX_ATTEMPTS = 3


class AfterSalesSource(Protocol):
    async def after_sales(self, since: Any) -> list[MarketCase]: ...

    async def after_sales_action(self, record: MarketCase, action: str, amount: Decimal | None) -> None: ...


def source_of(connector: Connector) -> AfterSalesSource | None:
    """The connector when its marketplace has an after-sales API this channel can use."""
    if isinstance(connector, WalmartConnector):
        return connector if connector.has_api else None
    return connector if hasattr(connector, "after_sales") else None  # type: ignore[return-value]


async def refresh(rt: SyncRuntime, channel: Channel, connector: Connector, *, force: bool = False) -> dict[str, int]:
    """One round for one channel; returns counts (records, new, transitions, actions, failed)."""
    source = source_of(connector)
    tally = {"records": 0, "new": 0, "transitions": 0, "actions": 0, "failed": 0}
    if source is None:
        return tally
    now = utc_now()
    done: dict[str, Any] = dict((channel.sync_cursor or {}).get("after_sales") or {})
    read_at = parse_time(done.get("read_at"))
    tried_at = parse_time(done.get("tried_at"))
    if not force and tried_at is not None and now - tried_at < EVERY:
        return tally
    since = now - WINDOW
    if channel.marketplace == "walmart" and read_at is not None:
        since = read_at - OVERLAP
    done["tried_at"] = state.iso(now)
    try:
        records = await source.after_sales(since)
    except ConnectorError as exc:
        # Not every poll: a store without the Post-Order permission is asked again after EVERY.
        done["error"] = exc.describe()[:500]
        async with rt.sessionmaker.begin() as session:
            await state.patch(session, channel.id, {"after_sales": done})
        raise
    done.pop("error", None)
    tally["records"] = len(records)
    pending: list[tuple[MarketCase, str, Decimal | None]] = []
    async with rt.sessionmaker.begin() as session:
        bound = await repository.channel_of(session, channel.organization_id, channel.id)
        org = bound.organization_id
        fresh = []
        for record in records:
            case = await case_repository.by_marketplace_id(session, org, record.marketplace, record.marketplace_case_id)
            if case is None:
                fresh.append(notice(record))
                continue
            tally["transitions"] += len(await case_service.sync_marketplace_case(session, case, record))
            action = marketplace.seller_action(
                record.source, record.status, record.options, case.state, case.refunded_amount is not None
            )
            if action is not None and _attempts(done, record, action) < MAX_ATTEMPTS:
                pending.append((record, action, case.refunded_amount))
        if fresh:
            tally["new"] = (await ingest_batch(session, bound, fresh)).created
        done["read_at"] = state.iso(now)
        await state.patch(session, channel.id, {"after_sales": done})
    for record, action, amount in pending:
        await _act(rt, channel, source, record, action, amount, done, tally)
    if pending:
        async with rt.sessionmaker.begin() as session:
            await state.patch(session, channel.id, {"after_sales": done})
    return tally


def _key(record: MarketCase, action: str) -> str:
    return f"{record.source}:{record.marketplace_case_id}:{action}"


def _attempts(done: dict[str, Any], record: MarketCase, action: str) -> int:
    return int(((done.get("failed") or {}).get(_key(record, action)) or {}).get("attempts", 0))


async def _act(
    rt: SyncRuntime,
    channel: Channel,
    source: AfterSalesSource,
    record: MarketCase,
    action: str,
    amount: Decimal | None,
    done: dict[str, Any],
    tally: dict[str, int],
) -> None:
    error: str | None = None
    try:
        await source.after_sales_action(record, action, amount)
    except ConnectorError as exc:
        error = exc.describe()
        log.warning("channel %s: %s %s failed: %s", channel.id, action, record.marketplace_case_id, error)
    failed: dict[str, Any] = dict(done.get("failed") or {})
    if error is None:
        tally["actions"] += 1
        failed.pop(_key(record, action), None)
    else:
        tally["failed"] += 1
        attempts = _attempts(done, record, action) + 1
        failed[_key(record, action)] = {"attempts": attempts, "error": error[:500]}
    done["failed"] = dict(list(failed.items())[-200:])
    async with rt.sessionmaker.begin() as session:
        case = await case_repository.by_marketplace_id(
            session, channel.organization_id, record.marketplace, record.marketplace_case_id
        )
        if case is not None:
            audit.record(
                session,
                None,
                channel.organization_id,
                "case.marketplace_action",
                "case",
                case.id,
                {"action": action, "marketplace": record.marketplace, "ok": error is None, "error": error},
                actor_type="marketplace",
            )
