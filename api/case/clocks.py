"""A case's clocks on the SLA timer table: scheduling, stopping and firing them exactly once.

Case timers are rows of `sla_timers` with `case_id` set (and no clock): the same partial index, the
same NOTIFY wake-up, the same guarantee as conversation timers. The claim below takes due case
timers with `FOR UPDATE ... SKIP LOCKED` together with their case, stamps `fired_at` and writes the
effects (api/case/clock_rules.plan) in the same transaction: a killed worker rolls the claim back
(the timer is due again), and a fired timer is never claimed again. A transition that takes the case
out of `requested` locks the case row and cancels its unfired timers, so a timer either fires
before the case was handled or not at all.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.case import clock_rules
from api.kit.ids import uuid7
from api.outbox import events
from api.outbox.events import PendingEvent
from api.sla.effects import notification_event_data

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
    if not timers:
        return
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


async def stop(session: AsyncSession, case_id: uuid.UUID, tiers: list[int] | None = None) -> None:
    """The case was handled: its clocks stop (unfired timers are cancelled; only `tiers` if given)."""
    await session.execute(CANCEL_SQL, {"case_id": case_id, "tiers": tiers})


async def fire_due(session: AsyncSession, now: datetime, limit: int = 200) -> int:
    """Claim due case timers and write their effects in the caller's transaction; returns how many.
    A timer re-scheduled (a moved marketplace deadline) is the same row with a new due time (upsert)."""
    claimed: list[tuple[clock_rules.DueCaseTimer, clock_rules.CaseRow]] = []
    for r in await session.execute(CLAIM_SQL, {"now": now, "limit": limit}):
        claimed.append(
            (
                clock_rules.DueCaseTimer(r.timer_id, r.tier, r.action, r.due_at, r.fired_at),
                clock_rules.CaseRow(
                    id=r.id,
                    organization_id=r.organization_id,
                    kind=r.kind,
                    state=r.state,
                    marketplace=r.marketplace,
                    conversation_id=r.conversation_id,
                    order_external_id=r.order_external_id,
                    marketplace_case_id=r.marketplace_case_id,
                    marketplace_deadline=r.marketplace_deadline,
                    handling_due_at=r.handling_due_at,
                    created_at=r.created_at,
                    owner_id=r.owner_id,
                ),
            )
        )
    if not claimed:
        return 0
    org_ids = list({c.organization_id for _, c in claimed})
    supervisors = [
        clock_rules.Supervisor(r.id, r.organization_id, r.email, r.online, r.open_load)
        for r in await session.execute(SUPERVISORS_SQL, {"organization_ids": org_ids})
    ]
    owners = list({c.owner_id for _, c in claimed if c.owner_id})
    emails = {r.id: r.email for r in await session.execute(EMAILS_SQL, {"user_ids": owners})} if owners else {}
    await write(session, clock_rules.plan(claimed, supervisors, emails))
    return len(claimed)


async def write(session: AsyncSession, plan: clock_rules.CaseEffects) -> None:
    """One statement per table that has rows to write."""
    if plan.overdue:
        await session.execute(OVERDUE_SQL, {"ids": list(plan.overdue), "at": list(plan.overdue.values())})
    pending = list(plan.events)
    if plan.notices:
        ids = [uuid7() for _ in plan.notices]
        n = plan.notices
        await session.execute(
            NOTIFICATIONS_SQL,
            {
                "ids": ids,
                "organization_ids": [x.organization_id for x in n],
                "user_ids": [x.user_id for x in n],
                "kinds": [x.kind for x in n],
                "conversation_ids": [x.conversation_id for x in n],
                "titles": [x.title for x in n],
                "bodies": [x.body for x in n],
                "data": [json.dumps(x.data) for x in n],
            },
        )
        pending += [
            PendingEvent(
                x.organization_id,
                "notification",
                _notification(note_id, x),
                x.conversation_id,
            )
            for note_id, x in zip(ids, n, strict=True)
        ]
    if plan.mails:
        m = plan.mails
        await session.execute(
            MAILS_SQL,
            {
                "ids": [uuid7() for _ in m],
                "organization_ids": [x.organization_id for x in m],
                "dedupe_keys": [x.dedupe_key for x in m],
                "to_addresses": [x.to_address for x in m],
                "subjects": [x.subject for x in m],
                "bodies": [x.body for x in m],
            },
        )
    await events.emit_many(session, pending)


def _notification(note_id: uuid.UUID, x: clock_rules.Notice) -> dict[str, Any]:
    data = notification_event_data(note_id, x.user_id, x.kind, x.title, x.body, x.conversation_id, x.data)
    data["case_id"] = x.data["case_id"]
    return data
