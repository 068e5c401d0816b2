"""The SQL of marketplace sync: the reply delivery queue, stored pushes, each channel's sync state,
the lease connection, and the reads the sync services need of conversations, orders and clocks.

Most of this runs in the workers, for every organization at once: a statement that spans
organizations says so in its docstring (a claim across the queue, or a row fetched by the id a claim
or a stored push gave, whose organization is then the one every further statement is scoped to).
Statements for one organization are built with api/kit/scoped.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    and_,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from api.db import Connection, Engine, Session
from api.kit.scoped import Tenant, readable, readable_columns, scoped_update
from api.models import Channel, Conversation, Customer, InboundPush, Message, Order, OrderItem, SlaClock

# A statement the database refused (a constraint, a value it could not store) or could not run
# (a dropped connection): what ingestion isolates per message and polling hands to the scheduler.
# Narrower than api.db.DatabaseError, which also covers mistakes in our own use of the ORM.
STATEMENT_FAILED: tuple[type[Exception], ...] = (IntegrityError, DBAPIError)

NOTIFY_CHANNEL = "hourglass_sync"


# Channels


async def channel_by_id(session: Session, channel_id: uuid.UUID) -> Channel:
    """A channel by id, in any organization: the id comes from a worker's claim or a stored push."""
    return (await session.execute(select(Channel).where(Channel.id == channel_id))).scalar_one()


async def find_channel(session: Session, channel_id: uuid.UUID) -> Channel | None:
    """Like `channel_by_id`, None when the channel is gone (any organization: a worker's claim)."""
    return (await session.execute(select(Channel).where(Channel.id == channel_id))).scalar_one_or_none()


async def channels_by_ids(session: Session, tenant: Tenant, channel_ids: Collection[uuid.UUID]) -> list[Channel]:
    return list((await session.execute(readable(Channel, tenant).where(Channel.id.in_(channel_ids)))).scalars())


async def sync_cursor_of(session: Session, channel_id: uuid.UUID) -> dict[str, Any] | None:
    """The channel's stored sync state as it is now (any organization: the poller's own channel)."""
    current: dict[str, Any] | None = (
        await session.execute(select(Channel.sync_cursor).where(Channel.id == channel_id))
    ).scalar_one()
    return current


async def organizations_with_connectors(session: Session, marketplaces: Collection[str]) -> list[uuid.UUID]:
    """Every organization with an active channel that has credentials and one of these connectors.
    Spans organizations: the delivery loop serves them all, one organization at a time."""
    rows = await session.execute(
        select(Channel.organization_id)
        .where(
            Channel.status == "active",
            Channel.credentials_encrypted.is_not(None),
            Channel.marketplace.in_(list(marketplaces)),
        )
        .distinct()
    )
    return list(rows.scalars())


# Sync state (channels.sync_cursor)


def next_poll_column() -> Any:
    return func.coalesce(
        cast(Channel.sync_cursor["next_poll_at"].astext, DateTime(timezone=True)),
        text("'-infinity'::timestamptz"),
    )


def _pollable(marketplaces: Collection[str]) -> Any:
    """Channels the scheduler may poll: active, with credentials, a connector, and not waiting for
    the seller to reconnect (a missing permission no retry can add)."""
    return (
        Channel.status == "active",
        Channel.credentials_encrypted.is_not(None),
        Channel.marketplace.in_(list(marketplaces)),
        Channel.sync_cursor["reconnect"].astext.is_(None),
    )


def _merged(state: dict[str, Any]) -> dict[str, Any]:
    """Column values that merge `state` into the channel's sync state. Sync bookkeeping is not a
    change of the channel's configuration: `updated_at` stays."""
    return {
        "sync_cursor": func.coalesce(Channel.sync_cursor, text("'{}'::jsonb")).op("||")(literal(state, JSONB)),
        "updated_at": Channel.updated_at,
    }


async def patch_sync_state(session: Session, channel_id: uuid.UUID, state: dict[str, Any], **columns: Any) -> None:
    """Merge `state` into the channel's sync state (JSONB `||`), and set `columns`. By channel id,
    in any organization: callers hold a channel already scoped to its organization (an endpoint's,
    or a worker's claim)."""
    await session.execute(update(Channel).where(Channel.id == channel_id).values(**_merged(state), **columns))


async def claim_due_channels(
    session: Session, marketplaces: Collection[str], limit: int, hold_until: str
) -> list[uuid.UUID]:
    """Lock (SKIP LOCKED) up to `limit` channels due for a poll, earliest first, and set their next
    poll to `hold_until`. Spans organizations: the poll scheduler serves them all."""
    due = (
        select(Channel.id)
        .where(*_pollable(marketplaces), next_poll_column() <= func.now())
        .order_by(next_poll_column())
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await session.execute(
        update(Channel).where(Channel.id.in_(due)).values(**_merged({"next_poll_at": hold_until})).returning(Channel.id)
    )
    return list(rows.scalars())


async def seconds_to_next_poll(session: Session, marketplaces: Collection[str]) -> float | None:
    """Seconds until the earliest pollable channel falls due, over every organization."""
    seconds: float | None = (
        await session.execute(
            select(func.extract("epoch", func.min(next_poll_column()) - func.now())).where(*_pollable(marketplaces))
        )
    ).scalar_one_or_none()
    return seconds


async def mark_channels_synced(session: Session, channel_ids: Collection[uuid.UUID]) -> None:
    """Set `last_sync_at` to now on these channels (the ones a worker's drained pushes came from,
    whatever their organization), keeping `updated_at`."""
    await session.execute(
        update(Channel)
        .where(Channel.id.in_(channel_ids))
        .values(last_sync_at=func.now(), updated_at=Channel.updated_at)
    )


# The reply delivery queue (outbound messages of connector channels)


def _next_attempt() -> Any:
    return func.coalesce(
        cast(Message.meta["next_attempt_at"].astext, DateTime(timezone=True)), text("'-infinity'::timestamptz")
    )


def _first_in_conversation() -> Any:
    """Replies in one conversation leave in the order they were written: only the oldest reply not
    yet delivered (queued or sending) of its conversation may be claimed."""
    earlier = aliased(Message)
    return ~exists().where(
        earlier.organization_id == Message.organization_id,
        earlier.conversation_id == Message.conversation_id,
        earlier.direction == "outbound",
        earlier.delivery_status.in_(("queued", "sending")),
        tuple_(earlier.created_at, earlier.id) < tuple_(Message.created_at, Message.id),
    )


async def lock_due_replies(
    session: Session, organization_id: uuid.UUID, marketplaces: Collection[str], limit: int
) -> list[Message]:
    """The organization's queued replies due for an attempt on active connector channels, oldest
    first and each the first undelivered one of its conversation, locked (SKIP LOCKED)."""
    rows = await session.execute(
        readable(Message, organization_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(
            Message.direction == "outbound",
            Message.delivery_status == "queued",
            Channel.status == "active",
            Channel.credentials_encrypted.is_not(None),
            Channel.marketplace.in_(list(marketplaces)),
            _next_attempt() <= func.now(),
            _first_in_conversation(),
        )
        .order_by(Message.created_at)
        .limit(limit)
        .with_for_update(of=Message, skip_locked=True)
    )
    return list(rows.scalars())


async def lock_sending_replies(session: Session, organization_id: uuid.UUID, limit: int) -> list[Message]:
    """The organization's replies marked `sending`, locked (SKIP LOCKED)."""
    rows = await session.execute(
        readable(Message, organization_id)
        .where(Message.direction == "outbound", Message.delivery_status == "sending")
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def reply_by_id(session: Session, message_id: uuid.UUID, *, lock: bool = False) -> Message:
    """A reply by id, in any organization: the id is one this worker claimed from the queue."""
    stmt = select(Message).where(Message.id == message_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one()


async def conversation_of(
    session: Session, tenant: Tenant, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation:
    """The tenant's conversation by id (FOR UPDATE with `lock`); raises when there is none."""
    stmt = readable(Conversation, tenant).where(Conversation.id == conversation_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one()


async def channel_of(session: Session, tenant: Tenant, channel_id: uuid.UUID) -> Channel:
    """The tenant's channel by id; raises when there is none."""
    return (await session.execute(readable(Channel, tenant).where(Channel.id == channel_id))).scalar_one()


async def mark_reply_accepted(session: Session, message_id: uuid.UUID, external_id: str, accepted_at: str) -> None:
    """Merge the marketplace's id and the time it accepted into the reply's metadata (by the id this
    worker claimed, in any organization)."""
    await session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(
            meta=func.coalesce(Message.meta, text("'{}'::jsonb")).op("||")(
                func.jsonb_build_object("accepted_as", external_id, "accepted_at", accepted_at)
            )
        )
    )


async def reply_backlog(
    session: Session, organization_id: uuid.UUID, channel_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, str, int]]:
    """(channel, delivery status, count) of the organization's replies queued, sending or failed."""
    rows = await session.execute(
        readable_columns(Message, organization_id, Message.channel_id, Message.delivery_status, func.count())
        .where(
            Message.channel_id.in_(channel_ids),
            Message.direction == "outbound",
            Message.delivery_status.in_(("queued", "sending", "failed")),
        )
        .group_by(Message.channel_id, Message.delivery_status)
    )
    return [(channel_id, str(status), int(count)) for channel_id, status, count in rows]


# Stored marketplace pushes


async def insert_push(
    session: Session,
    channel: Channel,
    *,
    dedupe_key: str,
    headers: dict[str, str],
    body: bytes,
) -> uuid.UUID | None:
    """Store a push for the channel's organization; None when (channel, dedupe key) is stored already."""
    inserted: uuid.UUID | None = (
        await session.execute(
            insert(InboundPush)
            .values(
                id=uuid.uuid4(),
                organization_id=channel.organization_id,
                channel_id=channel.id,
                marketplace=channel.marketplace,
                dedupe_key=dedupe_key,
                headers=headers,
                body=body,
            )
            .on_conflict_do_nothing(index_elements=[InboundPush.channel_id, InboundPush.dedupe_key])
            .returning(InboundPush.id)
        )
    ).scalar_one_or_none()
    return inserted


async def notify_push(session: Session, channel_id: uuid.UUID) -> None:
    """Wake the sync workers for a stored push (PostgreSQL delivers the notification at commit)."""
    await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": f"push:{channel_id}"})


def _push_due() -> Any:
    """Pending, and for a push that failed before, its backoff since receipt has passed
    (2 s, 4 s, 8 s, 16 s: no extra column needed, the schedule is anchored at `received_at`)."""
    return and_(
        InboundPush.status == "pending",
        or_(
            InboundPush.attempts == 0,
            InboundPush.received_at + func.make_interval(0, 0, 0, 0, 0, 0, func.power(2, InboundPush.attempts))
            <= func.now(),
        ),
    )


async def lock_next_due_push(session: Session) -> InboundPush | None:
    """The oldest push due for processing, locked (SKIP LOCKED). Spans organizations: the push
    workers serve them all."""
    return (
        await session.execute(
            select(InboundPush)
            .where(_push_due())
            .order_by(InboundPush.received_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()


async def pending_push_count(session: Session, channel_id: uuid.UUID) -> int:
    """Pending pushes of one channel (by its id, which names one organization's channel)."""
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(InboundPush)
                .where(InboundPush.channel_id == channel_id, InboundPush.status == "pending")
            )
        ).scalar_one()
    )


async def pending_pushes_by_channel(
    session: Session, organization_id: uuid.UUID, channel_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, int]]:
    rows = await session.execute(
        readable_columns(InboundPush, organization_id, InboundPush.channel_id, func.count())
        .where(InboundPush.channel_id.in_(channel_ids), InboundPush.status == "pending")
        .group_by(InboundPush.channel_id)
    )
    return [(channel_id, int(count)) for channel_id, count in rows]


async def purge_pushes_received_before(session: Session, before: datetime) -> int:
    """Delete pushes no longer pending received before `before`, in every organization (retention)."""
    result = await session.execute(
        delete(InboundPush).where(InboundPush.status != "pending", InboundPush.received_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# What a reply needs to reach the buyer (api.sync.targets)


async def last_inbound(session: Session, conversation: Conversation) -> Message | None:
    """The conversation's latest buyer message."""
    return (
        await session.execute(
            readable(Message, conversation.organization_id)
            .where(Message.conversation_id == conversation.id, Message.direction == "inbound")
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def latest_external_ids(session: Session, conversation: Conversation, limit: int) -> list[str | None]:
    """The marketplace ids of the conversation's latest messages, newest first."""
    rows = await session.execute(
        readable_columns(Message, conversation.organization_id, Message.external_id)
        .where(Message.conversation_id == conversation.id, Message.external_id.is_not(None))
        .order_by(Message.sent_at.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def customer_of(session: Session, conversation: Conversation) -> Customer | None:
    if conversation.customer_id is None:
        return None
    return (
        await session.execute(
            readable(Customer, conversation.organization_id).where(Customer.id == conversation.customer_id)
        )
    ).scalar_one_or_none()


async def conversations_read_since(
    session: Session, channel: Channel, since: datetime, limit: int
) -> list[Conversation]:
    """The channel's conversations marked read and changed after `since`, oldest change first."""
    rows = await session.execute(
        readable(Conversation, channel.organization_id)
        .where(
            Conversation.channel_id == channel.id,
            Conversation.unread.is_(False),
            Conversation.updated_at > since,
        )
        .order_by(Conversation.updated_at)
        .limit(limit)
    )
    return list(rows.scalars())


# Orders linked to marketplace conversations (eBay names listings, not orders)


async def latest_order_with_item(session: Session, conversation: Conversation, item_id: str) -> Any | None:
    """(id, external_id) of the conversation's customer's latest order with this item, or None."""
    return (
        await session.execute(
            readable_columns(Order, conversation.organization_id, Order.id, Order.external_id)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(Order.customer_id == conversation.customer_id, OrderItem.item_external_id == item_id)
            .order_by(Order.placed_at.desc().nulls_last())
            .limit(1)
        )
    ).first()


async def fill_conversation_order(
    session: Session, conversation: Conversation, order_id: uuid.UUID, order_external_id: str
) -> None:
    """Set the conversation's order unless it has one already; the loaded object is updated as if
    read back (no pending change for the session to flush)."""
    await session.execute(
        scoped_update(Conversation, conversation.organization_id)
        .where(Conversation.id == conversation.id, Conversation.order_id.is_(None))
        .values(order_id=order_id, order_external_id=order_external_id)
    )
    set_committed_value(conversation, "order_id", order_id)
    set_committed_value(conversation, "order_external_id", order_external_id)


# SLA clocks read beside a marketplace's own metrics


async def clock_outcomes(
    session: Session, channel: Channel, kinds: Collection[str], since: datetime, now: datetime
) -> tuple[int, int]:
    """(met, missed) of the channel's clocks of these kinds started since `since`; a running clock
    past its due time counts as missed."""
    met = func.count().filter(SlaClock.state == "met")
    missed = func.count().filter(
        or_(SlaClock.state == "breached", and_(SlaClock.state == "running", SlaClock.due_at <= now))
    )
    row = (
        await session.execute(
            readable_columns(SlaClock, channel.organization_id, met, missed).where(
                SlaClock.channel_id == channel.id,
                SlaClock.kind.in_(list(kinds)),
                SlaClock.started_at >= since,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


# The lease connection (api.sync.leases): session-level advisory locks that die with the process


async def open_lease_connection(engine: Engine) -> Connection:
    """A connection of its own in autocommit: its advisory locks outlive every transaction."""
    conn = await engine.connect()
    return await conn.execution_options(isolation_level="AUTOCOMMIT")


async def try_advisory_lock(conn: Connection, key: int) -> bool:
    return bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar())


async def advisory_unlock(conn: Connection, key: int) -> bool:
    return bool((await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})).scalar())
