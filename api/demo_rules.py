"""The demo organization's working setup: office hours, teams, automation and routing.

A cross-border team in Shenzhen answering buyers in the Americas: most US traffic lands while the
office is closed, so the out-of-hours acknowledgement is what a demo user sees fire first. Every
function here is idempotent (matched by name) so `make run` can be repeated; it never overwrites
what the user changed in Settings, it only adds what is missing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AssignmentRule, AutoReplyRule, BusinessCalendar, Team, TeamMember, User
from api.template import service as template_service

CALENDAR = {
    "name": "Shenzhen office",
    "time_zone": "Asia/Shanghai",
    "intervals": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [["10:00", "16:00"]]},
    "country_holidays": "CN",
}
SUPERVISORS = "Supervisors"
# Open conversations each person carries at most; the load balancer never goes past it.
CAPACITY = {"agent": 25, "supervisor": 40}


async def seed_working_setup(
    session: AsyncSession, organization_id: uuid.UUID, frontline: Team, users: dict[str, User]
) -> None:
    calendar = await _calendar(session, organization_id)
    supervisors = await _team(session, organization_id, SUPERVISORS)
    for team in (frontline, supervisors):
        if team.calendar_id is None:
            team.calendar_id = calendar.id
    rows = await session.execute(
        select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.organization_id == organization_id)
    )
    members = {(team_id, user_id) for team_id, user_id in rows}
    for user in users.values():
        home = {"supervisor": supervisors, "agent": frontline}.get(user.role)
        if home is not None and (home.id, user.id) not in members:
            session.add(TeamMember(organization_id=organization_id, team_id=home.id, user_id=user.id))
        if user.role in CAPACITY:
            # The demo's people are "at their desks", so routing has someone to give work to.
            user.status = "online"
            user.capacity = CAPACITY[user.role]
    await session.flush()
    await template_service.ensure_starters(session, organization_id)
    await _auto_reply_rules(session, organization_id)
    await _assignment_rules(session, organization_id, supervisors.id)


async def _calendar(session: AsyncSession, organization_id: uuid.UUID) -> BusinessCalendar:
    row = (
        await session.execute(
            select(BusinessCalendar).where(
                BusinessCalendar.organization_id == organization_id, BusinessCalendar.name == CALENDAR["name"]
            )
        )
    ).scalar_one_or_none()
    if row is None:
        has_default = (
            await session.execute(
                select(BusinessCalendar.id).where(
                    BusinessCalendar.organization_id == organization_id, BusinessCalendar.is_default.is_(True)
                )
            )
        ).first()
        row = BusinessCalendar(organization_id=organization_id, is_default=has_default is None, **CALENDAR)
        session.add(row)
        await session.flush()
    return row


async def _team(session: AsyncSession, organization_id: uuid.UUID, name: str) -> Team:
    team = (
        await session.execute(select(Team).where(Team.organization_id == organization_id, Team.name == name))
    ).scalar_one_or_none()
    if team is None:
        team = Team(organization_id=organization_id, name=name)
        session.add(team)
        await session.flush()
    return team


async def _template_id(session: AsyncSession, organization_id: uuid.UUID, starter_key: str) -> str:
    return str((await template_service.get_by_starter(session, organization_id, starter_key)).id)


async def _auto_reply_rules(session: AsyncSession, organization_id: uuid.UUID) -> None:
    holiday = await _template_id(session, organization_id, "holiday_notice")
    ack = await _template_id(session, organization_id, "out_of_hours")
    rules: list[dict[str, Any]] = [
        {
            "name": "Holiday notice",
            "position": 10,
            "conditions": {"on_holiday": True},
            "actions": [{"type": "send_template", "template_id": holiday}],
            "cooldown_minutes": 24 * 60,
            # One acknowledgement is enough: the out-of-hours rule below would say the same.
            "stop_after_match": True,
        },
        {
            "name": "Out-of-hours acknowledgement",
            "position": 20,
            "conditions": {"outside_business_hours": True},
            "actions": [{"type": "send_template", "template_id": ack}],
            "cooldown_minutes": 12 * 60,
        },
        {
            "name": "Damaged items: high priority",
            "position": 30,
            "conditions": {
                "keywords": ["damaged", "broken", "arrived broken", "损坏", "坏了", "破损", "roto", "dañado"]
            },
            "actions": [{"type": "set_priority", "priority": "high"}, {"type": "add_label", "label": "damaged"}],
            "cooldown_minutes": 24 * 60,
        },
    ]
    existing = set(
        (
            await session.execute(select(AutoReplyRule.name).where(AutoReplyRule.organization_id == organization_id))
        ).scalars()
    )
    for rule in rules:
        if rule["name"] not in existing:
            session.add(AutoReplyRule(id=uuid.uuid4(), organization_id=organization_id, **rule))


async def _assignment_rules(session: AsyncSession, organization_id: uuid.UUID, supervisors_id: uuid.UUID) -> None:
    rules: list[dict[str, Any]] = [
        {
            "name": "Returns and complaints go to the supervisors",
            "position": 10,
            "conditions": {"categories": ["return_refund", "damaged", "complaint"]},
            "team_id": supervisors_id,
        },
        {
            "name": "Walmart Customer Care goes to the supervisors",
            "position": 20,
            "conditions": {"categories": ["walmart_customer_care"]},
            "team_id": supervisors_id,
        },
    ]
    existing = set(
        (
            await session.execute(select(AssignmentRule.name).where(AssignmentRule.organization_id == organization_id))
        ).scalars()
    )
    for rule in rules:
        if rule["name"] not in existing:
            session.add(AssignmentRule(id=uuid.uuid4(), organization_id=organization_id, **rule))
