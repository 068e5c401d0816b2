"""All SQL of the case domain; every statement is scoped by organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import any_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import Tenant, get_scoped, tenant_condition
from api.models import Case, CaseSettings, CaseTransition, Conversation, User


@dataclass(frozen=True)
class CaseFilters:
    states: tuple[str, ...] = ()
    kind: str | None = None
    marketplace: str | None = None
    conversation_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    order_id: str | None = None
    opened_before: datetime | None = None  # age: opened at least this long ago
    opened_after: datetime | None = None
    due_before: datetime | None = None


async def get(session: AsyncSession, organization_id: uuid.UUID, case_id: uuid.UUID, *, lock: bool = False) -> Case:
    stmt = select(Case).where(tenant_condition(Case, organization_id), Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("No such case.")
    return found


async def by_marketplace_id(
    session: AsyncSession, organization_id: uuid.UUID, marketplace: str, marketplace_case_id: str
) -> Case | None:
    stmt = select(Case).where(
        tenant_condition(Case, organization_id),
        Case.marketplace == marketplace,
        Case.marketplace_case_id == marketplace_case_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def conversation(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    stmt = select(Conversation).where(
        tenant_condition(Conversation, organization_id), Conversation.id == conversation_id
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("No such conversation.")
    return found


async def user(session: AsyncSession, tenant: Tenant, user_id: uuid.UUID) -> User | None:
    """The tenant's user with this id, or None (a case's assignee must be one of its people)."""
    return await get_scoped(session, User, user_id, tenant)


async def existing_conversation_ids(
    session: AsyncSession, organization_id: uuid.UUID, ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    if not ids:
        return set()
    stmt = select(Conversation.id).where(tenant_condition(Conversation, organization_id), Conversation.id.in_(ids))
    return set((await session.execute(stmt)).scalars())


async def open_of_kind(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID, kind: str
) -> Case | None:
    """A case of `kind` on the conversation that is not closed yet."""
    stmt = (
        select(Case)
        .where(
            tenant_condition(Case, organization_id),
            Case.conversation_id == conversation_id,
            Case.kind == kind,
            Case.state != "closed",
        )
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def history(session: AsyncSession, organization_id: uuid.UUID, case_id: uuid.UUID) -> list[CaseTransition]:
    stmt = (
        select(CaseTransition)
        .where(tenant_condition(CaseTransition, organization_id), CaseTransition.case_id == case_id)
        .order_by(CaseTransition.id)
    )
    return list((await session.execute(stmt)).scalars())


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    filters: CaseFilters,
    sort: str,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> list[Case]:
    stmt = select(Case).where(tenant_condition(Case, organization_id))
    if filters.states:
        stmt = stmt.where(Case.state.in_(filters.states))
    if filters.kind:
        stmt = stmt.where(Case.kind == filters.kind)
    if filters.marketplace:
        stmt = stmt.where(Case.marketplace == filters.marketplace)
    if filters.conversation_id:
        stmt = stmt.where(
            (Case.conversation_id == filters.conversation_id)
            | (any_(Case.linked_conversation_ids) == filters.conversation_id)
        )
    if filters.customer_id:
        stmt = stmt.where(Case.customer_id == filters.customer_id)
    if filters.order_id:
        stmt = stmt.where(Case.order_external_id == filters.order_id)
    if filters.opened_before:
        stmt = stmt.where(Case.created_at <= filters.opened_before)
    if filters.opened_after:
        stmt = stmt.where(Case.created_at >= filters.opened_after)
    if filters.due_before:
        stmt = stmt.where(Case.due_at <= filters.due_before)
    if sort == "deadline":
        # Cases with a running clock, soonest deadline first (ix_cases_org_due).
        stmt = stmt.where(Case.due_at.is_not(None))
        if after:
            stmt = stmt.where(tuple_(Case.due_at, Case.id) > tuple_(after[0], after[1]))
        stmt = stmt.order_by(Case.due_at, Case.id)
    else:
        if after:
            stmt = stmt.where(tuple_(Case.created_at, Case.id) < tuple_(after[0], after[1]))
        stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc())
    return list((await session.execute(stmt.limit(limit))).scalars())


async def settings(session: AsyncSession, organization_id: uuid.UUID) -> CaseSettings | None:
    return await session.get(CaseSettings, organization_id)


async def due_followups(session: AsyncSession, now: datetime, limit: int) -> list[Case]:
    """Scheduled follow-ups that fell due, locked (skipping any another worker holds); all organizations."""
    stmt = (
        select(Case)
        .where(Case.followup_state == "scheduled", Case.followup_due_at <= now)
        .order_by(Case.followup_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())
