from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.kit.scoped import readable
from api.models import ApiKey, Organization, User, UserSession

# Login verifies a password per candidate (argon2, ~50 ms each): an address in more organizations
# than this is not a real case, and the bound keeps one login request cheap.
MAX_LOGIN_CANDIDATES = 10


async def user_by_email(session: AsyncSession, organization_id: uuid.UUID, email: str) -> User | None:
    """The user with this address in one organization (addresses are unique per organization)."""
    result = await session.execute(
        select(User).where(User.organization_id == organization_id, func.lower(User.email) == email.lower())
    )
    return result.scalar_one_or_none()


async def users_by_email(session: AsyncSession, email: str, organization_slug: str | None = None) -> list[User]:
    """Every user with this address, across organizations (or in the one named): login candidates."""
    stmt = select(User).where(func.lower(User.email) == email.lower())
    if organization_slug is not None:
        stmt = stmt.join(Organization, Organization.id == User.organization_id).where(
            Organization.slug == organization_slug
        )
    result = await session.execute(stmt.order_by(User.created_at, User.id).limit(MAX_LOGIN_CANDIDATES))
    return list(result.scalars())


async def live_session(session: AsyncSession, digest: str, now: datetime) -> tuple[UserSession, User] | None:
    result = await session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_digest == digest,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            User.is_active.is_(True),
        )
    )
    row = result.one_or_none()
    return (row[0], row[1]) if row else None


async def live_api_key(session: AsyncSession, digest: str) -> ApiKey | None:
    result = await session.execute(select(ApiKey).where(ApiKey.key_digest == digest, ApiKey.revoked_at.is_(None)))
    return result.scalar_one_or_none()


async def org_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    result = await session.execute(select(Organization).where(Organization.slug == slug))
    return result.scalar_one_or_none()


async def api_keys(session: AsyncSession, principal: Principal) -> list[ApiKey]:
    """The caller's organization's API keys, oldest first."""
    result = await session.execute(readable(ApiKey, principal).order_by(ApiKey.created_at))
    return list(result.scalars())


async def api_key(session: AsyncSession, principal: Principal, api_key_id: uuid.UUID) -> ApiKey | None:
    result = await session.execute(readable(ApiKey, principal).where(ApiKey.id == api_key_id))
    return result.scalar_one_or_none()


async def purge_sessions_expired_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete login sessions that expired before `cutoff` (every organization's); how many went."""
    result = await session.execute(delete(UserSession).where(UserSession.expires_at < cutoff))
    return result.rowcount or 0  # type: ignore[attr-defined]
