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

from api.case import clock_rules
from api.case import clocks_repository as repository
from api.db import Session
from api.kit.ids import uuid7
from api.outbox import events
from api.outbox.events import PendingEvent
from api.sla.effects import notification_event_data


async def schedule(
    session: Session, organization_id: uuid.UUID, case_id: uuid.UUID, timers: list[tuple[int, datetime, str]]
) -> None:
    if not timers:
        return
    await repository.schedule(session, organization_id, case_id, timers)


async def stop(session: Session, case_id: uuid.UUID, tiers: list[int] | None = None) -> None:
    """The case was handled: its clocks stop (unfired timers are cancelled; only `tiers` if given)."""
    await repository.cancel(session, case_id, tiers)


async def fire_due(session: Session, now: datetime, limit: int = 200) -> int:
    """Claim due case timers and write their effects in the caller's transaction; returns how many.
    A timer re-scheduled (a moved marketplace deadline) is the same row with a new due time (upsert)."""
    claimed: list[tuple[clock_rules.DueCaseTimer, clock_rules.CaseRow]] = []
    for r in await repository.claim_due_across_organizations(session, now, limit):
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
        for r in await repository.supervisors(session, org_ids)
    ]
    owners = list({c.owner_id for _, c in claimed if c.owner_id})
    emails = await repository.emails(session, owners) if owners else {}
    await write(session, clock_rules.plan(claimed, supervisors, emails))
    return len(claimed)


async def write(session: Session, plan: clock_rules.CaseEffects) -> None:
    """One statement per table that has rows to write."""
    if plan.overdue:
        await repository.mark_overdue(session, plan.overdue)
    pending = list(plan.events)
    if plan.notices:
        ids = [uuid7() for _ in plan.notices]
        n = plan.notices
        await repository.insert_notifications(
            session,
            ids,
            [x.organization_id for x in n],
            [x.user_id for x in n],
            [x.kind for x in n],
            [x.conversation_id for x in n],
            [x.title for x in n],
            [x.body for x in n],
            [json.dumps(x.data) for x in n],
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
        await repository.insert_mails(
            session,
            [uuid7() for _ in m],
            [x.organization_id for x in m],
            [x.dedupe_key for x in m],
            [x.to_address for x in m],
            [x.subject for x in m],
            [x.body for x in m],
        )
    await events.emit_many(session, pending)


def _notification(note_id: uuid.UUID, x: clock_rules.Notice) -> dict[str, Any]:
    data = notification_event_data(note_id, x.user_id, x.kind, x.title, x.body, x.conversation_id, x.data)
    data["case_id"] = x.data["case_id"]
    return data
