"""The demo organization: a team, an admin, two agents, a supervisor and an ERP channel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from api.auth import repository as auth_repository
from api.auth import service as auth_service
from api.auth.principal import SCOPES
from api.config import get_settings
from api.db import create_engine, create_sessionmaker
from api.kit.time import utc_now
from api.models import ApiKey, Channel, Team, TeamMember

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@hourglass.local"
DEMO_PASSWORD = "hourglass-demo"  # noqa: S105 - a printed demo credential, local only


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    password: str
    api_key: str


async def seed_demo(database_url: str) -> DemoCredentials:
    """Idempotent: creates what is missing; issues a fresh demo API key each run (old ones revoked)."""
    settings = get_settings()
    engine = create_engine(database_url, settings, pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            org = await auth_repository.org_by_slug(session, DEMO_SLUG)
            if org is None:
                org = await auth_service.create_organization(session, "Demo Store Group", DEMO_SLUG)
            people = [
                (DEMO_EMAIL, "Demo Admin", "admin"),
                ("li.na@hourglass.local", "Li Na", "agent"),
                ("carlos@hourglass.local", "Carlos Ruiz", "agent"),
                ("supervisor@hourglass.local", "Wang Fang", "supervisor"),
            ]
            users = {}
            for email, name, role in people:
                user = await auth_repository.user_by_email(session, email)
                if user is None:
                    user = await auth_service.create_user(
                        session,
                        org.id,
                        email=email,
                        name=name,
                        password=DEMO_PASSWORD,
                        role=role,
                        locale="zh-CN" if name in ("Li Na", "Wang Fang") else "en",
                    )
                users[email] = user
            team = (await session.execute(select(Team).where(Team.organization_id == org.id))).scalars().first()
            if team is None:
                team = Team(organization_id=org.id, name="Frontline")
                session.add(team)
                await session.flush()
                session.add_all(
                    TeamMember(organization_id=org.id, team_id=team.id, user_id=u.id)
                    for u in users.values()
                    if u.role == "agent"
                )
            channel = (
                (
                    await session.execute(
                        select(Channel).where(Channel.organization_id == org.id, Channel.marketplace == "api")
                    )
                )
                .scalars()
                .first()
            )
            if channel is None:
                session.add(
                    Channel(organization_id=org.id, marketplace="api", name="ERP feed", default_team_id=team.id)
                )
            await session.execute(
                update(ApiKey)
                .where(ApiKey.organization_id == org.id, ApiKey.name == "demo", ApiKey.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
            _, key = await auth_service.create_api_key(session, org.id, "demo", list(SCOPES))
        return DemoCredentials(email=DEMO_EMAIL, password=DEMO_PASSWORD, api_key=key)
    finally:
        await engine.dispose()
