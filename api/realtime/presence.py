"""Who is viewing a conversation: ephemeral state in Redis, never in PostgreSQL.

One hash per (organization, conversation), one field per socket with an expiry time that the socket
refreshes with its heartbeat; a socket whose process died simply stops refreshing and drops out.
Keys include the organization, so a conversation id from another tenant only ever shows its own
tenant's viewers (none). Changes are broadcast on the organization's channel as `presence` frames.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from redis.asyncio import Redis

from api.realtime.frames import org_channel, presence_message


def _key(organization_id: str, conversation_id: str) -> str:
    return f"hg:presence:{organization_id}:{conversation_id}"


def live_viewers(entries: dict[bytes, bytes], now: float) -> tuple[list[dict[str, str]], list[bytes]]:
    """(viewers, one per user, in name order; fields that expired). Pure."""
    viewers: dict[str, str] = {}
    expired: list[bytes] = []
    for field, raw in entries.items():
        try:
            entry = json.loads(raw)
        except ValueError:
            expired.append(field)
            continue
        if entry.get("exp", 0) < now:
            expired.append(field)
        else:
            viewers[entry["user_id"]] = entry.get("name", "")
    ordered = sorted(viewers.items(), key=lambda kv: (kv[1], kv[0]))
    return [{"user_id": uid, "name": name} for uid, name in ordered], expired


async def _write_and_read(
    redis: Redis, org: str, conversation: str, socket_id: str, entry: dict[str, object] | None, ttl: float
) -> list[dict[str, str]]:
    key = _key(org, conversation)
    pipe = redis.pipeline(transaction=False)
    if entry is None:
        pipe.hdel(key, socket_id)
    else:
        pipe.hset(key, socket_id, json.dumps(entry))
        pipe.expire(key, int(ttl * 2) + 1)
    pipe.hgetall(key)
    entries = (await pipe.execute())[-1]
    viewers, expired = live_viewers(entries, time.time())
    if expired:
        cleanup = redis.pipeline(transaction=False)
        cleanup.hdel(key, *(f.decode() for f in expired))
        await cleanup.execute()
    return viewers


async def announce(
    redis: Redis, org: str, conversation: str, socket_id: str, user_id: str, name: str, ttl: float
) -> None:
    entry = {"user_id": user_id, "name": name, "exp": time.time() + ttl}
    viewers = await _write_and_read(redis, org, conversation, socket_id, entry, ttl)
    await _broadcast(redis, org, conversation, viewers)


async def withdraw(redis: Redis, org: str, conversation: str, socket_id: str) -> None:
    viewers = await _write_and_read(redis, org, conversation, socket_id, None, 0)
    await _broadcast(redis, org, conversation, viewers)


async def refresh(redis: Redis, viewers: Iterable[tuple[str, str, str, str, str]], ttl: float) -> None:
    """Keep entries alive, (org, conversation, socket, user, name) each, in one round trip (no
    broadcast: nothing changed)."""
    pipe = redis.pipeline(transaction=False)
    exp = time.time() + ttl
    for org, conversation, socket_id, user_id, name in viewers:
        key = _key(org, conversation)
        pipe.hset(key, socket_id, json.dumps({"user_id": user_id, "name": name, "exp": exp}))
        pipe.expire(key, int(ttl * 2) + 1)
    if len(pipe):
        await pipe.execute()


async def _broadcast(redis: Redis, org: str, conversation: str, viewers: list[dict[str, str]]) -> None:
    message = presence_message(conversation, viewers)
    await redis.publish(org_channel(org), json.dumps(message, separators=(",", ":")))
