"""Authentication at the edge: `Authorization: Bearer <session token | API key>`, then scope checks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.exceptions import RedisError

from api.auth import cache, rate_limit, repository, usage
from api.auth.principal import ROLE_SCOPES, Principal
from api.config import Settings
from api.db import SessionDep
from api.kit.crypto import token_digest
from api.kit.errors import Forbidden, TooManyRequests, Unauthorized
from api.kit.time import utc_now
from api.ops.idempotency import idempotency_gate
from api.privacy import policy as privacy_policy

log = logging.getLogger(__name__)

bearer = HTTPBearer(
    auto_error=False,
    description="A session token from `POST /v1/auth/login` (SPA) or an API key (ERPs).",
)


async def authenticate(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    privacy_policy.set_masking(False)
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Send `Authorization: Bearer <token>` with a session token or an API key.")
    principal = await principal_for_token(session, credentials.credentials)
    if principal is None:
        raise Unauthorized("The token is unknown, expired or revoked.")
    if principal.api_key_id is not None:
        await enforce_rate_limit(request, principal)
    elif principal.role is not None and principal.role != "admin":
        await privacy_policy.decide(session, principal)
    request.state.principal = principal
    return principal


async def principal_for_token(session: SessionDep, token: str) -> Principal | None:
    """Resolve a bearer token; shared by HTTP and the WebSocket handshake.

    Served from the per-process cache when it can (no statement at all): revocations made through this
    process count at once, those made elsewhere within `HOURGLASS_AUTH_CACHE_TTL_SECONDS`, and a session's
    expiry is checked on every request (see api/auth/cache.py). An API key's use is only noted here; it is
    stamped later, outside this request's transaction and its locks (see api/auth/usage.py)."""
    digest = token_digest(token)
    now = utc_now()
    principal = cache.principals.get(digest, now)
    if principal is None:
        principal = await _read_once(session, token, digest, now)
        if principal is None:
            return None
    if principal.api_key_id is not None:
        usage.stamps.record(principal.api_key_id, now)
    return principal


class _LeaderFailed(Exception):
    """The shared read failed or was cancelled: each waiting request reads for itself."""


# Reads of a credential in flight in this process, by token digest (see _read_once).
_reads: dict[str, asyncio.Future[Principal | None]] = {}


async def _read_once(session: SessionDep, token: str, digest: str, now: datetime) -> Principal | None:
    """One read of a credential at a time per process. Under load, every request of a busy API key
    missed the cache in the same moment its entry went stale, and each read the row (32 concurrent
    lookups of one key); now the first one reads and the others wait for its answer. When that read
    fails (the database, or its request cancelled), the others read for themselves, so one request's
    failure is never another's."""
    shared = _reads.get(digest)
    if shared is not None:
        try:
            return await asyncio.shield(shared)
        except _LeaderFailed:
            return await _read_principal(session, token, digest, now)
    future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
    _reads[digest] = future
    try:
        principal = await _read_principal(session, token, digest, now)
    except BaseException:
        future.set_exception(_LeaderFailed())
        future.exception()  # retrieved: nobody may be waiting, and that is not worth a warning
        raise
    else:
        future.set_result(principal)
        return principal
    finally:
        if _reads.get(digest) is future:
            del _reads[digest]


async def _read_principal(session: SessionDep, token: str, digest: str, now: datetime) -> Principal | None:
    if token.startswith("hgs_"):
        found = await repository.live_session(session, digest, now)
        if found is None:
            return None
        user_session, user = found
        principal = Principal(
            organization_id=user.organization_id,
            user_id=user.id,
            session_id=user_session.id,
            role=user.role,
            name=user.name,
            scopes=ROLE_SCOPES[user.role],
        )
        cache.principals.put(digest, principal, session_expires_at=user_session.expires_at)
        return principal
    key = await repository.live_api_key(session, digest)
    if key is None:
        return None
    usage.stamps.seen(key.id, key.last_used_at)
    principal = Principal(
        organization_id=key.organization_id,
        api_key_id=key.id,
        name=key.name,
        scopes=frozenset(key.scopes),
        rate_limit_per_minute=key.rate_limit_per_minute,
    )
    cache.principals.put(digest, principal)
    return principal


async def enforce_rate_limit(request: Request, principal: Principal) -> None:
    """One request of the API key's minute (api/auth/rate_limit.py); fails open if Redis is unreachable."""
    settings: Settings = request.app.state.settings
    limit = principal.rate_limit_per_minute or settings.api_rate_limit_per_minute
    assert principal.api_key_id is not None
    try:
        verdict = await rate_limit.limiter.take(request.app.state.redis, principal.api_key_id, limit, time.time())
    except (RedisError, OSError) as exc:
        log.warning("rate limiter unavailable, letting request through: %s", exc)
        return
    request.state.rate_limit_headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(verdict.reset_seconds),
    }
    if not verdict.allowed:
        raise TooManyRequests(
            f"This API key is limited to {limit} requests per minute.",
            headers={"Retry-After": str(verdict.reset_seconds), **request.state.rate_limit_headers},
        )


Authenticated = Annotated[Principal, Depends(authenticate)]

# Each dependency a route can take its principal from ends with the idempotency gate: only once the
# caller is authenticated (rate limit included) AND authorised for this route may a stored response be
# replayed or a new one claimed. Routes take exactly one of them; a test walks every POST route.


async def authenticated(request: Request, principal: Authenticated) -> Principal:
    """Any valid credential (routes that check nothing more, e.g. logout, own notifications)."""
    await idempotency_gate(request, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must hold every listed scope."""

    async def checker(request: Request, principal: Authenticated) -> Principal:
        missing = [s for s in scopes if not principal.has(s)]
        if missing:
            raise Forbidden(f"This credential lacks the scope(s): {', '.join(missing)}.")
        await idempotency_gate(request, principal)
        return principal

    checker.__name__ = "require_" + "_".join(s.replace(":", "_") for s in scopes)
    checker.authorises = True  # type: ignore[attr-defined]
    return checker


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    async def checker(request: Request, principal: Authenticated) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"Only {' or '.join(roles)} users may do this.")
        await idempotency_gate(request, principal)
        return principal

    checker.authorises = True  # type: ignore[attr-defined]
    return checker


authenticated.authorises = True  # type: ignore[attr-defined]
