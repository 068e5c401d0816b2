"""Organizations, users, sessions and API keys."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.auth import repository
from api.auth.principal import Principal
from api.kit.crypto import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    new_api_key,
    new_session_token,
    token_digest,
    verify_password,
)
from api.kit.errors import Conflict, Unauthorized, field_error
from api.kit.time import utc_now
from api.models import ApiKey, Organization, User, UserSession


async def create_organization(session: AsyncSession, name: str, slug: str | None = None) -> Organization:
    slug = slug or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "org"
    org = Organization(id=uuid.uuid4(), name=name, slug=slug)
    session.add(org)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"An organization with slug {slug!r} exists.") from exc
    return org


async def create_user(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "agent",
    capacity: int = 20,
    locale: str = "en",
) -> User:
    if await repository.user_by_email(session, email) is not None:
        raise Conflict(f"A user with email {email!r} exists.", errors=field_error("body.email", "already registered"))
    user = User(
        id=uuid.uuid4(),
        organization_id=organization_id,
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password),
        capacity=capacity,
        locale=locale,
    )
    session.add(user)
    await session.flush()
    await session.refresh(user)
    return user


async def login(session: AsyncSession, email: str, password: str, ttl: timedelta) -> tuple[str, datetime, User]:
    user = await repository.user_by_email(session, email)
    # Verify against a dummy hash for unknown users so timing does not reveal who has an account.
    ok = verify_password(user.password_hash if user else DUMMY_PASSWORD_HASH, password)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("Wrong email or password.")
    token = new_session_token()
    expires_at = utc_now() + ttl
    session.add(
        UserSession(
            organization_id=user.organization_id,
            user_id=user.id,
            token_digest=token_digest(token),
            expires_at=expires_at,
        )
    )
    user.last_seen_at = utc_now()
    audit.record(session, None, user.organization_id, "user.login", "user", user.id, actor_type="user")
    await session.flush()
    return token, expires_at, user


async def logout(session: AsyncSession, token: str) -> None:
    await session.execute(
        update(UserSession).where(UserSession.token_digest == token_digest(token)).values(revoked_at=utc_now())
    )


async def create_api_key(
    session: AsyncSession,
    organization_id: uuid.UUID,
    name: str,
    scopes: list[str],
    *,
    created_by: Principal | None = None,
    rate_limit_per_minute: int | None = None,
) -> tuple[ApiKey, str]:
    key, prefix = new_api_key()
    api_key = ApiKey(
        id=uuid.uuid4(),
        organization_id=organization_id,
        name=name,
        prefix=prefix,
        key_digest=token_digest(key),
        scopes=scopes,
        rate_limit_per_minute=rate_limit_per_minute,
        created_by_id=created_by.user_id if created_by else None,
    )
    session.add(api_key)
    await session.flush()
    await session.refresh(api_key)
    audit.record(
        session,
        created_by,
        organization_id,
        "api_key.created",
        "api_key",
        api_key.id,
        {"name": name, "scopes": scopes},
        actor_type=None if created_by else "system",
    )
    return api_key, key
