"""Per-credential limits of the WebSocket layer, shared by every API process through Redis.

- Concurrent sockets: each open socket holds a slot in a sorted set per credential (a user, or an
  API key), scored by when the slot expires. The hub's heartbeat renews the slots of its sockets,
  so a process that dies without closing its sockets frees their slots within the TTL. Claiming is
  one Lua script (expire stale slots, count, add), so two handshakes cannot both take the last slot.
- Catch-up replays (`since=`): a fixed one-minute window per credential, like the HTTP rate limit.
  A replay reads up to `catch_up_limit` events from PostgreSQL, so reconnecting in a loop with
  `since=0` would otherwise make the database replay a day of events per handshake.

Both fail open when Redis is unreachable (as the HTTP limiter does): the hub needs Redis anyway, so
such a socket is refused as "realtime unavailable" a moment later.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.auth.principal import Principal

log = logging.getLogger(__name__)

# KEYS[1]: the credential's slot set; ARGV: now, ttl, cap, socket id. Returns 1 if the slot was taken.
_CLAIM = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return 1
"""


def credential_key(principal: Principal) -> str:
    """One budget per user (all their sessions and tabs) or per API key."""
    return f"user:{principal.user_id}" if principal.user_id else f"key:{principal.api_key_id}"


def _slots_key(credential: str) -> str:
    return f"hg:ws:slots:{credential}"


async def claim_socket(redis: Redis, credential: str, socket_id: str, cap: int, ttl: float) -> bool:
    """Take one of the credential's `cap` socket slots; False when all are held."""
    try:
        args = (_slots_key(credential), str(time.time()), str(ttl), str(cap), socket_id)
        taken = await redis.eval(_CLAIM, 1, *args)  # type: ignore[misc]
    except (RedisError, OSError) as exc:
        log.warning("socket limiter unavailable, letting the socket through: %s", exc)
        return True
    return bool(taken)


async def release_socket(redis: Redis, credential: str, socket_id: str) -> None:
    try:
        await redis.zrem(_slots_key(credential), socket_id)
    except (RedisError, OSError) as exc:
        log.warning("socket slot not released (it expires by itself): %s", exc)


async def renew_sockets(redis: Redis, slots: Iterable[tuple[str, str]], ttl: float) -> None:
    """Keep the slots of live sockets, (credential, socket id) each, in one round trip. Re-adds a
    slot Redis lost (a flush): Redis holds nothing that cannot be rebuilt."""
    pipe = redis.pipeline(transaction=False)
    expires = time.time() + ttl
    for credential, socket_id in slots:
        pipe.zadd(_slots_key(credential), {socket_id: expires})
        pipe.expire(_slots_key(credential), math.ceil(ttl) + 1)
    if len(pipe):
        await pipe.execute()


async def catch_up_retry_after(redis: Redis, credential: str, per_minute: int) -> int | None:
    """Count one catch-up for the credential; None if allowed, else seconds until the next window."""
    now = time.time()
    window = int(now // 60)
    key = f"hg:ws:catchup:{credential}:{window}"
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, 61)
        count, _ = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("catch-up limiter unavailable, letting the replay through: %s", exc)
        return None
    if int(count) <= per_minute:
        return None
    return int((window + 1) * 60 - now) + 1
