"""Ingesting what a connector fetched: idempotent, tolerant of copies, isolated per message.

The unique constraint on (channel, external id) makes a push and a poll of the same message one row.
A copy whose content differs (a push that lacked the subject, a mail re-read without its Date) is a
copy, not a conflict: the first one stands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from api.db import Session
from api.message.inbound import InboundMessage
from api.message.pipeline import Decision, receive_many
from api.models import Channel, Conversation
from api.sync import repository

log = logging.getLogger(__name__)

# Column widths (see api.models): a marketplace's longer value is cut, not a reason to lose the message.
_LIMITS = {
    "external_message_id": 200,
    "external_thread_id": 200,
    "order_id": 100,
    "item_id": 100,
    "buyer_external_id": 320,
    "buyer_name": 300,
    "buyer_email": 320,
    "subject": 1024,
}


@dataclass
class IngestTally:
    created: int = 0
    duplicates: int = 0
    conversations: int = 0
    # (external id, error) of messages the database refused; never dropped silently (see polling).
    refused: list[tuple[str, str]] = field(default_factory=list)


def fit(message: InboundMessage) -> InboundMessage:
    changes: dict[str, Any] = {}
    for name, limit in _LIMITS.items():
        value = getattr(message, name)
        if isinstance(value, str) and len(value) > limit:
            changes[name] = value[:limit]
    if message.external_thread_id == "":
        changes["external_thread_id"] = None
    return replace(message, **changes) if changes else message


async def _account(
    session: Session, channel: Channel, decision: Decision, item_id: str | None, tally: IngestTally
) -> None:
    if not decision.created:
        tally.duplicates += 1
        return
    tally.created += 1
    if decision.conversation_created and decision.conversation is not None:
        tally.conversations += 1
        if channel.marketplace == "ebay" and item_id:
            await link_listing_order(session, decision.conversation, item_id)


async def ingest_batch(
    session: Session, channel: Channel, messages: list[InboundMessage], *, isolate: bool = False
) -> IngestTally:
    """Ingest in order: the whole batch in one pass of the pipeline (`receive_many`). With `isolate`,
    the batch goes in a savepoint, and if the database refuses it each message is retried alone in a
    savepoint of its own: one refused again is reported in `refused` while the others are kept; the
    caller decides whether to retry it."""
    tally = IngestTally()
    fitted = [fit(message) for message in messages]
    if isolate:
        try:
            async with session.begin_nested():
                return await ingest_batch(session, channel, fitted)
        except repository.STATEMENT_FAILED:
            log.warning("batch of channel %s refused; retrying message by message", channel.id)
    else:
        for message, decision in zip(fitted, await receive_many(session, channel, fitted), strict=True):
            await _account(session, channel, decision, message.item_id, tally)
        return tally
    for message in fitted:
        try:
            async with session.begin_nested():
                [decision] = await receive_many(session, channel, [message])
                await _account(session, channel, decision, message.item_id, tally)
        except repository.STATEMENT_FAILED as exc:
            log.warning("message %s of channel %s refused: %s", message.external_message_id, channel.id, exc)
            reason = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
            tally.refused.append((message.external_message_id, f"{type(exc).__name__}: {reason}"))
    return tally


async def link_listing_order(session: Session, conversation: Conversation, item_id: str) -> None:
    """eBay conversations name a listing, never an order: the buyer's latest order of that item
    (pushed by the ERP) is the best guess, and only fills an empty order."""
    if conversation.order_id is not None or conversation.customer_id is None:
        return
    found = await repository.latest_order_with_item(session, conversation, item_id)
    if found is not None:
        await repository.fill_conversation_order(session, conversation, found.id, found.external_id)
