"""Polling one channel: fetch since the persisted cursor, ingest, advance the cursor — page by page,
each page and its cursor in one transaction, so a worker killed mid-page re-fetches that page (and
ingestion, idempotent on the marketplace's ids, keeps one copy) and never skips one.

After a successful poll: read marks made in Hourglass go to the marketplace, Walmart's order
context and response-rate summary are refreshed (see `context`), and the marketplace's returns and
inquiries are read into cases (see `aftersales`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from api.channel.connectors.base import Connector, ConnectorError, FetchResult, Transient, within
from api.db import Session
from api.kit.time import utc_now
from api.models import Channel
from api.sync import aftersales, context, reads, repository, state
from api.sync.bounces import apply_bounces
from api.sync.inbound import IngestTally, ingest_batch
from api.sync.onboarding import NAMES
from api.sync.runtime import SyncRuntime, syncable

log = logging.getLogger(__name__)

MAX_PAGES_PER_RUN = 20
MAX_REFUSALS = 5
# What may keep `defer` from writing (best effort): the database refusing, or not answering at all.
DEFER_FAILED: tuple[type[Exception], ...] = (*repository.STATEMENT_FAILED, OSError)


@dataclass
class PollOutcome:
    channel_id: uuid.UUID
    pages: int = 0
    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    error: str | None = None
    skipped: bool = False


async def poll_channel(rt: SyncRuntime, channel_id: uuid.UUID) -> PollOutcome:
    """Poll one channel unless another worker is polling it right now."""
    outcome = PollOutcome(channel_id)
    async with rt.leases.hold("poll", channel_id) as held:
        if not held:
            outcome.skipped = True
            return outcome
        async with rt.sessionmaker() as session:
            channel = await repository.find_channel(session, channel_id)
        if channel is None or not syncable(channel):
            outcome.skipped = True
            return outcome
        connector = rt.connector(channel)
        try:
            await _poll(rt, channel, connector, outcome)
        finally:
            await connector.aclose()
    return outcome


async def _poll(rt: SyncRuntime, channel: Channel, connector: Connector, outcome: PollOutcome) -> None:
    sync_state: dict[str, Any] = dict(channel.sync_cursor or {})
    began = utc_now()
    more = False

    def fetch(after: dict[str, Any]) -> asyncio.Task[FetchResult]:
        return asyncio.create_task(within(max(60.0, connector.timeout * 6), connector.fetch(after), "one page"))

    # The next page is read while this one is stored: a fetch only reads, and the cursor persisted
    # is still the one of the last stored page, so a page that is not stored (refused, a failure, a
    # killed worker) takes the page read ahead with it and the next poll reads both again.
    ahead: asyncio.Task[FetchResult] | None = fetch(dict(sync_state.get("poll") or {}))
    try:
        while ahead is not None:
            result = await ahead
            ahead = None
            outcome.pages += 1
            outcome.fetched += len(result.messages)
            if result.more and outcome.pages < MAX_PAGES_PER_RUN:
                ahead = fetch(dict(result.cursor))
            tally = await _commit_page(rt, channel, result)
            outcome.created += tally.created
            outcome.duplicates += tally.duplicates
            more = result.more
    except ConnectorError as exc:
        outcome.error = exc.describe()
        await _record_failure(rt, channel, connector, sync_state, exc)
        return
    except repository.STATEMENT_FAILED:
        raise  # the database is the problem, not the marketplace: the scheduler retries
    except Exception as exc:
        # A payload we could not read (a marketplace changed a field?): back off like any failure,
        # never retry in a tight loop; the traceback goes to the log.
        log.exception("channel %s: unexpected error while polling", channel.id)
        outcome.error = f"unexpected {type(exc).__name__}: {exc}"
        await _record_failure(rt, channel, connector, sync_state, Transient(outcome.error, status="bug"))
        return
    finally:
        if ahead is not None:
            ahead.cancel()
            await asyncio.gather(ahead, return_exceptions=True)
    now = utc_now()
    async with rt.sessionmaker.begin() as session:
        await state.patch(
            session,
            channel.id,
            {
                "next_poll_at": state.iso(state.next_poll(began, now, connector.interval, more)),
                "failures": 0,
                "last_poll": {
                    "at": state.iso(now),
                    "pages": outcome.pages,
                    "fetched": outcome.fetched,
                    "created": outcome.created,
                    "duplicates": outcome.duplicates,
                    "ms": round((now - began).total_seconds() * 1000),
                },
            },
        )
    # Secondary work: a failure here is logged, never a reason to re-poll.
    for step in (reads.push_read_marks, context.refresh, aftersales.refresh):
        try:
            await step(rt, channel, connector)
        except ConnectorError as exc:
            log.info("channel %s: %s failed: %s", channel.id, step.__name__, exc.describe())


class PageIncomplete(Transient):
    """The database refused some messages of a page: the others are kept, the cursor stays, and
    the page is read again after the backoff."""


async def _commit_page(rt: SyncRuntime, channel: Channel, result: FetchResult) -> IngestTally:
    """The page's messages and the cursor after them, in one transaction.

    A message the database refuses is never dropped on the spot: the page is kept back and retried
    (a refusal is usually a race that clears). Only a message refused on MAX_REFUSALS successive
    reads is skipped, and that is recorded in the sync status (`last_error`, `sync_cursor.skipped`)."""
    for isolate in (False, True):
        try:
            async with rt.sessionmaker.begin() as session:
                bound = await repository.channel_of(session, channel.organization_id, channel.id)
                # Bounces of our replies (mail relays) fail those replies; the rest is mail to ingest.
                others = await apply_bounces(session, bound, result.bounces) if result.bounces else []
                tally = await ingest_batch(session, bound, result.messages + others, isolate=isolate)
                held = await _account_refusals(session, bound, result, tally)
            if held:
                raise PageIncomplete(f"{len(held)} message(s) refused by the database, retrying: {held[0]}")
            return tally
        except repository.STATEMENT_FAILED as exc:
            if isolate:
                raise
            log.warning("channel %s: page refused (%s); retrying message by message", channel.id, type(exc).__name__)
    raise AssertionError("unreachable")


async def _account_refusals(session: Session, channel: Channel, result: FetchResult, tally: IngestTally) -> list[str]:
    """Write the cursor unless a refused message still deserves another try; returns those held."""
    state_now: dict[str, Any] = dict(channel.sync_cursor or {})
    previous: dict[str, Any] = dict(state_now.get("refused") or {})
    refused: dict[str, Any] = {}
    held: list[str] = []
    skipped: list[dict[str, Any]] = list(state_now.get("skipped") or [])
    now = utc_now()
    for external_id, error in tally.refused:
        attempts = int((previous.get(external_id) or {}).get("attempts", 0)) + 1
        if attempts < MAX_REFUSALS:
            refused[external_id] = {"attempts": attempts, "error": error}
            held.append(f"{external_id}: {error}")
        else:
            skipped = [*skipped, {"external_id": external_id, "error": error, "at": now.isoformat()}][-20:]
    patch: dict[str, Any] = {"refused": refused}
    columns: dict[str, Any] = {}
    if not held:
        patch |= {"poll": result.cursor, "skipped": skipped}
        columns["last_sync_at"] = now
        if len(skipped) > len(state_now.get("skipped") or []):
            columns |= {"last_sync_error": f"skipped after {MAX_REFUSALS} refusals: {skipped[-1]}"[:2000]}
            columns["last_sync_error_at"] = now
    await state.patch(session, channel.id, patch, **columns)
    return held


async def defer(rt: SyncRuntime, channel_id: uuid.UUID, seconds: float) -> None:
    """Push a channel's next poll out (after an error that is not the marketplace's), best effort."""
    try:
        async with rt.sessionmaker.begin() as session:
            await state.patch(session, channel_id, {"next_poll_at": state.iso(utc_now() + timedelta(seconds=seconds))})
    except DEFER_FAILED:
        log.debug("could not defer channel %s", channel_id, exc_info=True)


async def _record_failure(
    rt: SyncRuntime, channel: Channel, connector: Connector, sync_state: dict[str, Any], exc: ConnectorError
) -> None:
    failures = int(sync_state.get("failures") or 0) + 1
    retry_after = exc.retry_after if isinstance(exc, Transient) else None
    delay = state.backoff(connector.interval, failures, retry_after)
    now = utc_now()
    kind = type(exc).__name__
    log.warning("channel %s (%s): poll failed (%s): %s", channel.id, channel.marketplace, kind, exc.describe())
    patch: dict[str, Any] = {"next_poll_at": state.iso(now + delay), "failures": failures}
    # A permission the seller never granted: no retry can add it, so polling stops and the channel
    # asks for a reconnect (cleared when the credentials are replaced or a sync is asked for).
    reconnect = state.reconnect_state(exc, NAMES.get(channel.marketplace, channel.marketplace), now)
    if reconnect is not None:
        patch["reconnect"] = reconnect
    async with rt.sessionmaker.begin() as session:
        await state.patch(
            session,
            channel.id,
            patch,
            last_sync_error=f"{kind}: {exc.describe()}"[:2000],
            last_sync_error_at=now,
        )
