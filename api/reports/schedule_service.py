"""Report schedules: who may manage them, whom they may mail, and the sender that queues each
period's report exactly once."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from api import audit
from api.auth.principal import Principal
from api.db import Session
from api.kit.errors import Forbidden, InvalidInput, field_error
from api.kit.time import utc_now
from api.models import ReportSchedule
from api.reports import periodic as periodic_render
from api.reports import repository as report_repository
from api.reports import schedule_repository as repository
from api.reports import service as report_service
from api.reports.repository import MetricFilters
from api.reports.schedule_rules import due_period, next_send
from api.reports.schedule_schemas import (
    ReportDeliveryRead,
    ReportScheduleCreate,
    ReportScheduleRead,
    ReportScheduleUpdate,
)

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
INTRO = {
    "en": "The attached files carry the same figures. You receive this report because a supervisor of "
    "your organization added you to the schedule “{name}”.",
    "zh-CN": "附件中的文件包含相同的数据。您收到此报表，是因为贵组织的主管将您加入了定时发送“{name}”。",
}


def check_supervises(principal: Principal) -> None:
    if not report_service.supervises(principal):
        raise Forbidden("Report schedules are for supervisors and admins.")


async def _check_recipients(
    session: Session, organization_id: uuid.UUID, user_ids: list[uuid.UUID], addresses: list[str]
) -> list[uuid.UUID]:
    user_ids = list(dict.fromkeys(user_ids))
    known = await repository.active_users(session, organization_id, user_ids)
    unknown = [u for u in user_ids if u not in known]
    if unknown:
        # A user of another organization reads exactly like a missing one.
        raise InvalidInput(
            f"No active user {unknown[0]} in your organization.",
            errors=field_error("body.recipient_user_ids", f"no active user {unknown[0]} in your organization"),
        )
    if not user_ids and not addresses:
        raise InvalidInput(
            "A schedule needs at least one recipient.",
            errors=field_error("body.recipient_user_ids", "choose at least one user or address"),
        )
    return user_ids


async def read(session: Session, organization_id: uuid.UUID, rows: list[ReportSchedule]) -> list[ReportScheduleRead]:
    if not rows:
        return []
    org_zone = await report_repository.time_zone(session, organization_id)
    last = await repository.last_deliveries(session, organization_id, [r.id for r in rows])
    now = utc_now()
    out = []
    for row in rows:
        delivery = last.get(row.id)
        out.append(
            ReportScheduleRead.model_validate(
                {
                    **{k: getattr(row, k) for k in ReportScheduleRead.model_fields if hasattr(row, k)},
                    "next_send_at": next_send(row.period, row.hour, row.time_zone, org_zone, now, row.created_at)
                    if row.enabled
                    else None,
                    "last_delivery": ReportDeliveryRead.model_validate(delivery) if delivery else None,
                }
            )
        )
    return out


async def create(session: Session, principal: Principal, data: ReportScheduleCreate) -> ReportSchedule:
    check_supervises(principal)
    org = principal.organization_id
    user_ids = await _check_recipients(session, org, data.recipient_user_ids, data.recipient_addresses)
    row = ReportSchedule(
        id=uuid.uuid4(),
        organization_id=org,
        name=data.name.strip() or data.name,
        period=data.period,
        hour=data.hour,
        time_zone=data.time_zone,
        language=data.language,
        formats=list(data.formats),
        recipient_user_ids=user_ids,
        recipient_addresses=list(dict.fromkeys(data.recipient_addresses)),
        enabled=data.enabled,
        created_by_user_id=principal.user_id,
        created_at=utc_now(),
    )
    await repository.add(session, row)
    audit.record(session, principal, org, "report_schedule.created", "report_schedule", row.id, {"name": row.name})
    return row


async def update(
    session: Session, principal: Principal, schedule_id: uuid.UUID, data: ReportScheduleUpdate
) -> ReportSchedule:
    check_supervises(principal)
    org = principal.organization_id
    row = await repository.get(session, org, schedule_id)
    changes = data.model_dump(exclude_unset=True)
    user_ids = changes.get("recipient_user_ids", row.recipient_user_ids)
    addresses = changes.get("recipient_addresses", row.recipient_addresses)
    if "recipient_user_ids" in changes or "recipient_addresses" in changes:
        changes["recipient_user_ids"] = await _check_recipients(session, org, user_ids, addresses)
        changes["recipient_addresses"] = list(dict.fromkeys(addresses))
    for key, value in changes.items():
        setattr(row, key, value)
    await repository.save(session, row)
    audit.record(
        session, principal, org, "report_schedule.updated", "report_schedule", row.id, {"fields": sorted(changes)}
    )
    return row


async def delete(session: Session, principal: Principal, schedule_id: uuid.UUID) -> None:
    check_supervises(principal)
    row = await repository.get(session, principal.organization_id, schedule_id)
    await repository.delete(session, row)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "report_schedule.deleted",
        "report_schedule",
        row.id,
        {"name": row.name},
    )


def _subject(table: periodic_render.ReportTable) -> str:
    return f"{table.title} · {table.subtitle.split(' (')[0]}"


async def _send_one(session: Session, schedule: ReportSchedule, org_zone: str, now: datetime) -> int:
    due = due_period(schedule.period, schedule.hour, schedule.time_zone, org_zone, now, schedule.created_at)
    if due is None:
        return 0
    org = schedule.organization_id
    users = await repository.active_users(session, org, schedule.recipient_user_ids)
    # One address once, however it was given (a user's address also typed in by hand).
    unique: dict[str, str] = {}
    for address in [*users.values(), *schedule.recipient_addresses]:
        unique.setdefault(address.lower(), address)
    addresses = list(unique.values())
    delivery_id = await repository.claim_delivery(session, schedule, due.start.date(), len(addresses))
    if delivery_id is None or not addresses:
        return 0
    # The report as the organization's own system reads it: every agent and marketplace.
    reader = Principal(organization_id=org, scopes=frozenset({"metrics:read"}), name="report schedule")
    report = await report_service.periodic(
        session, reader, schedule.period, due.day, MetricFilters(None, None, None, None, None, False)
    )
    table = report_service.report_table(report, schedule.language)
    stem = f"hourglass-{schedule.period}ly-report-{due.start.date().isoformat()}"
    files = [
        (f"{stem}.{fmt}", MEDIA_TYPES[fmt], report_service.render(report, fmt, schedule.language))
        for fmt in schedule.formats
    ]
    intro = INTRO[schedule.language].format(name=schedule.name)
    text_body = intro + "\n\n" + periodic_render.to_text(table)
    html_body = periodic_render.to_html(table, intro)
    for address in addresses:
        await repository.queue_mail(
            session,
            org,
            f"report:{delivery_id}:{address.lower()}"[:200],
            address,
            _subject(table),
            text_body,
            html_body,
            files,
        )
    return len(addresses)


async def send_due(session: Session, now: datetime) -> int:
    """Queue the due period's report of every enabled schedule (the cron job's body): returns the
    number of mails queued. Each schedule runs in a savepoint, so one that fails (and is retried on
    the next tick, its claim rolled back) does not hold back the others."""
    schedules = await repository.enabled_schedules(session)
    zones = await repository.time_zones(session, {s.organization_id for s in schedules})
    queued = 0
    for schedule in schedules:
        try:
            async with session.begin_nested():
                queued += await _send_one(session, schedule, zones[schedule.organization_id], now)
        except Exception:
            log.exception("report schedule %s failed; retried on the next tick", schedule.id)
    return queued
