"""Rosters: editing them (refusing overlaps and over-long shifts), who is on shift now and next,
coverage against traffic, and the on-shift questions routing and escalation ask."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from api import audit
from api.auth.principal import Principal
from api.db import Session
from api.kit.errors import FieldError, InvalidInput, field_error
from api.kit.ids import uuid7
from api.kit.time import utc_now
from api.models import Shift
from api.shift import repository, roster
from api.shift.schemas import CoverageHour, CoverageRead, OnShiftRead, ShiftCreate, ShiftSpan
from api.team import repository as team_repository
from api.user import repository as user_repository

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HORIZON = timedelta(days=8)


def _describe(ln: roster.Line) -> str:
    when = WEEKDAYS[ln.weekday] + "s" if ln.weekday is not None else str(ln.on_date)
    return f"{when} {ln.start_time:%H:%M} for {ln.duration_minutes} min ({ln.time_zone})"


async def create(session: Session, principal: Principal, body: ShiftCreate) -> Shift:
    await team_repository.get(session, principal.organization_id, body.team_id, field="body.team_id")
    await user_repository.get(session, principal.organization_id, body.user_id, field="body.user_id")
    if not await repository.is_team_member(session, principal, body.team_id, body.user_id):
        raise InvalidInput(
            "The agent is not a member of this team.", errors=field_error("body.user_id", "not in the team")
        )
    candidate = roster.Line(id=uuid7(), **body.model_dump())
    found = roster.problems(candidate)
    if body.is_off and body.on_date is None:
        found.append(("body.is_off", "only a dated exception can be a day off"))
    if found:
        raise InvalidInput(
            "This shift cannot be rostered: " + "; ".join(r for _, r in found) + ".",
            errors=[FieldError(field=f, reason=r) for f, r in found],
        )
    existing = await repository.lock_user_lines(session, principal.organization_id, body.user_id)
    clash = roster.overlapping(candidate, existing)
    if clash is not None:
        other, at = clash
        reason = f"overlaps this agent's shift {_describe(other)} at {at:%Y-%m-%d %H:%M} UTC"
        raise InvalidInput(f"The shift {reason}.", errors=field_error("body.start_time", reason))
    row = Shift(id=candidate.id, organization_id=principal.organization_id, **body.model_dump())
    session.add(row)
    await session.flush()
    audit.record(
        session, principal, principal.organization_id, "shift.created", "shift", row.id, {"shift": _describe(candidate)}
    )
    return row


async def delete(session: Session, principal: Principal, shift_id: uuid.UUID) -> None:
    row = await repository.get(session, principal.organization_id, shift_id)
    await repository.delete_one(session, principal.organization_id, shift_id)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "shift.deleted",
        "shift",
        row.id,
        {"shift": _describe(repository.line(row))},
    )


class OnShift:
    """The on-shift answers for a set of users at one instant. Users without any roster line are not
    governed by shifts: they count as on shift (and routable), as before rosters existed."""

    def __init__(self, lines: Iterable[roster.Line], at: datetime) -> None:
        self.lines = list(lines)
        self.at = at
        self.governed = {ln.user_id for ln in self.lines}
        self.intervals = roster.expand(self.lines, at - HORIZON, at + HORIZON)

    def on_shift(self, user_id: uuid.UUID) -> bool:
        return user_id not in self.governed or roster.current(self.intervals, user_id, self.at) is not None

    def routable(self, user_id: uuid.UUID) -> bool:
        return user_id not in self.governed or roster.routable(self.intervals, user_id, self.at)

    def next_start(self, user_id: uuid.UUID) -> datetime | None:
        nxt = roster.upcoming(self.intervals, user_id, self.at)
        return nxt.start if nxt else None


async def on_shift_view(
    session: Session, organization_id: uuid.UUID | None, user_ids: Iterable[uuid.UUID], at: datetime
) -> OnShift:
    """`organization_id` None: callers whose user ids come from rows they already read scoped (routing
    reads a team's members, the timer batch its conversations' people)."""
    return OnShift(await repository.lines_of_users(session, organization_id, user_ids), at)


def _span(i: roster.Interval | None) -> ShiftSpan | None:
    return (
        None if i is None else ShiftSpan(start=i.start, end=i.end, handover_start=i.handover_start, team_id=i.team_id)
    )


async def board(session: Session, organization_id: uuid.UUID) -> list[OnShiftRead]:
    """Everyone with a roster: on shift now, and their current and next shift."""
    now = utc_now()
    users = await user_repository.list_all(session, organization_id)
    view = await on_shift_view(session, organization_id, [u.id for u in users], now)
    out = []
    for u in users:
        if u.id not in view.governed or not u.is_active:
            continue
        cur = roster.current(view.intervals, u.id, now)
        out.append(
            OnShiftRead(
                user_id=u.id,
                name=u.name,
                role=u.role,
                status=u.status,
                on_shift=cur is not None,
                routable=view.routable(u.id),
                current=_span(cur),
                next=_span(roster.upcoming(view.intervals, u.id, now)),
            )
        )
    return out


async def coverage(session: Session, organization_id: uuid.UUID, team_id: uuid.UUID | None, weeks: int) -> CoverageRead:
    """The coming 168 hours in the organization's zone: agents on shift against the average inbound
    traffic of the same hour of the week over the last `weeks` weeks."""
    org = await repository.organization(session, organization_id)
    tz_name = org.time_zone if org is not None and roster.zone(org.time_zone) else "UTC"
    tz = roster.zone(tz_name)
    assert tz is not None
    now = utc_now()
    start = now.replace(minute=0, second=0, microsecond=0)
    lines = [repository.line(r) for r in await repository.list_all(session, organization_id, team_id)]
    intervals = roster.expand(lines, start, start + timedelta(hours=168))
    agents = roster.coverage(intervals, start, 168)
    per_hour = await repository.inbound_per_hour(session, organization_id, repository.weeks_back(start, weeks), tz_name)
    hours = []
    traffic = []
    for h in range(168):
        at = (start + timedelta(hours=h)).astimezone(tz)
        t = per_hour.get((at.isoweekday(), at.hour), 0) / weeks
        traffic.append(t)
        hours.append((start + timedelta(hours=h), at.isoweekday(), at.hour))
    gaps = set(roster.gaps(agents, traffic))
    return CoverageRead(
        time_zone=tz_name,
        weeks=weeks,
        hours=[
            CoverageHour(
                start=s, weekday=d, hour=hr, agents_on_shift=agents[i], traffic=round(traffic[i], 2), gap=i in gaps
            )
            for i, (s, d, hr) in enumerate(hours)
        ],
    )
