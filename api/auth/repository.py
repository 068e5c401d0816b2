from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import ApiKey, Organization, User, UserSession


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    return result.scalar_one_or_none()


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


async def touch_api_key(session: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


async def org_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    result = await session.execute(select(Organization).where(Organization.slug == slug))
    return result.scalar_one_or_none()
