from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import InvalidInput, NotFound, field_error, problem_responses
from api.kit.tenancy import require_own
from api.kit.time import utc_now
from api.kit.usage import Usage, UsedBy, refuse_if_used, usage
from api.models import BusinessCalendar, Channel, Conversation, Message, Organization, SlaClock, SlaPolicy
from api.sla import cache, rates, repository
from api.sla.catalog import RESPONSE_RATE_THRESHOLDS
from api.sla.schemas import (
    CalendarCreate,
    CalendarFields,
    CalendarRead,
    Overview,
    PolicyCreate,
    PolicyFields,
    PolicyRead,
    RateRow,
    ResponseRateReport,
    validate_calendar,
)

router = APIRouter(tags=["sla"], responses=problem_responses(401, 403, 422, 429))
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
SettingsWriter = Annotated[Principal, Depends(require("settings:write"))]
MetricsReader = Annotated[Principal, Depends(require("metrics:read"))]


async def _policy(session: AsyncSession, principal: Principal, policy_id: uuid.UUID) -> SlaPolicy:
    await repository.policies(session, principal.organization_id)
    row = (
        await session.execute(
            select(SlaPolicy).where(SlaPolicy.id == policy_id, SlaPolicy.organization_id == principal.organization_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No SLA policy {policy_id}.")
    return row


async def _check_calendar(session: AsyncSession, principal: Principal, calendar_id: uuid.UUID | None) -> None:
    if calendar_id is None:
        return
    found = (
        await session.execute(
            select(BusinessCalendar.id).where(
                BusinessCalendar.id == calendar_id, BusinessCalendar.organization_id == principal.organization_id
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise InvalidInput("No such calendar.", errors=field_error("body.calendar_id", "no such calendar"))


async def _check_channels(session: AsyncSession, principal: Principal, conditions: Any) -> None:
    channel_ids = getattr(conditions, "channel_ids", None) or []
    await require_own(
        session, Channel, principal.organization_id, channel_ids, "body.conditions.channel_ids", "channel"
    )


def _apply(policy: SlaPolicy, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "conditions":
            value = {k: [str(x) for x in v] for k, v in value.items() if v}
        setattr(policy, field, value)


@router.get("/v1/sla/policies", response_model=list[PolicyRead])
async def list_policies(session: SessionDep, principal: SettingsReader) -> list[PolicyRead]:
    """SLA policies in the order they are tried; the first whose conditions match applies. The
    built-in marketplace policies carry the source of their rule."""
    return [PolicyRead.model_validate(p) for p in await repository.policies(session, principal.organization_id)]


@router.post("/v1/sla/policies", status_code=status.HTTP_201_CREATED, response_model=PolicyRead)
async def create_policy(body: PolicyCreate, session: SessionDep, principal: SettingsWriter) -> PolicyRead:
    """Add a policy (e.g. 4 h for high-value customers on Amazon). Clocks already running keep theirs."""
    await repository.policies(session, principal.organization_id)
    await _check_calendar(session, principal, body.calendar_id)
    await _check_channels(session, principal, body.conditions)
    data = body.model_dump(exclude_none=True, mode="json")
    policy = SlaPolicy(id=uuid.uuid4(), organization_id=principal.organization_id, source="organization policy")
    data.setdefault("tiers", [t for t in (await repository.policies(session, principal.organization_id))[0].tiers])
    _apply(policy, data)
    session.add(policy)
    await session.flush()
    await session.refresh(policy)
    cache.forget(principal.organization_id)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "sla_policy.created",
        "sla_policy",
        policy.id,
        {"name": policy.name},
    )
    return PolicyRead.model_validate(policy)


@router.patch("/v1/sla/policies/{policy_id}", response_model=PolicyRead, responses=problem_responses(404))
async def update_policy(
    policy_id: uuid.UUID, body: PolicyFields, session: SessionDep, principal: SettingsWriter
) -> PolicyRead:
    """Change targets, conditions, order or tiers. The version goes up; clocks that already ran (or
    are running) keep the snapshot of the version they started with."""
    policy = await _policy(session, principal, policy_id)
    data = body.model_dump(exclude_unset=True, mode="json")
    if policy.builtin_key == "default" and data.get("conditions"):
        raise InvalidInput(
            "The default policy matches everything; give conditions to another policy.",
            errors=field_error("body.conditions", "not allowed on the default policy"),
        )
    if policy.builtin_key == "default" and data.get("is_active") is False:
        raise InvalidInput("The default policy cannot be deactivated.", errors=field_error("body.is_active", "default"))
    if "first_response_seconds" in data and data["first_response_seconds"] is None:
        raise InvalidInput(
            "A policy needs a first-response target.", errors=field_error("body.first_response_seconds", "required")
        )
    await _check_calendar(session, principal, body.calendar_id)
    await _check_channels(session, principal, body.conditions)
    _apply(policy, data)
    policy.version += 1
    await session.flush()
    await session.refresh(policy)
    cache.forget(principal.organization_id)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "sla_policy.updated",
        "sla_policy",
        policy.id,
        {"fields": sorted(data), "version": policy.version},
    )
    return PolicyRead.model_validate(policy)


async def _policy_usage(session: AsyncSession, policy: SlaPolicy) -> Usage:
    found: list[UsedBy] = []
    if policy.builtin_key:
        found.append(UsedBy(kind="builtin", id=policy.builtin_key, name="built-in policy"))
    running = await session.scalar(
        select(func.count()).where(
            SlaClock.organization_id == policy.organization_id,
            SlaClock.policy_id == policy.id,
            SlaClock.stopped_at.is_(None),
        )
    )
    if running:
        found.append(UsedBy(kind="open_clocks", name="running clocks", count=int(running)))
    hint = "Deactivate it instead: running clocks finish under it and no new one starts."
    return usage(found, hint)


@router.get("/v1/sla/policies/{policy_id}/usage", response_model=Usage, responses=problem_responses(404))
async def policy_usage(policy_id: uuid.UUID, session: SessionDep, principal: SettingsReader) -> Usage:
    """What uses the policy: clocks running under it, or it is built in (the marketplaces' rules)."""
    return await _policy_usage(session, await _policy(session, principal, policy_id))


@router.delete(
    "/v1/sla/policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409)
)
async def delete_policy(policy_id: uuid.UUID, session: SessionDep, principal: SettingsWriter) -> None:
    """Delete a policy no clock runs under (audited); stopped clocks keep their snapshot. Built-in
    policies and policies with running clocks: 409 problem+json with `used_by` (deactivate instead)."""
    policy = await _policy(session, principal, policy_id)
    refuse_if_used("The policy", await _policy_usage(session, policy))
    details = {"name": policy.name, "version": policy.version}
    await session.delete(policy)
    await session.flush()
    cache.forget(principal.organization_id)
    audit.record(session, principal, principal.organization_id, "sla_policy.deleted", "sla_policy", policy_id, details)


@router.get("/v1/sla/calendars", response_model=list[CalendarRead])
async def list_calendars(session: SessionDep, principal: SettingsReader) -> list[CalendarRead]:
    """Business calendars for internal clocks."""
    rows = await session.execute(
        select(BusinessCalendar)
        .where(BusinessCalendar.organization_id == principal.organization_id)
        .order_by(BusinessCalendar.name)
    )
    return [CalendarRead.model_validate(c) for c in rows.scalars()]


async def _unset_other_defaults(session: AsyncSession, principal: Principal, keep: uuid.UUID) -> None:
    from sqlalchemy import update

    await session.execute(
        update(BusinessCalendar)
        .where(BusinessCalendar.organization_id == principal.organization_id, BusinessCalendar.id != keep)
        .values(is_default=False)
    )


@router.post(
    "/v1/sla/calendars",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarRead,
    responses=problem_responses(409),
)
async def create_calendar(body: CalendarCreate, session: SessionDep, principal: SettingsWriter) -> CalendarRead:
    """A calendar: IANA time zone, working intervals per weekday (several a day, overnight allowed),
    holidays (dates, yearly MM-DD, and a country's public holidays)."""
    data = body.model_dump(exclude_none=True)
    cal = BusinessCalendar(
        id=uuid.uuid4(), organization_id=principal.organization_id, **{"holidays": [], "recurring_holidays": [], **data}
    )
    session.add(cal)
    await session.flush()
    if cal.is_default:
        await _unset_other_defaults(session, principal, cal.id)
    await session.refresh(cal)
    cache.forget(principal.organization_id)
    audit.record(session, principal, principal.organization_id, "calendar.created", "calendar", cal.id)
    return CalendarRead.model_validate(cal)


@router.patch("/v1/sla/calendars/{calendar_id}", response_model=CalendarRead, responses=problem_responses(404))
async def update_calendar(
    calendar_id: uuid.UUID, body: CalendarFields, session: SessionDep, principal: SettingsWriter
) -> CalendarRead:
    """Edit a calendar. New clocks use it; running clocks keep the calendar they started with."""
    cal = (
        await session.execute(
            select(BusinessCalendar).where(
                BusinessCalendar.id == calendar_id, BusinessCalendar.organization_id == principal.organization_id
            )
        )
    ).scalar_one_or_none()
    if cal is None:
        raise NotFound(f"No calendar {calendar_id}.")
    data = body.model_dump(exclude_unset=True)
    merged = {
        k: getattr(cal, k)
        for k in ("time_zone", "intervals", "holidays", "recurring_holidays", "country_holidays", "subdivision")
    } | data
    try:
        validate_calendar(merged)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=field_error("body", str(exc))) from exc
    for field, value in data.items():
        setattr(cal, field, value)
    await session.flush()
    if cal.is_default:
        await _unset_other_defaults(session, principal, cal.id)
    await session.refresh(cal)
    cache.forget(principal.organization_id)
    audit.record(session, principal, principal.organization_id, "calendar.updated", "calendar", cal.id)
    return CalendarRead.model_validate(cal)


WINDOWS = (7, 14, 30, 60, 90)
MARKETPLACE_KINDS = ("marketplace_first_response", "marketplace_next_response")


async def _rate_rows(
    session: AsyncSession, org: uuid.UUID, start: datetime, end: datetime, now: datetime, by_channel: bool
) -> dict[tuple[str, uuid.UUID | None], tuple[int, int]]:
    met = func.count().filter(SlaClock.state == "met")
    missed = func.count().filter(
        or_(SlaClock.state == "breached", and_(SlaClock.state == "running", SlaClock.due_at <= now))
    )
    keys: list[Any] = [SlaClock.marketplace] + ([SlaClock.channel_id] if by_channel else [])
    rows = await session.execute(
        select(*keys, met, missed)
        .where(
            SlaClock.organization_id == org,
            SlaClock.kind.in_(MARKETPLACE_KINDS),
            SlaClock.started_at >= start,
            SlaClock.started_at < end,
        )
        .group_by(*keys)
    )
    return {(r[0], r[1] if by_channel else None): (int(r[-2]), int(r[-1])) for r in rows}


@router.get("/v1/metrics/response-rate", response_model=ResponseRateReport, tags=["metrics"])
async def response_rate(
    session: SessionDep,
    principal: MetricsReader,
    window_days: int = Query(default=30, description="One of 7, 14, 30, 60, 90"),
) -> ResponseRateReport:
    """Share of buyer messages answered within the marketplace's deadline over a rolling window, per
    marketplace and per channel, beside the marketplace's threshold and how many more misses the
    window can absorb. Clocks still running and not yet due are left out; messages marked "no
    response needed" never count. The trend compares with the window before."""
    if window_days not in WINDOWS:
        raise InvalidInput(
            "window_days must be 7, 14, 30, 60 or 90.",
            errors=field_error("query.window_days", "must be one of 7, 14, 30, 60, 90"),
        )
    now = utc_now()
    start = now - timedelta(days=window_days)
    prev_start = start - timedelta(days=window_days)
    out: dict[str, list[RateRow]] = {"marketplaces": [], "channels": []}
    for by_channel, bucket in ((False, "marketplaces"), (True, "channels")):
        current = await _rate_rows(session, principal.organization_id, start, now, now, by_channel)
        previous = await _rate_rows(session, principal.organization_id, prev_start, start, now, by_channel)
        for (marketplace, channel_id), (met, missed) in sorted(current.items(), key=lambda kv: str(kv[0])):
            threshold, threshold_source = RESPONSE_RATE_THRESHOLDS.get(marketplace, (None, None))
            figures = rates.response_rate(met, missed, threshold)
            prev = previous.get((marketplace, channel_id))
            prev_rate = rates.response_rate(*prev, threshold).rate if prev else None
            out[bucket].append(
                RateRow(
                    marketplace=marketplace,
                    channel_id=channel_id,
                    answered_in_time=met,
                    missed=missed,
                    rate=figures.rate,
                    threshold=threshold,
                    threshold_source=threshold_source,
                    misses_absorbable=figures.misses_absorbable,
                    previous_rate=prev_rate,
                    trend=rates.trend(figures.rate, prev_rate),  # type: ignore[arg-type]
                )
            )
    return ResponseRateReport(window_days=window_days, window_start=start, window_end=now, **out)


@router.get("/v1/metrics/overview", response_model=Overview, tags=["metrics"])
async def overview(session: SessionDep, principal: MetricsReader) -> Overview:
    """The dashboard's headline figures. They measure people: `handled_today` and the average
    first response leave automatic messages out (`automated_today` counts those)."""
    org = principal.organization_id
    now = utc_now()
    conv = (
        await session.execute(
            select(
                func.count().filter(and_(Conversation.waiting_since.is_not(None), Conversation.spam_reason.is_(None))),
                func.count().filter(and_(Conversation.sla_due_soon_at <= now, Conversation.sla_deadline > now)),
                func.count().filter(Conversation.sla_deadline <= now),
            ).where(Conversation.organization_id == org)
        )
    ).one()
    # People only: an auto-acknowledgement a second after the buyer wrote is not a first response
    # (it read "1 min" while agents took hours).
    avg = (
        await session.execute(
            select(func.avg(func.extract("epoch", SlaClock.stopped_at - SlaClock.started_at)))
            .join(Message, Message.id == SlaClock.stop_message_id)
            .where(
                SlaClock.organization_id == org,
                SlaClock.kind == "marketplace_first_response",
                SlaClock.stop_reason == "reply",
                SlaClock.stopped_at >= now - timedelta(days=7),
                Message.author_kind == "human",
            )
        )
    ).scalar_one_or_none()
    tz = (await session.execute(select(Organization.time_zone).where(Organization.id == org))).scalar_one()
    local_midnight = datetime.combine(now.astimezone(ZoneInfo(tz)).date(), time(0), tzinfo=ZoneInfo(tz))
    handled, automated = (
        await session.execute(
            select(
                func.count().filter(Message.author_kind == "human"),
                func.count().filter(Message.author_kind != "human"),
            )
            .select_from(Message)
            .where(
                Message.organization_id == org,
                Message.direction == "outbound",
                Message.delivery_status == "sent",
                Message.delivered_at >= local_midnight,
            )
        )
    ).one()
    return Overview(
        pending=conv[0],
        about_to_breach=conv[1],
        overdue=conv[2],
        average_first_response_seconds=float(avg) if avg is not None else None,
        handled_today=handled,
        automated_today=automated,
        generated_at=now,
    )
