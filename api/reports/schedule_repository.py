"""All SQL of report schedules and their deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.errors import NotFound
from api.kit.scoped import readable, readable_columns
from api.models import Organization, OutboundEmail, OutboundEmailAttachment, ReportDelivery, ReportSchedule, User


async def list_for(session: AsyncSession, organization_id: uuid.UUID) -> list[ReportSchedule]:
    rows = await session.execute(
        readable(ReportSchedule, organization_id).order_by(ReportSchedule.name, ReportSchedule.id)
    )
    return list(rows.scalars())


async def get(session: AsyncSession, organization_id: uuid.UUID, schedule_id: uuid.UUID) -> ReportSchedule:
    row = (
        await session.execute(readable(ReportSchedule, organization_id).where(ReportSchedule.id == schedule_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No report schedule {schedule_id}.")
    return row


async def add(session: AsyncSession, schedule: ReportSchedule) -> None:
    """Store a new schedule and flush it: the insert runs (and any constraint fails) now, not at commit."""
    session.add(schedule)
    await session.flush()


async def save(session: AsyncSession, schedule: ReportSchedule) -> None:
    """Write the schedule's changed fields and reload it, so it carries what the database stored."""
    await session.flush()
    await session.refresh(schedule)


async def delete(session: AsyncSession, schedule: ReportSchedule) -> None:
    """Delete the schedule (its deliveries go with it, by the foreign key)."""
    await session.delete(schedule)


async def last_deliveries(
    session: AsyncSession, organization_id: uuid.UUID, schedule_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ReportDelivery]:
    ids = list(schedule_ids)
    if not ids:
        return {}
    rows = await session.execute(
        readable(ReportDelivery, organization_id)
        .where(ReportDelivery.schedule_id.in_(ids))
        .ext(distinct_on(ReportDelivery.schedule_id))
        .order_by(ReportDelivery.schedule_id, ReportDelivery.period_start.desc())
    )
    return {d.schedule_id: d for d in rows.scalars()}


async def active_users(
    session: AsyncSession, organization_id: uuid.UUID, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """id -> email of the given users that belong to the organization and are active."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = await session.execute(
        readable_columns(User, organization_id, User.id, User.email).where(User.id.in_(ids), User.is_active)
    )
    return {r.id: r.email for r in rows}


async def time_zones(session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Organization.id, Organization.time_zone).where(Organization.id.in_(list(organization_ids)))
    )
    return {r.id: r.time_zone for r in rows}


async def enabled_schedules(session: AsyncSession) -> list[ReportSchedule]:
    """Every organization's enabled schedules: the sender's sweep (each is then handled within its
    own organization)."""
    rows = await session.execute(
        select(ReportSchedule).where(ReportSchedule.enabled).order_by(ReportSchedule.created_at, ReportSchedule.id)
    )
    return list(rows.scalars())


async def claim_delivery(
    session: AsyncSession, schedule: ReportSchedule, period_start: date, recipients: int
) -> uuid.UUID | None:
    """Record that this period's report is being sent; None if it already was. Two transactions
    claiming the same period: the second waits on the unique key and then gets nothing (or claims it,
    if the first rolled back)."""
    delivery_id = uuid.uuid4()
    inserted = await session.execute(
        insert(ReportDelivery)
        .values(
            id=delivery_id,
            organization_id=schedule.organization_id,
            schedule_id=schedule.id,
            period_start=period_start,
            recipients=recipients,
        )
        .on_conflict_do_nothing(index_elements=["schedule_id", "period_start"])
        .returning(ReportDelivery.id)
    )
    return inserted.scalar_one_or_none()


async def claim_unsent_mail(session: AsyncSession, max_attempts: int, limit: int) -> list[OutboundEmail]:
    """Every organization's unsent mail with attempts left, oldest first, locked (SKIP LOCKED) for sending."""
    stmt = (
        select(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.attempts < max_attempts)
        .order_by(OutboundEmail.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def mail_attachments(
    session: AsyncSession, email_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OutboundEmailAttachment]]:
    """The files of each mail, by filename."""
    files: dict[uuid.UUID, list[OutboundEmailAttachment]] = {}
    if not email_ids:
        return files
    rows = await session.execute(
        select(OutboundEmailAttachment)
        .where(OutboundEmailAttachment.email_id.in_(list(email_ids)))
        .order_by(OutboundEmailAttachment.filename)
    )
    for file in rows.scalars():
        files.setdefault(file.email_id, []).append(file)
    return files


async def queue_mail(
    session: AsyncSession,
    organization_id: uuid.UUID,
    dedupe_key: str,
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str,
    attachments: list[tuple[str, str, bytes]],
) -> None:
    """One mail on the system's outbound queue (sent by workers/tasks/mail.py), with its files."""
    mail = OutboundEmail(
        id=uuid.uuid4(),
        organization_id=organization_id,
        dedupe_key=dedupe_key,
        to_address=to_address,
        subject=subject[:500],
        body=text_body,
        html_body=html_body,
    )
    session.add(mail)
    await session.flush()  # the attachments' foreign key needs the mail's row
    for filename, media_type, content in attachments:
        session.add(
            OutboundEmailAttachment(
                organization_id=organization_id,
                email_id=mail.id,
                filename=filename,
                media_type=media_type,
                content=content,
            )
        )
