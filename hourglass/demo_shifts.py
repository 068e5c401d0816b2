"""The demo organization's follow-the-sun rota: each person on their own local office hours, every
day, so someone is on shift at any hour of the week and the Shifts page's "on now" is never empty.

Li Na works from Shenzhen (Asia/Shanghai), Carlos Ruiz from Madrid (Europe/Madrid) and the
supervisor Wang Fang from Los Angeles (America/Los_Angeles). Li Na's day ends while Carlos is on,
so what falls due in her night is handed to him with a note; the 12-hour escalation of a buyer who
wrote in the Shenzhen evening fires in the Los Angeles day and goes to Wang Fang, on shift then.
Idempotent: a person who already has any roster line (the demo user may have edited it) is left
alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Shift, Team, TeamMember, User


@dataclass(frozen=True)
class RotaLine:
    email: str
    time_zone: str
    start: time
    minutes: int


# Wall-clock hours in each person's zone; the overlaps (Shanghai 00:30 UTC start before Los Angeles
# ends, Madrid before Shanghai ends, Los Angeles before Madrid ends, in winter and summer time)
# leave no hour without someone on shift.
ROTA = (
    RotaLine("li.na@hourglass.local", "Asia/Shanghai", time(8, 30), 9 * 60 + 30),
    RotaLine("carlos@hourglass.local", "Europe/Madrid", time(9, 0), 10 * 60),
    RotaLine("supervisor@hourglass.local", "America/Los_Angeles", time(9, 0), 9 * 60),
)
HANDOVER_MINUTES = 30


async def seed_demo_rota(session: AsyncSession, organization_id: uuid.UUID, users: dict[str, User]) -> int:
    """Roster the demo's people (weekly, all seven days) in the team they belong to; returns how many
    lines were added."""
    rostered = set(
        (await session.execute(select(Shift.user_id).where(Shift.organization_id == organization_id))).scalars()
    )
    added = 0
    for rota in ROTA:
        user = users.get(rota.email)
        if user is None or user.id in rostered:
            continue
        team_id = (
            await session.execute(
                select(TeamMember.team_id)
                .join(Team, Team.id == TeamMember.team_id)
                .where(TeamMember.organization_id == organization_id, TeamMember.user_id == user.id)
                .order_by(Team.name)
                .limit(1)
            )
        ).scalar_one_or_none()
        if team_id is None:
            continue
        common = {
            "organization_id": organization_id,
            "team_id": team_id,
            "user_id": user.id,
            "time_zone": rota.time_zone,
            "start_time": rota.start,
            "duration_minutes": rota.minutes,
            "handover_minutes": HANDOVER_MINUTES,
        }
        for weekday in range(7):
            session.add(Shift(weekday=weekday, **common))
            added += 1
    await session.flush()
    return added
