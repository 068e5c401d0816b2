"""Organizations, users, sessions and API keys."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta

from api import audit
from api.auth import cache as auth_cache
from api.auth import repository
from api.auth.passwords import password_weakness, user_inputs
from api.auth.principal import Principal
from api.db import ConstraintViolation, Session
from api.kit.crypto import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    new_api_key,
    new_session_token,
    token_digest,
    verify_password,
)
from api.kit.errors import Conflict, InvalidInput, Unauthorized, field_error
from api.kit.time import utc_now
from api.models import ApiKey, Organization, User, UserSession
from api.sla import repository as sla_repository

# Password verifications per login, at least: see `login`.
LOGIN_VERIFICATIONS = 2


async def create_organization(session: Session, name: str, slug: str | None = None) -> Organization:
    slug = slug or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "org"
    org = Organization(id=uuid.uuid4(), name=name, slug=slug)
    session.add(org)
    try:
        async with session.begin_nested():
            await session.flush()
    except ConstraintViolation as exc:
        raise Conflict(f"An organization with slug {slug!r} exists.") from exc
    await sla_repository.seed_builtins(session, org.id)
    return org


async def create_user(
    session: Session,
    organization_id: uuid.UUID,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "agent",
    capacity: int = 20,
    locale: str = "en",
    check_strength: bool = True,
) -> User:
    """Add a user to an organization. `check_strength=False` only for fixed, printed local credentials
    (the demo's); every password a person chooses goes through `require_strong_password`."""
    if check_strength:
        require_strong_password(password, email=email, name=name)
    # Unique per organization only: the answer never depends on other tenants' users.
    if await repository.user_by_email(session, organization_id, email) is not None:
        raise Conflict(
            "A user with this email exists in your organization.",
            errors=field_error("body.email", "already registered in this organization"),
        )
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
    try:
        async with session.begin_nested():
            await session.flush()
    except ConstraintViolation as exc:  # a concurrent create of the same address in this organization
        raise Conflict(
            "A user with this email exists in your organization.",
            errors=field_error("body.email", "already registered in this organization"),
        ) from exc
    await session.refresh(user)
    return user


def require_strong_password(password: str, *, email: str, name: str, field: str = "body.password") -> None:
    reason = password_weakness(password, user_inputs(email, name))
    if reason is not None:
        raise InvalidInput(f"The password is {reason}", errors=field_error(field, reason))


async def set_password(
    session: Session, user: User, password: str, *, keep_session_id: uuid.UUID | None, field: str
) -> int:
    """Change a user's password and end every other session of theirs (all but `keep_session_id`, the
    session making the change, if it is theirs): whoever held the old password loses access now.
    Returns how many sessions were revoked."""
    require_strong_password(password, email=user.email, name=user.name, field=field)
    user.password_hash = hash_password(password)
    revoked = await repository.revoke_sessions_of(session, user, utc_now(), keep_session_id=keep_session_id)
    # Cached sessions of this user go too (the kept one is simply read again): revoked on the next request.
    auth_cache.forget(session, user_id=user.id)
    return revoked


def _verify_padded(hashes: list[str], password: str) -> list[bool]:
    """Which hashes the password opens, padded with verifications against a dummy hash so the time
    taken does not tell an unknown address from a known one, nor an address in one organization from
    one in two (an admin could otherwise add an address to their own organization and time logins to
    learn it exists in another). Argon2 is slow on purpose: callers run this off the event loop."""
    opened = [verify_password(h, password) for h in hashes]
    for _ in range(LOGIN_VERIFICATIONS - len(hashes)):
        verify_password(DUMMY_PASSWORD_HASH, password)
    return opened


async def login(
    session: Session, email: str, password: str, ttl: timedelta, organization: str | None = None
) -> tuple[str, datetime, User]:
    """An address may belong to users in several organizations: the password tells them apart, and
    if it opens more than one account the caller must name the organization (its slug)."""
    candidates = await repository.users_by_email(session, email, organization)
    hashes = [u.password_hash for u in candidates]
    opened = await asyncio.to_thread(_verify_padded, hashes, password)
    matches = [u for u, ok in zip(candidates, opened, strict=True) if ok and u.is_active]
    if not matches:
        raise Unauthorized("Wrong email or password.")
    if len(matches) > 1:
        raise InvalidInput(
            "This email and password open accounts in several organizations; name one in `organization`.",
            errors=field_error("body.organization", "required: the account exists in several organizations"),
        )
    user = matches[0]
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


async def logout(session: Session, token: str) -> None:
    digest = token_digest(token)
    await repository.revoke_session_by_digest(session, digest, utc_now())
    auth_cache.forget(session, digest=digest)


async def revoke_api_key(session: Session, key: ApiKey, principal: Principal) -> None:
    """Revoke a key; this process refuses it from the next request on (see api/auth/cache.py)."""
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        audit.record(session, principal, principal.organization_id, "api_key.revoked", "api_key", key.id)
        await session.flush()
    auth_cache.forget(session, api_key_id=key.id)


def user_changed(session: Session, user_id: uuid.UUID) -> None:
    """A user's role or active flag may have changed: their cached sessions are read again."""
    auth_cache.forget(session, user_id=user_id)


async def create_api_key(
    session: Session,
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
