"""Login throttling: per account, per client address, and per (account, address), with growing delays.

Three counters of failed logins, each forgotten `WINDOW_SECONDS` after its last failure:

- pair (one address guessing one account): 5 free failures, then each failure blocks the pair for
  2, 4, 8 ... seconds, up to 15 minutes. This is the brake on ordinary guessing, and it falls on the
  guesser's address only.
- address (one address spraying many accounts): 30 free failures, then 2, 4, 8 ... seconds, up to
  15 minutes. An office behind one NAT address shares it, hence the larger allowance.
- account (many addresses guessing one account): 10 free failures, then 2, 4, 8 ... seconds, capped
  at 60 seconds, and applied only to addresses that have failed logins of their own. An attacker can
  therefore not lock the real user out: the user's address has no failures, so their correct password
  is still checked. That looser path is bounded too, so a botnet with fresh addresses cannot guess
  freely while the account is blocked: at most `CLEAN_PER_MINUTE` attempts a minute per account (a
  refusal then waits for the next minute, never longer). Each such attempt that fails makes its address
  "dirty", so a given address gets one guess, and the strength policy (zxcvbn score >= 3, about 10^8
  guesses or more) keeps that rate far from useful.

A blocked attempt is answered 429 with `Retry-After` and does not check the password at all (no
argon2 cost, and no answer about the password).

Redis holds the counters (nothing here must survive). If Redis is flushed, counts restart: an attacker
gains one more set of free attempts per flush. If Redis is unreachable, each API process falls back to
counters of its own in memory (bounded in size): throttling stays on, with each process granting the
allowance separately: open, but bounded.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
CLEAN_PER_MINUTE = 10


@dataclass(frozen=True)
class Rule:
    name: str
    free_failures: int
    base_seconds: int
    max_seconds: int


PAIR = Rule("pair", free_failures=5, base_seconds=2, max_seconds=900)
ADDRESS = Rule("address", free_failures=30, base_seconds=2, max_seconds=900)
ACCOUNT = Rule("account", free_failures=10, base_seconds=2, max_seconds=60)


def delay_after(failures: int, rule: Rule) -> int:
    """Seconds a subject is blocked after its `failures`-th failure: 0 while free, then doubling."""
    over = failures - rule.free_failures
    if over <= 0:
        return 0
    return min(rule.max_seconds, rule.base_seconds * 2 ** min(over - 1, 30))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    reason: str = ""


class _MemoryStore:
    """Fallback counters while Redis is unreachable: per process, least recently used dropped first."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self._data: OrderedDict[str, tuple[int, float, float]] = OrderedDict()  # n, until, expires
        self._max_keys = max_keys

    def _get(self, key: str, now: float) -> tuple[int, float]:
        item = self._data.get(key)
        if item is None or item[2] <= now:
            self._data.pop(key, None)
            return 0, 0.0
        self._data.move_to_end(key)
        return item[0], item[1]

    def _set(self, key: str, n: int, until: float, expires: float) -> None:
        self._data[key] = (n, until, expires)
        self._data.move_to_end(key)
        while len(self._data) > self._max_keys:
            self._data.popitem(last=False)

    async def read(self, keys: list[str], now: float) -> list[tuple[int, float]]:
        return [self._get(k, now) for k in keys]

    async def fail(self, key: str, rule: Rule, now: float) -> None:
        n, _ = self._get(key, now)
        n += 1
        delay = delay_after(n, rule)
        self._set(key, n, now + delay if delay else 0.0, now + WINDOW_SECONDS)

    async def clear(self, key: str) -> None:
        self._data.pop(key, None)

    async def count(self, key: str, ttl: int, now: float) -> int:
        n, _ = self._get(key, now)
        self._set(key, n + 1, 0.0, now + ttl)
        return n + 1


class _RedisStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def read(self, keys: list[str], now: float) -> list[tuple[int, float]]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(key, "n", "until")
        rows = await pipe.execute()
        return [(int(n or 0), float(until or 0)) for n, until in rows]

    async def fail(self, key: str, rule: Rule, now: float) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.hincrby(key, "n", 1)
        pipe.expire(key, WINDOW_SECONDS)
        n, _ = await pipe.execute()
        delay = delay_after(int(n), rule)
        if delay:
            await self._redis.hset(key, "until", now + delay)

    async def clear(self, key: str) -> None:
        await self._redis.delete(key)

    async def count(self, key: str, ttl: int, now: float) -> int:
        pipe = self._redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, ttl)
        n, _ = await pipe.execute()
        return int(n)


class LoginThrottle:
    def __init__(self, redis: Redis) -> None:
        self._redis = _RedisStore(redis)
        self._memory = _MemoryStore()

    @staticmethod
    def _keys(email: str, address: str) -> tuple[str, str, str]:
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        addr = hashlib.sha256(address.encode()).hexdigest()[:32]
        return f"hg:login:pair:{account}:{addr}", f"hg:login:address:{addr}", f"hg:login:account:{account}"

    async def _call(self, method: str, *args: object) -> object:
        try:
            return await getattr(self._redis, method)(*args)
        except (RedisError, OSError) as exc:
            log.warning("login throttle: Redis unavailable, using this process's counters: %s", exc)
            return await getattr(self._memory, method)(*args)

    async def check(self, email: str, address: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        pair_key, address_key, account_key = self._keys(email, address)
        rows = await self._call("read", [pair_key, address_key, account_key], now)
        (_, pair_until), (address_failures, address_until), (_, account_until) = rows  # type: ignore[misc]
        if pair_until > now:
            return Verdict(False, math.ceil(pair_until - now), "too many failed logins for this account from here")
        if address_until > now:
            return Verdict(False, math.ceil(address_until - now), "too many failed logins from this address")
        if account_until > now:
            if address_failures > 0:
                return Verdict(False, math.ceil(account_until - now), "too many failed logins for this account")
            minute = int(now // 60)
            clean = await self._call("count", f"{account_key}:clean:{minute}", 120, now)
            if int(clean) > CLEAN_PER_MINUTE:  # type: ignore[call-overload]
                return Verdict(
                    False, max(1, math.ceil((minute + 1) * 60 - now)), "too many failed logins for this account"
                )
        return Verdict(True)

    async def failed(self, email: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        pair_key, address_key, account_key = self._keys(email, address)
        for key, rule in ((pair_key, PAIR), (address_key, ADDRESS), (account_key, ACCOUNT)):
            await self._call("fail", key, rule, now)

    async def succeeded(self, email: str, address: str) -> None:
        """The pair starts over; the account and address counters keep running (a success from one
        address says nothing about guesses from others)."""
        pair_key, _, _ = self._keys(email, address)
        await self._call("clear", pair_key)
