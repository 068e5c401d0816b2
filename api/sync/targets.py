"""Building a connector's `ReplyTarget` from a conversation and its messages."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.channel.connectors.base import ReplyTarget
from api.models import Conversation, Customer, Message


async def reply_target(
    session: AsyncSession, conversation: Conversation, message_id: uuid.UUID, author_kind: str = "human"
) -> ReplyTarget:
    last = (
        await session.execute(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.direction == "inbound")
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    # Mail threads: the ids of the thread's messages, oldest first (References).
    thread_ids = (
        await session.execute(
            select(Message.external_id)
            .where(Message.conversation_id == conversation.id, Message.external_id.is_not(None))
            .order_by(Message.sent_at.desc())
            .limit(20)
        )
    ).scalars()
    references = tuple(reversed([i for i in thread_ids if i and i.startswith("<")]))
    customer = None
    if conversation.customer_id is not None:
        customer = (
            await session.execute(select(Customer).where(Customer.id == conversation.customer_id))
        ).scalar_one_or_none()
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
