"""Delivering replies through the connectors, with retries, backoff and crash recovery.

1. Claim: queued outbound messages of connector channels, due (`metadata.next_attempt_at`), are
   locked (SKIP LOCKED), leased (an advisory lock on this process's lease connection, taken
   before the claim commits) and marked `sending`.
2. Send, outside any transaction.
3. Record: `sent` with the marketplace's id (confirmed delivery is what stops the SLA clocks), or for
   a mail relay `accepted` until its bounce window passes (`confirm_accepted`, see
   api.message.outbound); a
   rate limit or transient error goes back to `queued` with the next attempt time (Retry-After
   honoured, else exponential backoff); after the last attempt, or at once on a permanent error,
   `failed` with the marketplace's error (the Failed view; `POST /v1/messages/{id}/retry`).

A worker killed between 1 and 3 leaves a `sending` message whose lease died with it: the recovery
sweep re-queues it as *ambiguous* (it may have reached the marketplace). Before sending an
ambiguous reply again the connector looks for it in the conversation (eBay, Shopee, TikTok), so it
is recorded, not doubled. Mail relays cannot be asked: at-least-once, with the same Message-ID.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from api.attachment import service as attachment_service
from api.channel.connectors.base import ConnectorError, Permanent, SentReply, Transient, within
from api.channel.connectors.registry import CONNECTORS
from api.channel.connectors.window import parse_time
from api.db import Session
from api.kit.time import utc_now
from api.message import repository as message_repository
from api.message.outbound import confirm_accepted as confirm_reply
from api.message.outbound import record_acceptance, record_delivery
from api.models import Channel
from api.sync import repository
from api.sync.runtime import SyncRuntime
from api.sync.targets import reply_target

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0  # seconds; doubles per attempt
MAX_BACKOFF = 600.0
# A marketplace's clock may run behind ours: look this far before the first ambiguous attempt.
FIND_SLACK = timedelta(minutes=2)
LEASE = "deliver"


def retry_delay(attempt: int, retry_after: float | None, base: float = BACKOFF_BASE) -> float:
    """Exponential backoff with jitter, never sooner than the marketplace's Retry-After (pure)."""
    delay = min(base * 2 ** max(0, attempt - 1), MAX_BACKOFF) * random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0.0)


@dataclass
class Outcome:
    message_id: uuid.UUID
    status: str  # sent | accepted | retry | failed | lost
    detail: str = ""


async def _organizations(session: Session) -> list[uuid.UUID]:
    """Organizations with a connector channel. Queries below go per organization so they run on the
    outbound-queue index (organization_id, delivery_status, created_at): an index range over the
    queued replies, however many replies were ever sent."""
    return await repository.organizations_with_connectors(session, CONNECTORS)


async def claim(rt: SyncRuntime, limit: int) -> list[uuid.UUID]:
    """Lease and mark `sending` up to `limit` due replies."""
    if limit <= 0:
        return []
    claimed: list[uuid.UUID] = []
    async with rt.sessionmaker.begin() as session:
        for organization_id in await _organizations(session):
            if len(claimed) >= limit:
                break
            rows = await repository.lock_due_replies(session, organization_id, CONNECTORS, limit - len(claimed))
            now = utc_now().isoformat()
            for message in rows:
                # The lease before the commit: the recovery sweep must never see it `sending` unleased.
                if not await rt.leases.acquire(LEASE, message.id):
                    continue
                message.delivery_status = "sending"
                message.meta = {**(message.meta or {}), "sending_since": now}
                claimed.append(message.id)
    return claimed


async def deliver(rt: SyncRuntime, message_id: uuid.UUID) -> Outcome:
    """Send one claimed reply and record the outcome; the lease is released at the end."""
    try:
        return await _deliver(rt, message_id)
    finally:
        await rt.leases.release(LEASE, message_id)


async def _deliver(rt: SyncRuntime, message_id: uuid.UUID) -> Outcome:
    async with rt.sessionmaker() as session:
        message = await repository.reply_by_id(session, message_id)
        conversation = await repository.conversation_of(session, message.organization_id, message.conversation_id)
        channel = await repository.channel_of(session, message.organization_id, message.channel_id)
        target = await reply_target(session, conversation, message.id, message.author_kind)
        files_missing: str | None = None
        if message.attachments:
            try:
                files = await attachment_service.outgoing(session, message.organization_id, message.attachments)
                target = replace(target, attachments=tuple(files))
            except LookupError as exc:
                files_missing = str(exc)
    if message.delivery_status != "sending":
        return Outcome(message_id, "lost", f"status is {message.delivery_status}")
    meta = dict(message.meta or {})
    connector = rt.connector(channel)
    sent: SentReply | None = None
    error: ConnectorError | None = None
    try:
        if files_missing is not None:
            raise Permanent(files_missing, code="attachment")
        accepted = meta.get("accepted_as")
        if accepted:
            # The marketplace took it before a crash kept us from recording it: record, never resend.
            sent = SentReply(
                external_id=str(accepted),
                sent_at=parse_time(meta.get("accepted_at")),
                awaiting_confirmation=connector.confirms_delivery_later,
            )
        ambiguous_since = parse_time(meta.get("ambiguous_since"))
        if sent is None and ambiguous_since is not None:
            found = await within(
                connector.timeout * 4,
                connector.find_sent(target, message.body, ambiguous_since - FIND_SLACK),
                "looking for an earlier copy",
                ambiguous=True,
            )
            if found is not None and await _unclaimed(rt, channel.id, found.external_id, message.id):
                sent = found
                log.info("reply %s was already delivered as %s: recorded, not re-sent", message.id, found.external_id)
        if sent is None:
            # Several calls at most (a token refresh, a reopened TikTok conversation): bounded as one.
            sent = await within(
                connector.timeout * 4, connector.send_reply(target, message.body), "sending", ambiguous=True
            )
            await _mark_accepted(rt, message_id, sent.external_id)
    except ConnectorError as exc:
        error = exc
    except (ValueError, KeyError, TypeError) as exc:
        # An answer we could not read: it may have been sent, so look before sending again, and let
        # the attempt count end it as a visible failure instead of a loop.
        log.exception("reply %s: unexpected answer from %s", message_id, channel.marketplace)
        error = Transient(f"unexpected answer: {type(exc).__name__}: {exc}", status="bug", ambiguous=True)
    finally:
        await connector.aclose()
    return await _record(rt, message_id, channel.settings or {}, sent, error, window=bounce_window(rt, channel))


def bounce_window(rt: SyncRuntime, channel: Channel) -> timedelta:
    """How long a mail relay's acceptance waits for a bounce: the channel's `bounce_window_seconds`,
    else the process-wide setting."""
    value = (channel.settings or {}).get("bounce_window_seconds")
    try:
        seconds = float(value) if value is not None else rt.bounce_window_seconds
    except (TypeError, ValueError):
        seconds = rt.bounce_window_seconds
    return timedelta(seconds=max(0.0, seconds))


async def confirm_accepted(rt: SyncRuntime, limit: int = 200) -> int:
    """Replies a mail relay accepted whose bounce window has passed with no bounce become `sent`
    (which stops the clocks) — but only once the channel's mailbox has been read successfully after
    the window ended: a bounce sitting unread in a mailbox we could not reach is not "no bounce"."""
    confirmed = 0
    async with rt.sessionmaker.begin() as session:
        for organization_id in await _organizations(session):
            replies = await message_repository.accepted_replies(session, organization_id, limit)
            if not replies:
                continue
            channels = {
                c.id: c
                for c in await repository.channels_by_ids(session, organization_id, {m.channel_id for m in replies})
            }
            for message in replies:
                channel = channels[message.channel_id]
                read_at = parse_time(((channel.sync_cursor or {}).get("last_poll") or {}).get("at"))
                if message.confirm_after is None or read_at is None or read_at < message.confirm_after:
                    continue
                conversation = await repository.conversation_of(
                    session, organization_id, message.conversation_id, lock=True
                )
                await confirm_reply(session, message, conversation, channel)
                confirmed += 1
    return confirmed


async def _mark_accepted(rt: SyncRuntime, message_id: uuid.UUID, external_id: str) -> None:
    """One small commit the moment the marketplace accepts a reply, before the full outcome (SLA
    clocks, events) is recorded: it shrinks the window in which a crash could make us send twice to
    the time between the marketplace's answer and this commit (mail relays cannot be asked)."""
    async with rt.sessionmaker.begin() as session:
        await repository.mark_reply_accepted(session, message_id, external_id, utc_now().isoformat())


async def _unclaimed(rt: SyncRuntime, channel_id: uuid.UUID, external_id: str, message_id: uuid.UUID) -> bool:
    """A found copy counts only if no other message of ours already owns that marketplace id."""
    async with rt.sessionmaker() as session:
        owner = await message_repository.by_external_id(session, channel_id, external_id)
    return owner is None or owner.id == message_id


async def _record(
    rt: SyncRuntime,
    message_id: uuid.UUID,
    settings: dict[str, Any],
    sent: SentReply | None,
    error: ConnectorError | None,
    *,
    window: timedelta = timedelta(0),
) -> Outcome:
    max_attempts = int(settings.get("delivery_max_attempts", MAX_ATTEMPTS))
    base = float(settings.get("delivery_backoff_seconds", BACKOFF_BASE))
    async with rt.sessionmaker.begin() as session:
        message = await repository.reply_by_id(session, message_id, lock=True)
        organization_id = message.organization_id
        conversation = await repository.conversation_of(session, organization_id, message.conversation_id, lock=True)
        channel = await repository.channel_of(session, organization_id, message.channel_id)
        meta = {k: v for k, v in (message.meta or {}).items() if k != "sending_since"}
        if sent is not None:
            meta = {
                k: v
                for k, v in meta.items()
                if k not in ("next_attempt_at", "ambiguous_since", "last_error", "accepted_as", "accepted_at")
            }
            message.meta = {**meta, "attempts": int(meta.get("attempts", 0)) + 1}
            if message.delivery_status in ("sent", "accepted"):
                return Outcome(message_id, "sent", "already recorded")
            message.delivery_status = "sending"  # whatever a sweep did meanwhile: it was delivered
            if sent.awaiting_confirmation:
                await record_acceptance(
                    session,
                    message,
                    conversation,
                    external_id=sent.external_id,
                    accepted_at=sent.sent_at or utc_now(),
                    window=window,
                )
                return Outcome(message_id, "accepted", sent.external_id)
            await record_delivery(
                session,
                None,
                message,
                conversation,
                channel,
                status="sent",
                external_id=sent.external_id,
                delivered_at=sent.sent_at or utc_now(),
            )
            return Outcome(message_id, "sent", sent.external_id)
        assert error is not None
        attempts = int(meta.get("attempts", 0)) + 1
        detail = error.describe()[:2000]
        if isinstance(error, Transient) and not isinstance(error, Permanent) and attempts < max_attempts:
            delay = retry_delay(attempts, error.retry_after, base)
            meta |= {
                "attempts": attempts,
                "next_attempt_at": (utc_now() + timedelta(seconds=delay)).isoformat(),
                "last_error": detail,
            }
            if error.ambiguous and "ambiguous_since" not in meta:
                meta["ambiguous_since"] = utc_now().isoformat()
            message.meta = meta
            message.delivery_status = "queued"
            # Visible while it retries: the agent sees "attempt 3: eBay 500" instead of a silent queue.
            message.delivery_attempts = attempts
            message.delivery_error = detail
            log.info("reply %s: attempt %d failed (%s); next in %.1f s", message_id, attempts, detail, delay)
            return Outcome(message_id, "retry", detail)
        # Final: the next manual retry starts a fresh series of attempts.
        message.meta = {k: v for k, v in meta.items() if k != "next_attempt_at"} | {"attempts": 0, "last_error": detail}
        if message.delivery_status in ("sent", "accepted"):
            return Outcome(message_id, "sent", "already recorded")
        await record_delivery(session, None, message, conversation, channel, status="failed", error=detail)
        log.warning("reply %s failed for good: %s", message_id, detail)
        return Outcome(message_id, "failed", detail)


async def recover_orphans(rt: SyncRuntime, limit: int = 100) -> int:
    """`sending` replies whose worker died (its lease is free): back to `queued`, as ambiguous."""
    recovered = 0
    async with rt.sessionmaker.begin() as session:
        for organization_id in await _organizations(session):
            rows = await repository.lock_sending_replies(session, organization_id, limit)
            for message in rows:
                if rt.leases.holds(LEASE, message.id) or not await rt.leases.acquire(LEASE, message.id):
                    continue  # alive: someone is sending it
                try:
                    meta = dict(message.meta or {})
                    since = meta.get("ambiguous_since") or meta.get("sending_since") or utc_now().isoformat()
                    meta["ambiguous_since"] = since
                    meta.pop("sending_since", None)
                    meta["next_attempt_at"] = utc_now().isoformat()
                    message.meta = meta
                    message.delivery_status = "queued"
                    recovered += 1
                    await session.flush()
                finally:
                    await rt.leases.release(LEASE, message.id)
    if recovered:
        log.warning("re-queued %d replies left `sending` by a worker that died", recovered)
    return recovered


async def backlog(
    session: Session, organization_id: uuid.UUID, channel_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Outbound replies per channel and status (queued / sending / failed)."""
    out: dict[uuid.UUID, dict[str, int]] = {c: {} for c in channel_ids}
    if not channel_ids:
        return out
    for channel_id, status, count in await repository.reply_backlog(session, organization_id, channel_ids):
        out[channel_id][status] = count
    return out


def due_at(meta: dict[str, Any]) -> datetime | None:
    return parse_time(meta.get("next_attempt_at"))
