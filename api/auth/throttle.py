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
argon2 cost, and no answer about the password). An allowed attempt is counted as a failure in the same
atomic step as the check (a Lua script in Redis), before the password is verified, and un-counted if it
succeeds: otherwise many guesses sent in parallel would all pass the check before the first failure
was recorded.

Redis holds the counters (nothing here must survive). If Redis is flushed, counts restart: an attacker
gains one more set of free attempts per flush. If Redis is unreachable, each API process falls back to
counters of its own in memory (bounded in size): throttling stays on, with each process granting the
allowance separately: open, but bounded.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.kit.crypto import token_digest

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


REFUSALS = {
    1: "too many failed logins for this account from here",
    2: "too many failed logins from this address",
    3: "too many failed logins for this account",
    4: "too many failed logins for this account",
}

RULES = (PAIR, ADDRESS, ACCOUNT)

# KEYS: pair, address, account, this minute's clean-address counter of the account.
# ARGV: now, window, clean limit, then free/base/max for pair, address, account.
# Returns {0, 0} when allowed (and counted), else {refusal code, blocked-until}.
_ATTEMPT_LUA = """
local now = tonumber(ARGV[1])
local function blocked_until(key) return tonumber(redis.call('HGET', key, 'until') or '0') end
local pair_until = blocked_until(KEYS[1])
if pair_until > now then return {1, tostring(pair_until)} end
local address_until = blocked_until(KEYS[2])
if address_until > now then return {2, tostring(address_until)} end
local account_until = blocked_until(KEYS[3])
if account_until > now then
  if tonumber(redis.call('HGET', KEYS[2], 'n') or '0') > 0 then return {3, tostring(account_until)} end
  local clean = redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 120)
  if clean > tonumber(ARGV[3]) then return {4, tostring((math.floor(now / 60) + 1) * 60)} end
end
for i = 1, 3 do
  local n = redis.call('HINCRBY', KEYS[i], 'n', 1)
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[2]))
  local free, base, cap = tonumber(ARGV[1 + 3 * i]), tonumber(ARGV[2 + 3 * i]), tonumber(ARGV[3 + 3 * i])
  if n > free then
    local delay = math.min(cap, base * 2 ^ math.min(n - free - 1, 30))
    redis.call('HSET', KEYS[i], 'until', tostring(now + delay))
  end
end
return {0, '0'}
"""


class _MemoryStore:
    """Fallback counters while Redis is unreachable: per process, least recently used dropped first.

    The same logic as the Lua script; no await inside `attempt`, so it is atomic on the event loop."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self._data: OrderedDict[str, list[float]] = OrderedDict()  # key -> [n, until, expires]
        self._max_keys = max_keys

    def _entry(self, key: str, now: float, ttl: int) -> list[float]:
        item = self._data.get(key)
        if item is None or item[2] <= now:
            item = self._data[key] = [0, 0.0, now + ttl]
        self._data.move_to_end(key)
        while len(self._data) > self._max_keys:
            self._data.popitem(last=False)
        return item

    async def attempt(self, keys: list[str], now: float) -> tuple[int, float]:
        pair, address, account = (self._entry(k, now, WINDOW_SECONDS) for k in keys[:3])
        if pair[1] > now:
            return 1, pair[1]
        if address[1] > now:
            return 2, address[1]
        if account[1] > now:
            if address[0] > 0:
                return 3, account[1]
            clean = self._entry(keys[3], now, 120)
            clean[0] += 1
            if clean[0] > CLEAN_PER_MINUTE:
                return 4, (now // 60 + 1) * 60
        for entry, rule in zip((pair, address, account), RULES, strict=True):
            entry[0] += 1
            entry[2] = now + WINDOW_SECONDS
            delay = delay_after(int(entry[0]), rule)
            if delay:
                entry[1] = now + delay
        return 0, 0.0

    async def succeeded(self, keys: list[str]) -> None:
        self._data.pop(keys[0], None)
        for key in keys[1:3]:
            if key in self._data:
                self._data[key][0] = max(0, self._data[key][0] - 1)


class _RedisStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._script = redis.register_script(_ATTEMPT_LUA)

    async def attempt(self, keys: list[str], now: float) -> tuple[int, float]:
        args: list[float] = [now, WINDOW_SECONDS, CLEAN_PER_MINUTE]
        for rule in RULES:
            args += [rule.free_failures, rule.base_seconds, rule.max_seconds]
        code, until = await self._script(keys=keys, args=args)
        return int(code), float(until)

    async def succeeded(self, keys: list[str]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.delete(keys[0])
        for key in keys[1:3]:
            pipe.hincrby(key, "n", -1)
            pipe.expire(key, WINDOW_SECONDS)  # never leave a key without expiry if it lapsed meanwhile
        await pipe.execute()


class LoginThrottle:
    def __init__(self, redis: Redis) -> None:
        self._redis = _RedisStore(redis)
        self._memory = _MemoryStore()

    @staticmethod
    def _keys(email: str, address: str, now: float) -> list[str]:
        account = token_digest(email.strip().lower())[:32]
        addr = token_digest(address)[:32]
        return [
            f"hg:login:pair:{account}:{addr}",
            f"hg:login:address:{addr}",
            f"hg:login:account:{account}",
            f"hg:login:clean:{account}:{int(now // 60)}",
        ]

    async def attempt(self, email: str, address: str, now: float | None = None) -> Verdict:
        """Check and count one login attempt; call `succeeded` if the password then proves right."""
        now = time.time() if now is None else now
        keys = self._keys(email, address, now)
        try:
            code, until = await self._redis.attempt(keys, now)
        except (RedisError, OSError) as exc:
            log.warning("login throttle: Redis unavailable, using this process's counters: %s", exc)
            code, until = await self._memory.attempt(keys, now)
        if code == 0:
            return Verdict(True)
        return Verdict(False, max(1, math.ceil(until - now)), REFUSALS[code])

    async def succeeded(self, email: str, address: str) -> None:
        """Undo the attempt's provisional failure. The pair starts over; the account and address counters
        keep their real failures (a success from one address says nothing about guesses from others)."""
        keys = self._keys(email, address, time.time())
        try:
            await self._redis.succeeded(keys)
        except (RedisError, OSError):
            await self._memory.succeeded(keys)
