from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.kit.tenancy import require_own
from api.kit.time import utc_now
from api.kit.usage import Usage, UsedBy, usage
from api.models import BusinessCalendar, Channel, SlaPolicy
from api.reports.repository import time_zone
from api.rules.ordered import Kind, OrderedRules
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

# Both are read on every inbound message through `cache`, so each change clears the organization's entry.
POLICIES = Kind(SlaPolicy, "SLA policy", "sla_policy", "sla_policy", changed=cache.forget)
CALENDARS = Kind(
    BusinessCalendar,
    "calendar",
    "calendar",
    "calendar",
    order_by=("name",),
    changed=cache.forget,
    after_write=repository.keep_one_default,
)


async def _check_calendar(session: SessionDep, principal: Principal, calendar_id: uuid.UUID | None) -> None:
    if calendar_id is None:
        return
    if not await OrderedRules(CALENDARS, session, principal).rows.own_ids([calendar_id]):
        raise InvalidInput("No such calendar.", errors=field_error("body.calendar_id", "no such calendar"))


async def _check_channels(session: SessionDep, principal: Principal, conditions: Any) -> None:
    channel_ids = getattr(conditions, "channel_ids", None) or []
    await require_own(
        session, Channel, principal.organization_id, channel_ids, "body.conditions.channel_ids", "channel"
    )


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    """A policy body's fields as stored: conditions keep their non-empty lists, ids as strings."""
    return {
        field: {k: [str(x) for x in v] for k, v in value.items() if v} if field == "conditions" else value
        for field, value in data.items()
    }


@router.get("/v1/sla/policies", response_model=list[PolicyRead])
async def list_policies(session: SessionDep, principal: SettingsReader) -> list[PolicyRead]:
    """SLA policies in the order they are tried; the first whose conditions match applies. The
    built-in marketplace policies carry the source of their rule."""
    return [PolicyRead.model_validate(p) for p in await OrderedRules(POLICIES, session, principal).all()]


@router.post("/v1/sla/policies", status_code=status.HTTP_201_CREATED, response_model=PolicyRead)
async def create_policy(body: PolicyCreate, session: SessionDep, principal: SettingsWriter) -> PolicyRead:
    """Add a policy (e.g. 4 h for high-value customers on Amazon). Clocks already running keep theirs."""
    policies = OrderedRules(POLICIES, session, principal)
    await _check_calendar(session, principal, body.calendar_id)
    await _check_channels(session, principal, body.conditions)
    data = body.model_dump(exclude_none=True, mode="json")
    # Without tiers of its own, a policy escalates like the first one tried.
    data.setdefault("tiers", [t for t in (await policies.all())[0].tiers])
    policy = await policies.create(
        {"source": "organization policy", **_fields(data)}, details=lambda p: {"name": p.name}
    )
    return PolicyRead.model_validate(policy)


@router.patch("/v1/sla/policies/{policy_id}", response_model=PolicyRead, responses=problem_responses(404))
async def update_policy(
    policy_id: uuid.UUID, body: PolicyFields, session: SessionDep, principal: SettingsWriter
) -> PolicyRead:
    """Change targets, conditions, order or tiers. The version goes up; clocks that already ran (or
    are running) keep the snapshot of the version they started with."""
    policies = OrderedRules(POLICIES, session, principal)
    policy = await policies.get(policy_id)
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
    policy = await policies.update(
        policy,
        _fields(data) | {"version": policy.version + 1},
        details=lambda p: {"fields": sorted(data), "version": p.version},
    )
    return PolicyRead.model_validate(policy)


async def _policy_usage(session: SessionDep, policy: SlaPolicy) -> Usage:
    found: list[UsedBy] = []
    if policy.builtin_key:
        found.append(UsedBy(kind="builtin", id=policy.builtin_key, name="built-in policy"))
    running = await repository.running_clocks(session, policy.organization_id, policy.id)
    if running:
        found.append(UsedBy(kind="open_clocks", name="running clocks", count=running))
    hint = "Deactivate it instead: running clocks finish under it and no new one starts."
    return usage(found, hint)


@router.get("/v1/sla/policies/{policy_id}/usage", response_model=Usage, responses=problem_responses(404))
async def policy_usage(policy_id: uuid.UUID, session: SessionDep, principal: SettingsReader) -> Usage:
    """What uses the policy: clocks running under it, or it is built in (the marketplaces' rules)."""
    return await _policy_usage(session, await OrderedRules(POLICIES, session, principal).get(policy_id))


@router.delete(
    "/v1/sla/policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409)
)
async def delete_policy(policy_id: uuid.UUID, session: SessionDep, principal: SettingsWriter) -> None:
    """Delete a policy no clock runs under (audited); stopped clocks keep their snapshot. Built-in
    policies and policies with running clocks: 409 problem+json with `used_by` (deactivate instead)."""
    policies = OrderedRules(POLICIES, session, principal)
    policy = await policies.get(policy_id)
    found = await _policy_usage(session, policy)
    await policies.delete(policy, "The policy", found, {"name": policy.name, "version": policy.version})


@router.get("/v1/sla/calendars", response_model=list[CalendarRead])
async def list_calendars(session: SessionDep, principal: SettingsReader) -> list[CalendarRead]:
    """Business calendars for internal clocks."""
    return [CalendarRead.model_validate(c) for c in await OrderedRules(CALENDARS, session, principal).all()]


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
    calendar = await OrderedRules(CALENDARS, session, principal).create(
        {"holidays": [], "recurring_holidays": [], **data}
    )
    return CalendarRead.model_validate(calendar)


@router.patch("/v1/sla/calendars/{calendar_id}", response_model=CalendarRead, responses=problem_responses(404))
async def update_calendar(
    calendar_id: uuid.UUID, body: CalendarFields, session: SessionDep, principal: SettingsWriter
) -> CalendarRead:
    """Edit a calendar. New clocks use it; running clocks keep the calendar they started with."""
    calendars = OrderedRules(CALENDARS, session, principal)
    calendar = await calendars.get(calendar_id)
    data = body.model_dump(exclude_unset=True)
    merged = {
        k: getattr(calendar, k)
        for k in ("time_zone", "intervals", "holidays", "recurring_holidays", "country_holidays", "subdivision")
    } | data
    try:
        validate_calendar(merged)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=field_error("body", str(exc))) from exc
    return CalendarRead.model_validate(await calendars.update(calendar, data))


async def _calendar_usage(session: SessionDep, calendar: BusinessCalendar) -> Usage:
    policies, teams = await repository.calendar_users(session, calendar.organization_id, calendar.id)
    found = [UsedBy(kind="sla_policy", id=str(i), name=name) for i, name in policies]
    found += [UsedBy(kind="team", id=str(i), name=name) for i, name in teams]
    if calendar.is_default:
        found.append(UsedBy(kind="default_calendar", name="the default calendar"))
    # Deleting a calendar in use would silently move those clocks to other hours (or to 24/7).
    hint = "Give those policies and teams another calendar first, and make another calendar the default."
    return usage(found, hint)


@router.get("/v1/sla/calendars/{calendar_id}/usage", response_model=Usage, responses=problem_responses(404))
async def calendar_usage(calendar_id: uuid.UUID, session: SessionDep, principal: SettingsReader) -> Usage:
    """What uses the calendar: SLA policies and teams counting business time on it, or it is the
    organization's default."""
    return await _calendar_usage(session, await OrderedRules(CALENDARS, session, principal).get(calendar_id))


@router.delete(
    "/v1/sla/calendars/{calendar_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409)
)
async def delete_calendar(calendar_id: uuid.UUID, session: SessionDep, principal: SettingsWriter) -> None:
    """Delete a calendar nothing uses (audited). Running clocks keep the hours they started with
    (their snapshot). A calendar an SLA policy or a team uses, or the default: 409 problem+json with
    `used_by`."""
    calendars = OrderedRules(CALENDARS, session, principal)
    calendar = await calendars.get(calendar_id)
    found = await _calendar_usage(session, calendar)
    await calendars.delete(calendar, "The calendar", found, {"name": calendar.name})


WINDOWS = (7, 14, 30, 60, 90)


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
        current = await repository.response_rate_rows(session, principal.organization_id, start, now, now, by_channel)
        previous = await repository.response_rate_rows(
            session, principal.organization_id, prev_start, start, now, by_channel
        )
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
    waiting = await repository.waiting(session, org, now)
    average = await repository.average_human_first_response(session, org, now - timedelta(days=7))
    tz = await time_zone(session, org)
    local_midnight = datetime.combine(now.astimezone(ZoneInfo(tz)).date(), time(0), tzinfo=ZoneInfo(tz))
    handled, automated = await repository.sent_since(session, org, local_midnight)
    return Overview(
        pending=waiting.pending,
        about_to_breach=waiting.about_to_breach,
        overdue=waiting.overdue,
        average_first_response_seconds=average,
        handled_today=handled,
        automated_today=automated,
        generated_at=now,
    )
