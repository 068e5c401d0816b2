"""A short-lived per-process cache of resolved credentials, so authentication costs no query.

Every request resolves its bearer token to a Principal; reading the key or session (and its user) from
PostgreSQL on each one cost a statement, and the old per-request usage stamp a row lock held until the
request committed. Entries are keyed by the token's SHA-256 digest (never the token itself) and live
`ttl` seconds (`HOURGLASS_AUTH_CACHE_TTL_SECONDS`, 5 by default).

The revocation bound: a revocation made through this process (API key revoked, logout, password change,
user updated or deactivated) takes effect on the very next request, because the service forgets the
affected entries at once and again after its transaction commits (a lookup racing the uncommitted change
could otherwise re-cache the old row). A change made elsewhere (another API process, a worker, SQL by
hand) takes effect within `ttl` seconds. A session's own expiry is checked on every request against the
expiry cached with it, so an expired session never passes. Unknown tokens are not cached (no negative
entries): a key created a moment ago must work on its first request, in any process.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from api.auth.principal import Principal
from api.db import Session, after_commit

DEFAULT_TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000  # bounded: at most this many credentials in use at once in one process


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    session_expires_at: datetime | None  # a user session's own expiry; None for API keys
    fresh_until: float  # clock() after which the entry must be read again


class PrincipalCache:
    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock  # monotonic seconds: freshness never depends on the wall clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, digest: str, now: datetime) -> Principal | None:
        """The cached principal for this token digest, or None (unknown, stale or expired: read the row)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.fresh_until <= self.clock() or (
            entry.session_expires_at is not None and entry.session_expires_at <= now
        ):
            self._entries.pop(digest, None)
            return None
        return entry.principal

    def put(self, digest: str, principal: Principal, session_expires_at: datetime | None = None) -> None:
        if self.ttl_seconds <= 0:
            return
        self._entries.pop(digest, None)
        while len(self._entries) >= self.max_entries:
            self._entries.popitem(last=False)  # the oldest insertion first
        self._entries[digest] = _Entry(principal, session_expires_at, self.clock() + self.ttl_seconds)

    def forget(
        self,
        *,
        digest: str | None = None,
        api_key_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
    ) -> None:
        """Drop the entry for a token digest, every entry of an API key, or every session of a user."""
        if digest is not None:
            self._entries.pop(digest, None)
        if api_key_id is None and user_id is None:
            return
        # A scan: revocations are rare and the cache is bounded, so no secondary index to keep in step.
        for d in [
            d
            for d, e in self._entries.items()
            if (api_key_id is not None and e.principal.api_key_id == api_key_id)
            or (user_id is not None and e.principal.user_id == user_id)
        ]:
            self._entries.pop(d, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# One per process: the auth dependency reads it, the services that revoke credentials write to it.
principals = PrincipalCache()


def forget(
    session: Session,
    *,
    digest: str | None = None,
    api_key_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> None:
    """Forget a credential now and once more when `session`'s transaction commits.

    Forgetting only now would leave a window: a concurrent request could read the row before this
    transaction commits and cache the not-yet-revoked credential for another TTL."""

    def action() -> None:
        principals.forget(digest=digest, api_key_id=api_key_id, user_id=user_id)

    action()
    after_commit(session, action)
