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

from api.models import AssignmentRule, AutoReplyRule, BusinessCalendar, Team, TeamMember, Template, User
from api.sla import repository as sla_repository
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
    await _template_variants(session, organization_id)
    await _internal_clocks(session, organization_id)
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


# The acknowledgements in the languages the demo's buyers write in (Shopee and TikTok buyers in
# Chinese, Latin-American buyers in Spanish): a variant is a template of the same name in another
# language, which automatic replies pick by the buyer's language.
VARIANTS: dict[str, dict[str, str]] = {
    "out_of_hours": {
        "zh": '{{ customer_name or "您" }}好，\n\n感谢您的留言。'
        "我们的团队目前不在线，回来后会在一个工作日内亲自回复您。\n\n此致\n{{ store_name }}",
        "es": 'Hola {{ customer_name or "" }},\n\nGracias por su mensaje. Nuestro equipo no está disponible en este '
        "momento y le responderá personalmente en cuanto vuelva, en un día hábil.\n\nSaludos,\n{{ store_name }}",
    },
    "holiday_notice": {
        "zh": '{{ customer_name or "您" }}好，\n\n感谢您的留言。我们的团队正在休假，回来后会亲自回复您。'
        "现在下的订单将在下一个工作日发货。\n\n此致\n{{ store_name }}",
        "es": 'Hola {{ customer_name or "" }},\n\nGracias por su mensaje. Nuestro equipo está de vacaciones y le '
        "responderá personalmente a su regreso. Los pedidos de hoy se envían el siguiente día hábil.\n\n"
        "Saludos,\n{{ store_name }}",
    },
}
# Internal targets on the office calendar, on top of each marketplace's own clock, so a conversation
# shows both: what the marketplace measures and what the team promised itself.
INTERNAL_TARGETS: dict[str, tuple[int, int]] = {"walmart_bbb_ag_complaint": (30 * 60, 30 * 60)}
DEFAULT_INTERNAL = (4 * 3600, 8 * 3600)


async def _template_variants(session: AsyncSession, organization_id: uuid.UUID) -> None:
    for starter_key, bodies in VARIANTS.items():
        original = await template_service.get_by_starter(session, organization_id, starter_key)
        have = set(
            (
                await session.execute(
                    select(Template.language).where(
                        Template.organization_id == organization_id, Template.name == original.name
                    )
                )
            ).scalars()
        )
        for language, body in bodies.items():
            if language not in have:
                session.add(
                    Template(
                        id=uuid.uuid4(),
                        organization_id=organization_id,
                        name=original.name,
                        category=original.category,
                        language=language,
                        body=body,
                    )
                )
    await session.flush()


async def _internal_clocks(session: AsyncSession, organization_id: uuid.UUID) -> None:
    for policy in await sla_repository.policies(session, organization_id):
        if policy.builtin_key is None or policy.internal_first_response_seconds is not None:
            continue
        first, following = INTERNAL_TARGETS.get(policy.builtin_key, DEFAULT_INTERNAL)
        policy.internal_first_response_seconds = first
        policy.internal_next_response_seconds = following
    await session.flush()


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
