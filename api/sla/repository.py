"""SQL for the SLA domain."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, and_, bindparam, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from api.kit.scoped import tenant_condition
from api.models import BusinessCalendar, Conversation, Message, SlaClock, SlaPolicy, SlaTimer, Team
from api.rules.repository import Scoped
from api.sla.catalog import BUILTINS


async def policies(session: AsyncSession, organization_id: uuid.UUID) -> list[SlaPolicy]:
    """The organization's policies by position (the built-in ones are there from its creation)."""
    return list(
        (
            await session.execute(
                select(SlaPolicy).where(tenant_condition(SlaPolicy, organization_id)).order_by(SlaPolicy.position)
            )
        ).scalars()
    )


async def seed_builtins(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Give a new organization the built-in catalog's policies (each marketplace's rule and the
    default), so every conversation it ever has finds a policy. Idempotent per built-in key."""
    await session.execute(
        insert(SlaPolicy)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "organization_id": organization_id,
                    "name": b.name,
                    "builtin_key": b.key,
                    "source": b.source,
                    "position": b.position,
                    "conditions": b.conditions,
                    "first_response_seconds": b.first_response_seconds,
                    "next_response_seconds": b.next_response_seconds,
                    "automation_counts": b.automation_counts,
                    "tiers": list(b.tiers),
                }
                for b in BUILTINS
            ]
        )
        .on_conflict_do_nothing(index_elements=[SlaPolicy.organization_id, SlaPolicy.builtin_key])
    )


async def calendar_for(
    session: AsyncSession, organization_id: uuid.UUID, policy: SlaPolicy, team_id: uuid.UUID | None
) -> BusinessCalendar | None:
    """Policy calendar, else the team's, else the organization's default; None means 24/7."""
    calendar_id = policy.calendar_id
    if calendar_id is None and team_id is not None:
        calendar_id = (
            await session.execute(
                select(Team.calendar_id).where(Team.id == team_id, tenant_condition(Team, organization_id))
            )
        ).scalar_one_or_none()
    stmt = select(BusinessCalendar).where(tenant_condition(BusinessCalendar, organization_id))
    if calendar_id is not None:
        stmt = stmt.where(BusinessCalendar.id == calendar_id)
    else:
        stmt = stmt.where(BusinessCalendar.is_default.is_(True))
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def open_clocks(session: AsyncSession, conversation_id: uuid.UUID, *, lock: bool = True) -> list[SlaClock]:
    stmt = select(SlaClock).where(SlaClock.conversation_id == conversation_id, SlaClock.stopped_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return list((await session.execute(stmt)).scalars())


async def clocks_of(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> list[SlaClock]:
    return list(
        (
            await session.execute(
                select(SlaClock)
                .where(tenant_condition(SlaClock, organization_id), SlaClock.conversation_id == conversation_id)
                .order_by(SlaClock.started_at, SlaClock.kind)
            )
        ).scalars()
    )


async def clocks_stopped_by(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> list[SlaClock]:
    """The conversation's clocks that a reply stopped (a bounce of that reply reopens them)."""
    stmt = select(SlaClock).where(
        tenant_condition(SlaClock, organization_id),
        SlaClock.conversation_id == conversation_id,
        SlaClock.stop_message_id == message_id,
    )
    return list((await session.execute(stmt)).scalars())


async def claim_waiting_without_clock(
    session: AsyncSession, clock_kinds: Sequence[str], after: uuid.UUID | None, chunk: int, limit: int
) -> tuple[list[Conversation], uuid.UUID | None]:
    """Among the next `chunk` conversations by id after `after` (from the first when None), those
    waiting on a reply with no open clock of `clock_kinds`, at most `limit`, in id order, locked (SKIP
    LOCKED) for the sweep that gives them one; and where the next sweep starts (None: from the first
    again). Every organization's: the sweep serves them all.

    A slice at a time, because the whole question (every waiting conversation anti-joined with its
    clocks) took 1.4 s at 1M conversations, every minute, growing with the table; a slice of ids is a
    primary-key range and one clock probe per waiting row, whatever the table's size."""
    in_slice = [Conversation.id > after] if after is not None else []
    # The slice's last id, when the slice is full (else it runs to the end of the table).
    end = (
        await session.execute(
            select(Conversation.id).where(*in_slice).order_by(Conversation.id).offset(chunk - 1).limit(1)
        )
    ).scalar_one_or_none()
    if end is not None:
        in_slice.append(Conversation.id <= end)
    open_clock = exists().where(
        and_(
            SlaClock.conversation_id == Conversation.id,
            SlaClock.stopped_at.is_(None),
            SlaClock.kind.in_(clock_kinds),
        )
    )
    stmt = (
        select(Conversation)
        .where(*in_slice, Conversation.waiting_since.is_not(None), ~open_clock)
        .order_by(Conversation.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    found = list((await session.execute(stmt)).scalars())
    if len(found) == limit:
        return found, found[-1].id  # the rest of the slice next time
    return found, end


# One statement for the clocks reconcile() starts (of one conversation, or of every conversation of
# an ingested batch), their timers, and each conversation's deadline when every one of its clocks went
# in (a clock of a kind already open is skipped by the partial unique index, and so are its timers).
# Fixed SQL over arrays, so it is compiled once, not per batch as a multi-row VALUES of varying length
# would be.
_INSERT_CLOCKS = text(
    """
    WITH inserted AS (
        INSERT INTO sla_clocks (id, organization_id, conversation_id, kind, policy_id, policy_snapshot, reason,
                                marketplace, channel_id, started_at, due_at, due_soon_at, pauses)
        SELECT c.id, c.organization_id, c.conversation_id, c.kind, c.policy_id, c.policy_snapshot::jsonb, c.reason,
               c.marketplace, c.channel_id, c.started_at, c.due_at, c.due_soon_at, c.pauses::jsonb
        FROM unnest(:ids, :organization_ids, :conversation_ids, :marketplaces, :channel_ids, :kinds, :policy_ids,
                    :snapshots, :reasons, :started, :due, :due_soon, :pauses)
             AS c(id, organization_id, conversation_id, marketplace, channel_id, kind, policy_id, policy_snapshot,
                  reason, started_at, due_at, due_soon_at, pauses)
        ORDER BY c.conversation_id, c.kind
        ON CONFLICT (conversation_id, kind) WHERE stopped_at IS NULL DO NOTHING
        RETURNING id, organization_id, conversation_id
    ), timers AS (
        INSERT INTO sla_timers (organization_id, clock_id, tier, action, due_at)
        SELECT inserted.organization_id, t.clock_id, t.tier, t.action, t.due_at
        FROM unnest(:timer_clocks, :timer_tiers, :timer_actions, :timer_due) AS t(clock_id, tier, action, due_at)
        JOIN inserted ON inserted.id = t.clock_id
    ), deadline AS (
        UPDATE conversations cv SET sla_deadline = d.deadline, sla_due_soon_at = d.due_soon_at, updated_at = now()
        FROM unnest(:deadline_conversations, :deadlines, :due_soon_ats, :planned)
             AS d(conversation_id, deadline, due_soon_at, planned)
        WHERE cv.id = d.conversation_id
          AND (SELECT count(*) FROM inserted WHERE inserted.conversation_id = d.conversation_id) = d.planned
    )
    SELECT id FROM inserted
    """
).bindparams(
    bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("organization_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("conversation_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("marketplaces", type_=ARRAY(String)),
    bindparam("channel_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("kinds", type_=ARRAY(String)),
    bindparam("policy_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("snapshots", type_=ARRAY(Text)),
    bindparam("reasons", type_=ARRAY(Text)),
    bindparam("started", type_=ARRAY(DateTime(timezone=True))),
    bindparam("due", type_=ARRAY(DateTime(timezone=True))),
    bindparam("due_soon", type_=ARRAY(DateTime(timezone=True))),
    bindparam("pauses", type_=ARRAY(Text)),
    bindparam("timer_clocks", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("timer_tiers", type_=ARRAY(Integer)),
    bindparam("timer_actions", type_=ARRAY(String)),
    bindparam("timer_due", type_=ARRAY(DateTime(timezone=True))),
    bindparam("deadline_conversations", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("deadlines", type_=ARRAY(DateTime(timezone=True))),
    bindparam("due_soon_ats", type_=ARRAY(DateTime(timezone=True))),
    bindparam("planned", type_=ARRAY(Integer)),
)


async def insert_clocks(
    session: AsyncSession,
    batch: list[
        tuple[Conversation, list[tuple[SlaClock, list[tuple[int, datetime, str]]]], datetime | None, datetime | None]
    ],
) -> set[uuid.UUID]:
    """Start the planned clocks of one or more conversations with their timers, and set each
    conversation's earliest deadline (and due-soon time) when every one of its clocks went in;
    returns the ids inserted. `batch`: (conversation, planned clocks and their timers, deadline,
    due soon)."""
    clocks = [(c, clock) for c, planned, _, _ in batch for clock, _ in planned]
    timers = [
        (clock.id, tier, action, at) for _, planned, _, _ in batch for clock, due in planned for tier, at, action in due
    ]
    params = {
        "ids": [k.id for _, k in clocks],
        "organization_ids": [c.organization_id for c, _ in clocks],
        "conversation_ids": [c.id for c, _ in clocks],
        "marketplaces": [c.marketplace for c, _ in clocks],
        "channel_ids": [c.channel_id for c, _ in clocks],
        "kinds": [k.kind for _, k in clocks],
        "policy_ids": [k.policy_id for _, k in clocks],
        "snapshots": [json.dumps(k.policy_snapshot) for _, k in clocks],
        "reasons": [k.reason for _, k in clocks],
        "started": [k.started_at for _, k in clocks],
        "due": [k.due_at for _, k in clocks],
        "due_soon": [k.due_soon_at for _, k in clocks],
        "pauses": [json.dumps(k.pauses) for _, k in clocks],
        "timer_clocks": [t[0] for t in timers],
        "timer_tiers": [t[1] for t in timers],
        "timer_actions": [t[2] for t in timers],
        "timer_due": [t[3] for t in timers],
        "deadline_conversations": [c.id for c, _, _, _ in batch],
        "deadlines": [deadline for _, _, deadline, _ in batch],
        "due_soon_ats": [soon for _, _, _, soon in batch],
        "planned": [len(planned) for _, planned, _, _ in batch],
    }
    return set((await session.execute(_INSERT_CLOCKS, params)).scalars())


def deadline_written(conversation: Conversation, deadline: datetime | None, due_soon_at: datetime | None) -> None:
    """The conversation's deadline columns as a statement has just written them (`insert_clocks` updates
    the row in SQL): set as loaded, not as changes, so the next flush does not write them again."""
    set_committed_value(conversation, "sla_deadline", deadline)
    set_committed_value(conversation, "sla_due_soon_at", due_soon_at)


async def last_stopped_at(session: AsyncSession, conversation_id: uuid.UUID, kind: str) -> datetime | None:
    """When the conversation's last clock of `kind` stopped (None: it never had one that stopped)."""
    return (
        await session.execute(
            select(func.max(SlaClock.stopped_at)).where(
                SlaClock.conversation_id == conversation_id, SlaClock.kind == kind
            )
        )
    ).scalar_one_or_none()


async def schedule_timers(session: AsyncSession, clock: SlaClock, timers: list[tuple[int, datetime, str]]) -> None:
    """(Re)schedule a clock's unfired timers; fired ones are history and never move."""
    if not timers:
        return
    stmt = insert(SlaTimer).values(
        [
            {
                "organization_id": clock.organization_id,
                "clock_id": clock.id,
                "tier": tier,
                "action": action,
                "due_at": at,
            }
            for tier, at, action in timers
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[SlaTimer.clock_id, SlaTimer.tier],
        set_={"due_at": stmt.excluded.due_at, "cancelled_at": None},
        where=SlaTimer.fired_at.is_(None),
    )
    await session.execute(stmt)


async def cancel_timers(session: AsyncSession, clock_id: uuid.UUID, from_time: datetime | None = None) -> None:
    """Cancel unfired timers (those due at or after `from_time`, when given)."""
    stmt = update(SlaTimer).where(
        SlaTimer.clock_id == clock_id, SlaTimer.fired_at.is_(None), SlaTimer.cancelled_at.is_(None)
    )
    if from_time is not None:
        stmt = stmt.where(SlaTimer.due_at >= from_time)
    await session.execute(stmt.values(cancelled_at=text("now()")))


async def running_clocks(session: AsyncSession, organization_id: uuid.UUID, policy_id: uuid.UUID) -> int:
    """How many clocks run under a policy (it cannot be deleted while any does)."""
    clocks = Scoped(session, SlaClock, organization_id)
    stmt = clocks.select(func.count()).where(SlaClock.policy_id == policy_id, SlaClock.stopped_at.is_(None))
    return int((await session.execute(stmt)).scalar_one())


async def calendar_users(
    session: AsyncSession, organization_id: uuid.UUID, calendar_id: uuid.UUID
) -> tuple[list[tuple[uuid.UUID, str]], list[tuple[uuid.UUID, str]]]:
    """(id, name) of the SLA policies and of the teams whose hours are this calendar."""
    policies = await session.execute(
        select(SlaPolicy.id, SlaPolicy.name)
        .where(tenant_condition(SlaPolicy, organization_id), SlaPolicy.calendar_id == calendar_id)
        .order_by(SlaPolicy.name)
    )
    teams = await session.execute(
        select(Team.id, Team.name)
        .where(tenant_condition(Team, organization_id), Team.calendar_id == calendar_id)
        .order_by(Team.name)
    )
    return [(r.id, r.name) for r in policies], [(r.id, r.name) for r in teams]


async def keep_one_default(calendars: Scoped[BusinessCalendar], calendar: BusinessCalendar) -> None:
    """A calendar written as the default takes that place from the organization's other calendars."""
    if calendar.is_default:
        await calendars.session.execute(
            calendars.update().where(BusinessCalendar.id != calendar.id).values(is_default=False)
        )


MARKETPLACE_KINDS = ("marketplace_first_response", "marketplace_next_response")


async def response_rate_rows(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime, now: datetime, by_channel: bool
) -> dict[tuple[str, uuid.UUID | None], tuple[int, int]]:
    """Marketplace clocks started in [start, end) answered in time and missed (breached, or running
    past due at `now`), per marketplace or per (marketplace, channel)."""
    met = func.count().filter(SlaClock.state == "met")
    missed = func.count().filter(
        or_(SlaClock.state == "breached", and_(SlaClock.state == "running", SlaClock.due_at <= now))
    )
    keys: list[Any] = [SlaClock.marketplace] + ([SlaClock.channel_id] if by_channel else [])
    clocks = Scoped(session, SlaClock, organization_id)
    rows = await session.execute(
        clocks.select(*keys, met, missed)
        .where(SlaClock.kind.in_(MARKETPLACE_KINDS), SlaClock.started_at >= start, SlaClock.started_at < end)
        .group_by(*keys)
    )
    return {(r[0], r[1] if by_channel else None): (int(r[-2]), int(r[-1])) for r in rows}


@dataclass(frozen=True)
class Waiting:
    pending: int
    about_to_breach: int
    overdue: int


async def waiting(session: AsyncSession, organization_id: uuid.UUID, now: datetime) -> Waiting:
    """Conversations waiting for an answer (spam left out), about to breach, and overdue."""
    conversations = Scoped(session, Conversation, organization_id)
    row = (
        await session.execute(
            conversations.select(
                func.count().filter(and_(Conversation.waiting_since.is_not(None), Conversation.spam_reason.is_(None))),
                func.count().filter(and_(Conversation.sla_due_soon_at <= now, Conversation.sla_deadline > now)),
                func.count().filter(Conversation.sla_deadline <= now),
            )
        )
    ).one()
    return Waiting(*row)


async def average_human_first_response(
    session: AsyncSession, organization_id: uuid.UUID, since: datetime
) -> float | None:
    """Mean seconds to a person's first reply, over first-response clocks stopped since `since`.
    People only: an auto-acknowledgement a second after the buyer wrote is not a first response (it
    read "1 min" while agents took hours)."""
    clocks = Scoped(session, SlaClock, organization_id)
    avg = (
        await session.execute(
            clocks.select(func.avg(func.extract("epoch", SlaClock.stopped_at - SlaClock.started_at)))
            .join(Message, Message.id == SlaClock.stop_message_id)
            .where(
                SlaClock.kind == "marketplace_first_response",
                SlaClock.stop_reason == "reply",
                SlaClock.stopped_at >= since,
                Message.author_kind == "human",
            )
        )
    ).scalar_one_or_none()
    return float(avg) if avg is not None else None


async def sent_since(session: AsyncSession, organization_id: uuid.UUID, since: datetime) -> tuple[int, int]:
    """Outbound messages delivered since `since`: (by people, automatic)."""
    messages = Scoped(session, Message, organization_id)
    handled, automated = (
        await session.execute(
            messages.select(
                func.count().filter(Message.author_kind == "human"),
                func.count().filter(Message.author_kind != "human"),
            )
            .select_from(Message)
            .where(
                Message.direction == "outbound",
                Message.delivery_status == "sent",
                Message.delivered_at >= since,
            )
        )
    ).one()
    return int(handled), int(automated)
