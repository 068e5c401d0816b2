from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.kit.scoped import Tenant, readable, readable_columns, scoped_update
from api.models import ApiKey, Organization, User, UserSession

# Login verifies a password per candidate (argon2, ~50 ms each): an address in more organizations
# than this is not a real case, and the bound keeps one login request cheap.
MAX_LOGIN_CANDIDATES = 10


async def user_by_email(session: AsyncSession, organization_id: uuid.UUID, email: str) -> User | None:
    """The user with this address in one organization (addresses are unique per organization)."""
    result = await session.execute(readable(User, organization_id).where(func.lower(User.email) == email.lower()))
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


async def active_admin_ids(session: AsyncSession, tenant: Tenant) -> list[uuid.UUID]:
    """The ids of the tenant's active admins."""
    stmt = readable_columns(User, tenant, User.id).where(User.role == "admin", User.is_active.is_(True))
    return list((await session.execute(stmt)).scalars())


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


async def revoke_sessions_of(
    session: AsyncSession, user: User, now: datetime, *, keep_session_id: uuid.UUID | None = None
) -> int:
    """Revoke the user's live login sessions, all but `keep_session_id`; how many were revoked."""
    stmt = scoped_update(UserSession, user.organization_id).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        stmt = stmt.where(UserSession.id != keep_session_id)
    result = await session.execute(stmt.values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_session_by_digest(session: AsyncSession, digest: str, now: datetime) -> None:
    """Revoke the login session whose token has this digest, whichever organization's (logout: the
    token is the caller's only credential)."""
    await session.execute(update(UserSession).where(UserSession.token_digest == digest).values(revoked_at=now))


# The API keys' usage stamps (api/auth/usage.py), keys of every organization in one statement: an
# unnest of two arrays, two parameters however many keys were used. A stored stamp never moves back.
USAGE_FLUSH_SQL = """
    UPDATE api_keys AS k SET last_used_at = v.used_at
    FROM unnest(CAST(:ids AS uuid[]), CAST(:used_at AS timestamptz[])) AS v(id, used_at)
    WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.used_at)
    """
_USAGE_FLUSH = text(USAGE_FLUSH_SQL)


async def stamp_api_keys_used(session: AsyncSession, used_at: dict[uuid.UUID, datetime]) -> None:
    """Set `last_used_at` of these API keys (any organization's), where it is older or unset."""
    await session.execute(_USAGE_FLUSH, {"ids": list(used_at), "used_at": list(used_at.values())})
