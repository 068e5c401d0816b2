"""Building a connector's `ReplyTarget` from a conversation and its messages."""

from __future__ import annotations

import uuid

from api.channel.connectors.base import ReplyTarget
from api.db import Session
from api.models import Conversation
from api.sync import repository


async def reply_target(
    session: Session, conversation: Conversation, message_id: uuid.UUID, author_kind: str = "human"
) -> ReplyTarget:
    last = await repository.last_inbound(session, conversation)
    # Mail threads: the ids of the thread's messages, oldest first (References).
    thread_ids = await repository.latest_external_ids(session, conversation, 20)
    references = tuple(reversed([i for i in thread_ids if i and i.startswith("<")]))
    customer = await repository.customer_of(session, conversation)
    meta = dict(last.meta or {}) if last is not None else {}
    return ReplyTarget(
        message_id=message_id,
        external_thread_id=conversation.external_thread_id,
        order_id=conversation.order_external_id,
        item_id=conversation.item_external_id,
        buyer_external_id=customer.external_buyer_id if customer else None,
        buyer_email=customer.email if customer else None,
        buyer_name=customer.display_name if customer else None,
        subject=conversation.subject or (last.subject if last and last.subject else ""),
        last_inbound_external_id=last.external_id if last else None,
        last_inbound_meta=meta,
        references=references,
        author_kind=author_kind,
        system_thread=last is not None
        and last.author_kind == "system"
        and meta.get("conversation_type") == "FROM_EBAY",
    )
