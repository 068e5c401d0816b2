"""All SQL of retention and erasure. Every statement is scoped to one organization."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.scoped import readable_columns, scoped_update
from api.models import Conversation, Customer, Message, PrivacySettings

TOMBSTONE = "[erased]"

# What keeps a conversation: a running marketplace reply clock (deleting or erasing it would lose a
# deadline the marketplace still measures), an open after-sales case, or any fact on or after the cutoff
# (a clock event, a resolution, a delivery): the rollup hours from the cutoff on are still recomputed
# from raw rows, so a conversation contributing to them must stay.
_OPEN_CLOCK = """
    EXISTS (SELECT 1 FROM sla_clocks k WHERE k.conversation_id = c.id AND k.state = 'running'
             AND k.kind IN ('marketplace_first_response', 'marketplace_next_response'))
"""
_OPEN_CASE = "EXISTS (SELECT 1 FROM cases x WHERE x.conversation_id = c.id AND x.state <> 'closed')"
_OLD = """
    greatest(c.last_message_at, c.updated_at, coalesce(c.resolved_at, c.last_message_at)) < :cutoff
    AND NOT EXISTS (SELECT 1 FROM sla_clocks k WHERE k.conversation_id = c.id
                     AND greatest(k.started_at, k.stopped_at, k.breached_at) >= :cutoff)
    AND NOT EXISTS (SELECT 1 FROM conversation_resolutions r WHERE r.conversation_id = c.id
                     AND greatest(r.resolved_at, r.reopened_at) >= :cutoff)
    AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
                     AND coalesce(m.delivered_at, m.sent_at) >= :cutoff)
"""

ELIGIBLE = text(
    f"""
    SELECT c.id FROM conversations c
     WHERE c.organization_id = :org AND {_OLD}
       AND NOT {_OPEN_CLOCK} AND NOT {_OPEN_CASE}
     ORDER BY c.last_message_at, c.id
     LIMIT :n
     FOR UPDATE OF c SKIP LOCKED
    """
)
KEPT_OPEN = text(
    f"""
    SELECT count(*) FROM conversations c
     WHERE c.organization_id = :org AND {_OLD} AND ({_OPEN_CLOCK} OR {_OPEN_CASE})
    """
)


async def configured(session: AsyncSession) -> list[tuple[uuid.UUID, int]]:
    """Organizations with a retention period (the others keep everything)."""
    rows = await session.execute(
        select(PrivacySettings.organization_id, PrivacySettings.retention_days)
        .where(PrivacySettings.retention_days.is_not(None))
        .order_by(PrivacySettings.organization_id)
    )
    return [(org, int(days or 0)) for org, days in rows.all()]


async def settings(session: AsyncSession, organization_id: uuid.UUID) -> PrivacySettings | None:
    return await session.get(PrivacySettings, organization_id)


async def settings_locked(session: AsyncSession, organization_id: uuid.UUID) -> PrivacySettings | None:
    """The organization's privacy settings locked FOR UPDATE, or None (nothing is created)."""
    return await session.get(PrivacySettings, organization_id, with_for_update=True)


async def settings_for_update(session: AsyncSession, organization_id: uuid.UUID) -> PrivacySettings:
    row = await session.get(PrivacySettings, organization_id, with_for_update=True)
    if row is None:
        row = PrivacySettings(organization_id=organization_id, retention_days=None, masked_roles=[])
        session.add(row)
        await session.flush()
    return row


async def eligible(session: AsyncSession, organization_id: uuid.UUID, cutoff: datetime, limit: int) -> list[uuid.UUID]:
    rows = await session.execute(ELIGIBLE, {"org": organization_id, "cutoff": cutoff, "n": limit})
    return [r[0] for r in rows]


async def kept_open(session: AsyncSession, organization_id: uuid.UUID, cutoff: datetime) -> int:
    return int((await session.execute(KEPT_OPEN, {"org": organization_id, "cutoff": cutoff})).scalar_one())


async def delete_conversations(session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> int:
    """Delete the conversations; their messages, clocks, notes, cases, surveys and other dependent rows go
    with them by their foreign keys (ON DELETE CASCADE). Returns how many messages went."""
    messages = (
        await session.execute(
            readable_columns(Message, organization_id, func.count()).where(Message.conversation_id.in_(ids))
        )
    ).scalar_one()
    await session.execute(
        text("DELETE FROM conversations WHERE organization_id = :org AND id = ANY(:ids)"),
        {"org": organization_id, "ids": ids},
    )
    return int(messages)


async def pending_hours_before(session: AsyncSession, organization_id: uuid.UUID, cutoff: datetime) -> list[datetime]:
    """Rollup hours before the cutoff still marked for a refold (taken: the marks are deleted)."""
    rows = await session.execute(
        text("DELETE FROM metric_dirty_hours WHERE organization_id = :org AND bucket < :cutoff RETURNING bucket"),
        {"org": organization_id, "cutoff": cutoff},
    )
    return sorted({r[0] for r in rows})


# --- erasure ----------------------------------------------------------------------------------------


async def conversation_ids_of(
    session: AsyncSession, organization_id: uuid.UUID, customer_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    rows = await session.execute(
        readable_columns(Conversation, organization_id, Conversation.id)
        .where(Conversation.customer_id.in_(customer_ids))
        .order_by(Conversation.id)
        .with_for_update()
    )
    return list(rows.scalars())


async def open_blockers(
    session: AsyncSession, organization_id: uuid.UUID, conversation_ids: list[uuid.UUID]
) -> tuple[int, int]:
    """(open cases, running marketplace clocks) on these conversations."""
    row = (
        await session.execute(
            text(
                """
                SELECT (SELECT count(*) FROM cases x WHERE x.organization_id = :org
                          AND x.conversation_id = ANY(:ids) AND x.state <> 'closed'),
                       (SELECT count(*) FROM sla_clocks k WHERE k.organization_id = :org
                          AND k.conversation_id = ANY(:ids) AND k.state = 'running'
                          AND k.kind IN ('marketplace_first_response', 'marketplace_next_response'))
                """
            ),
            {"org": organization_id, "ids": conversation_ids},
        )
    ).one()
    return int(row[0]), int(row[1])


async def erase_customers(session: AsyncSession, organization_id: uuid.UUID, customer_ids: list[uuid.UUID]) -> None:
    """Identifiers, name, contact data and notes go; the rows stay (orders and conversations still count).
    The buyer id becomes a unique tombstone (the key is unique per marketplace), and automatic merging
    stops, so no new identity is ever merged into an erased profile."""
    await session.execute(
        scoped_update(Customer, organization_id)
        .where(Customer.id.in_(customer_ids))
        .values(
            display_name=TOMBSTONE,
            external_buyer_id=func.concat(TOMBSTONE, ":", Customer.id),
            email=None,
            phone=None,
            notes=None,
            auto_merge=False,
        )
        .execution_options(synchronize_session=False)
    )


async def erase_buyer_messages(
    session: AsyncSession, organization_id: uuid.UUID, conversation_ids: list[uuid.UUID]
) -> int:
    """The buyer's own messages keep their timestamps and counts; their text, HTML, attachments and the
    marketplace metadata (reply-to addresses, buyer ids) are replaced."""
    result = await session.execute(
        scoped_update(Message, organization_id)
        .where(Message.conversation_id.in_(conversation_ids), Message.author_kind == "buyer")
        .values(
            body=TOMBSTONE,
            body_html=None,
            subject=case((Message.subject.is_(None), None), else_=TOMBSTONE),
            original_text=None,
            attachments=[],
            meta={"erased": True},
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def erase_conversation_text(
    session: AsyncSession, organization_id: uuid.UUID, conversation_ids: list[uuid.UUID]
) -> None:
    """The copies of buyer text on the conversation: subject, preview, and the search index built from
    the messages."""
    await session.execute(
        scoped_update(Conversation, organization_id)
        .where(Conversation.id.in_(conversation_ids))
        .values(
            subject=TOMBSTONE,
            last_message_preview=TOMBSTONE,
            search_vector=func.to_tsvector("simple", ""),
        )
        .execution_options(synchronize_session=False)
    )


async def wait_for_rollup_folds(session: AsyncSession, lock_key: int) -> None:
    """Take the rollups' fold lock (`api.reports.rollup.FOLD_LOCK`) until the transaction ends:
    the retention job's refold and freeze take turns with the folds and rebuilds."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
