"""SQL of a case's clocks on the SLA timer table (api/case/clocks.py): scheduling and cancelling a case's
timers, the claim of due case timers and the batch's multi-row writes. The claim and the batch writes span
organizations on purpose: the timer worker serves every tenant, and each write names its rows by the ids
the claim returned (every row carries its own organization)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

SCHEDULE_SQL = text(
    """
    INSERT INTO sla_timers (organization_id, case_id, tier, action, due_at)
    SELECT :organization_id, :case_id, t.tier, t.action, t.due_at
    FROM unnest(CAST(:tiers AS int[]), CAST(:actions AS text[]), CAST(:due AS timestamptz[])) AS t(tier, action, due_at)
    ON CONFLICT (case_id, tier) DO UPDATE SET due_at = EXCLUDED.due_at, cancelled_at = NULL
    WHERE sla_timers.fired_at IS NULL
    """
)
CANCEL_SQL = text(
    """
    UPDATE sla_timers SET cancelled_at = now()
    WHERE case_id = :case_id AND fired_at IS NULL AND cancelled_at IS NULL
      AND (CAST(:tiers AS int[]) IS NULL OR tier = ANY(CAST(:tiers AS int[])))
    """
)
# Only timers of cases still `requested`: the transition that handled a case cancelled its timers in
# its own transaction, and the lock on the case row orders the two.
CLAIM_SQL = text(
    """
    WITH due AS (
        SELECT t.id AS timer_id, k.id, k.organization_id, k.kind, k.state, k.marketplace, k.conversation_id,
               k.order_external_id, k.marketplace_case_id, k.marketplace_deadline, k.handling_due_at,
               k.created_at, coalesce(k.assignee_id, v.assignee_id) AS owner_id
        FROM sla_timers t
        JOIN cases k ON k.id = t.case_id
        JOIN conversations v ON v.id = k.conversation_id
        WHERE t.case_id IS NOT NULL AND t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= :now
          AND k.state = 'requested'
        ORDER BY t.due_at
        LIMIT :limit
        FOR UPDATE OF t, k SKIP LOCKED
    )
    UPDATE sla_timers SET fired_at = clock_timestamp()
    FROM due WHERE sla_timers.id = due.timer_id
    RETURNING sla_timers.tier, sla_timers.action, sla_timers.due_at, sla_timers.fired_at, due.*
    """
)
SUPERVISORS_SQL = text(
    """
    SELECT u.id, u.organization_id, u.email, u.status = 'online' AS online,
           (SELECT count(*) FROM conversations o WHERE o.assignee_id = u.id AND o.status <> 'resolved') AS open_load
    FROM users u
    WHERE u.organization_id = ANY(CAST(:organization_ids AS uuid[])) AND u.role = 'supervisor' AND u.is_active
    """
)
EMAILS_SQL = text("SELECT id, email FROM users WHERE id = ANY(CAST(:user_ids AS uuid[])) AND is_active")
OVERDUE_SQL = text(
    """
    UPDATE cases SET overdue_at = coalesce(cases.overdue_at, x.at), updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:at AS timestamptz[])) AS x(id, at)
    WHERE cases.id = x.id
    """
)
NOTIFICATIONS_SQL = text(
    """
    INSERT INTO notifications (id, organization_id, user_id, kind, conversation_id, title, body, data)
    SELECT x.id, x.organization_id, x.user_id, x.kind, x.conversation_id, x.title, x.body, x.data::jsonb
    FROM unnest(CAST(:ids AS uuid[]), CAST(:organization_ids AS uuid[]), CAST(:user_ids AS uuid[]),
                CAST(:kinds AS text[]), CAST(:conversation_ids AS uuid[]), CAST(:titles AS text[]),
                CAST(:bodies AS text[]), CAST(:data AS text[]))
         AS x(id, organization_id, user_id, kind, conversation_id, title, body, data)
    """
)
MAILS_SQL = text(
    """
    INSERT INTO outbound_emails (id, organization_id, dedupe_key, to_address, subject, body)
    SELECT x.id, x.organization_id, x.dedupe_key, x.to_address, x.subject, x.body
    FROM unnest(CAST(:ids AS uuid[]), CAST(:organization_ids AS uuid[]), CAST(:dedupe_keys AS text[]),
                CAST(:to_addresses AS text[]), CAST(:subjects AS text[]), CAST(:bodies AS text[]))
         AS x(id, organization_id, dedupe_key, to_address, subject, body)
    ON CONFLICT (dedupe_key) DO NOTHING
    """
)


async def schedule(
    session: AsyncSession, organization_id: uuid.UUID, case_id: uuid.UUID, timers: list[tuple[int, datetime, str]]
) -> None:
    """Upsert the case's timers ((tier, due_at, action)); a fired timer keeps its row as it is."""
    await session.execute(
        SCHEDULE_SQL,
        {
            "organization_id": organization_id,
            "case_id": case_id,
            "tiers": [t[0] for t in timers],
            "due": [t[1] for t in timers],
            "actions": [t[2] for t in timers],
        },
    )


async def cancel(session: AsyncSession, case_id: uuid.UUID, tiers: list[int] | None) -> None:
    """Cancel the case's unfired timers (only `tiers` if given)."""
    await session.execute(CANCEL_SQL, {"case_id": case_id, "tiers": tiers})


async def claim_due_across_organizations(session: AsyncSession, now: datetime, limit: int) -> list[Any]:
    """Lock and stamp up to `limit` due timers of `requested` cases of every organization (rows: tier,
    action, due_at, fired_at, then the `due` columns)."""
    return list(await session.execute(CLAIM_SQL, {"now": now, "limit": limit}))


async def supervisors(session: AsyncSession, organization_ids: Sequence[uuid.UUID]) -> list[Any]:
    """The active supervisors of the organizations (id, organization_id, email, online, open_load)."""
    return list(await session.execute(SUPERVISORS_SQL, {"organization_ids": list(organization_ids)}))


async def emails(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Addresses of the active users among `user_ids`."""
    return {r.id: r.email for r in await session.execute(EMAILS_SQL, {"user_ids": list(user_ids)})}


async def mark_overdue(session: AsyncSession, overdue: dict[uuid.UUID, datetime]) -> None:
    """Cases become overdue (case id -> at); one already overdue keeps its first time."""
    await session.execute(OVERDUE_SQL, {"ids": list(overdue), "at": list(overdue.values())})


async def insert_notifications(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    organization_ids: Sequence[uuid.UUID],
    user_ids: Sequence[uuid.UUID],
    kinds: Sequence[str],
    conversation_ids: Sequence[uuid.UUID],
    titles: Sequence[str],
    bodies: Sequence[str],
    data: Sequence[str],
) -> None:
    """In-app notifications, one per position of the lists (`data` as JSON text)."""
    await session.execute(
        NOTIFICATIONS_SQL,
        {
            "ids": list(ids),
            "organization_ids": list(organization_ids),
            "user_ids": list(user_ids),
            "kinds": list(kinds),
            "conversation_ids": list(conversation_ids),
            "titles": list(titles),
            "bodies": list(bodies),
            "data": list(data),
        },
    )


async def insert_mails(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    organization_ids: Sequence[uuid.UUID],
    dedupe_keys: Sequence[str],
    to_addresses: Sequence[str],
    subjects: Sequence[str],
    bodies: Sequence[str],
) -> None:
    """Outbound emails, at most one per dedupe key (a key already sent is skipped)."""
    await session.execute(
        MAILS_SQL,
        {
            "ids": list(ids),
            "organization_ids": list(organization_ids),
            "dedupe_keys": list(dedupe_keys),
            "to_addresses": list(to_addresses),
            "subjects": list(subjects),
            "bodies": list(bodies),
        },
    )
