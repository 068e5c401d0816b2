"""Per-API-key rate limit: a fixed one-minute window counted in Redis, spent from local leases.

Every request used to pay a Redis round trip (INCR + EXPIRE) before its own work: on the inbox list
that was a fifth of the API process's CPU. Now a process takes a lease of several requests at once
(`INCRBY key n`) and spends it locally; only when its lease is spent does it go to Redis again.

What this keeps:
- The limit is never exceeded, across any number of processes: Redis counts every request leased,
  and a lease is cut to what is left of the minute (a process is granted `n - (count - limit)`).
- A small limit behaves exactly as before: the lease is `limit // LEASE_SHARE` (at least 1), so a key
  of up to 127 requests a minute takes one request per round trip.

What it costs: requests leased and not spent by the end of the minute (or by a process that stops)
are lost for that minute. A process has at most one refill of a key in flight (the key's other
requests wait for it, then spend from it), so it holds at most one lease of unspent requests, and
a key spread over P processes can be refused up to `P * lease` requests early: with LEASE_SHARE 64,
at most 1/64 of the limit per process. `RateLimit-Remaining` is exact for a key used from one
process, and an estimate (this process's view of Redis, less its unspent lease) otherwise. Once Redis
has counted the whole minute, the process refuses the key's requests without asking it again.

If Redis is unreachable the limit fails open (the request goes through, a warning is logged), as it
did before leases; a lease already taken is still spent.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

# A lease is at most this share of a key's per-minute limit.
LEASE_SHARE = 64
WINDOW_SECONDS = 60


@dataclass
class Verdict:
    allowed: bool
    remaining: int
    reset_seconds: int  # until the window ends, rounded up (>= 1)


@dataclass
class _Lease:
    window: int
    unspent: int  # requests leased from Redis and not yet spent here
    counted: int  # the key's count in Redis after this process's last lease (all processes)


def lease_size(limit: int) -> int:
    return max(1, limit // LEASE_SHARE)


def granted(requested: int, count_after: int, limit: int) -> int:
    """How much of a lease of `requested` is granted when Redis counts `count_after` with it."""
    return max(0, min(requested, limit - (count_after - requested)))


def remaining(limit: int, counted: int, unspent: int) -> int:
    """Requests left this minute: the limit less what was leased (capped at the limit) plus what this
    process leased and has not spent."""
    return max(0, limit - min(counted, limit) + unspent)


class RateLimiter:
    """One per process. Keys are API key ids; leases of ended minutes are dropped when a new minute
    is first seen, so this holds an entry per key used in the current minute."""

    def __init__(self) -> None:
        self._leases: dict[uuid.UUID, _Lease] = {}
        self._refills: dict[uuid.UUID, asyncio.Lock] = {}
        self._window = 0

    def _spend(self, key_id: uuid.UUID, window: int) -> _Lease | None:
        lease = self._leases.get(key_id)
        return _spend_one(lease) if lease is not None and lease.window == window else None

    def _forget_ended(self, window: int) -> None:
        if window > self._window:
            self._window = window
            self._leases = {k: lease for k, lease in self._leases.items() if lease.window >= window}
            self._refills = {k: lock for k, lock in self._refills.items() if lock.locked()}

    async def take(self, redis: Redis, key_id: uuid.UUID, limit: int, now: float) -> Verdict:
        """Spend one request of `key_id`'s minute. Raises RedisError/OSError when Redis must be asked
        and cannot be (the caller fails open)."""
        window = int(now // WINDOW_SECONDS)
        reset = int((window + 1) * WINDOW_SECONDS - now) + 1
        self._forget_ended(window)
        lease = self._spend(key_id, window)
        if lease is None:
            async with self._refills.setdefault(key_id, asyncio.Lock()):
                # Another request of this key may have refilled while this one waited.
                lease = self._spend(key_id, window)
                if lease is None:
                    lease = _spend_one(await self._refill(redis, key_id, limit, window))
        if lease is None:
            return Verdict(False, 0, reset)
        return Verdict(True, remaining(limit, lease.counted, lease.unspent), reset)

    async def _refill(self, redis: Redis, key_id: uuid.UUID, limit: int, window: int) -> _Lease:
        """Lease more of the key's minute; returns the lease this request spends from: the key's lease
        for `window`, or, when a request of the next minute leased meanwhile, one of its own (the newer
        lease is kept; what this late request does not spend of its grant is lost)."""
        current = self._leases.get(key_id)
        if current is not None and current.window == window and current.counted >= limit:
            return current  # Redis counted the whole minute: nothing more can be leased in it
        size = lease_size(limit)
        redis_key = f"hg:rl:{key_id}:{window}"
        pipe = redis.pipeline(transaction=False)
        pipe.incrby(redis_key, size)
        pipe.expire(redis_key, WINDOW_SECONDS + 1)
        count, _ = await pipe.execute()
        count = int(count)
        got = granted(size, count, limit)
        current = self._leases.get(key_id)
        if current is not None and current.window > window:
            return _Lease(window, got, count)
        if current is None or current.window < window:
            current = self._leases[key_id] = _Lease(window, 0, count)
        current.counted = max(current.counted, count)
        current.unspent += got
        return current


def _spend_one(lease: _Lease) -> _Lease | None:
    """Spend one request of `lease`; None if nothing is left in it."""
    if lease.unspent <= 0:
        return None
    lease.unspent -= 1
    return lease


limiter = RateLimiter()
