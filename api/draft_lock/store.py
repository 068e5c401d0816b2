"""Soft draft locks in Redis: one key per (organization, conversation) holding its holder, with a
TTL. Each operation is one Lua script, so "is it free or mine? then write" cannot interleave with
another agent's take; an abandoned lock (a closed laptop) simply expires.

Keys include the organization, so a conversation id from another tenant never meets this tenant's
lock (the service also checks the conversation is the caller's before touching Redis).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis


async def _run(redis: Redis, script: str, key: str, *args: str) -> Any:
    return await redis.eval(script, 1, key, *args)  # type: ignore[misc]


# KEYS[1] the lock; ARGV: holder user id, the value to store, ttl in ms, "1" to take it from anyone.
# Returns {1, previous value or ""} when taken or renewed, {0, current value} when someone else holds it.
_TAKE = """
local current = redis.call('GET', KEYS[1])
if current and ARGV[4] ~= '1' then
  local ok, holder = pcall(cjson.decode, current)
  if ok and type(holder) == 'table' and type(holder['user_id']) == 'string' and holder['user_id'] ~= ARGV[1] then
    return {0, current}
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3]))
return {1, current or ''}
"""

# Renew only one's own lock: a lock that expired (or was taken over) is not silently re-taken.
_RENEW = """
local current = redis.call('GET', KEYS[1])
if not current then return {0, ''} end
local ok, holder = pcall(cjson.decode, current)
if ok and type(holder) == 'table' and holder['user_id'] == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3]))
  return {1, current}
end
return {0, current}
"""

# Release only one's own lock (a late DELETE from a tab that lost it must not free the new holder's).
_RELEASE = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, holder = pcall(cjson.decode, current)
if ok and type(holder) == 'table' and holder['user_id'] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Holder:
    user_id: str
    name: str
    expires_at: datetime


@dataclass(frozen=True)
class Outcome:
    ok: bool
    holder: Holder | None  # the holder now (ok) or the one in the way (not ok)
    previous: Holder | None = None  # for a take-over: whom it was taken from


def _key(organization_id: str, conversation_id: str) -> str:
    return f"hg:draftlock:{organization_id}:{conversation_id}"


def parse(raw: bytes | str | None) -> Holder | None:
    """A stored value, or None for nothing (or something unreadable, which the next take overwrites)."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
        return Holder(str(value["user_id"]), str(value.get("name", "")), datetime.fromtimestamp(value["exp"], UTC))
    except (ValueError, KeyError, TypeError):
        return None


def _value(user_id: str, name: str, ttl_seconds: int) -> tuple[str, Holder]:
    exp = time.time() + ttl_seconds
    return json.dumps({"user_id": user_id, "name": name, "exp": exp}), Holder(
        user_id, name, datetime.fromtimestamp(exp, UTC)
    )


async def current(redis: Redis, organization_id: str, conversation_id: str) -> Holder | None:
    return parse(await redis.get(_key(organization_id, conversation_id)))


async def take(
    redis: Redis, organization_id: str, conversation_id: str, user_id: str, name: str, ttl_seconds: int, *, force: bool
) -> Outcome:
    value, mine = _value(user_id, name, ttl_seconds)
    key = _key(organization_id, conversation_id)
    ok, raw = await _run(redis, _TAKE, key, user_id, value, str(ttl_seconds * 1000), "1" if force else "0")
    if ok:
        return Outcome(True, mine, parse(raw))
    return Outcome(False, parse(raw))


async def renew(
    redis: Redis, organization_id: str, conversation_id: str, user_id: str, name: str, ttl_seconds: int
) -> Outcome:
    value, mine = _value(user_id, name, ttl_seconds)
    key = _key(organization_id, conversation_id)
    ok, raw = await _run(redis, _RENEW, key, user_id, value, str(ttl_seconds * 1000))
    return Outcome(True, mine) if ok else Outcome(False, parse(raw))


async def release(redis: Redis, organization_id: str, conversation_id: str, user_id: str) -> bool:
    return bool(await _run(redis, _RELEASE, _key(organization_id, conversation_id), user_id))
