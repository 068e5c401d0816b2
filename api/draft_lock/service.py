"""Soft draft locks: "Li Na is replying" held while she drafts, so a colleague does not write the
same answer. Soft: it never stops anyone reading, and a supervisor may take it over (audited).

The lock is ephemeral (Redis, see store.py); whether the organization uses locks, and for how long
one outlives its holder's last keystroke, is a setting in PostgreSQL. Every change is broadcast on
the organization's realtime channel as a `draft_lock` frame, so open workspaces follow live.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api import audit
from api.auth.principal import Principal
from api.conversation import repository as conversations
from api.db import Session
from api.draft_lock import repository, store
from api.draft_lock.schemas import DraftLockRead, DraftLockSettingsRead, DraftLockSettingsUpdate, LockHolder
from api.kit.errors import Conflict, Forbidden, Locked, ServiceUnavailable, field_error
from api.models import DraftLockSettings
from api.realtime.frames import org_channel

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 120
SUPERVISING_ROLES = ("supervisor", "admin")


async def read_settings(session: Session, organization_id: uuid.UUID) -> DraftLockSettingsRead:
    row = await repository.settings(session, organization_id)
    return DraftLockSettingsRead(
        enabled=row.enabled if row else False, ttl_seconds=row.ttl_seconds if row else DEFAULT_TTL_SECONDS
    )


async def update_settings(
    session: Session, principal: Principal, body: DraftLockSettingsUpdate
) -> DraftLockSettingsRead:
    org = principal.organization_id
    row = await repository.settings(session, org)
    if row is None:
        row = DraftLockSettings(organization_id=org)
        session.add(row)
    before = {"enabled": row.enabled, "ttl_seconds": row.ttl_seconds}
    row.enabled = body.enabled
    row.ttl_seconds = body.ttl_seconds
    await session.flush()
    audit.record(
        session,
        principal,
        org,
        "draft_lock.settings_updated",
        "organization",
        org,
        {"before": before, "after": body.model_dump()},
    )
    return DraftLockSettingsRead(enabled=row.enabled, ttl_seconds=row.ttl_seconds)


def _holder(h: store.Holder | None) -> LockHolder | None:
    if h is None:
        return None
    return LockHolder(user_id=uuid.UUID(h.user_id), name=h.name, expires_at=h.expires_at)


def _holder_json(h: store.Holder | None) -> dict[str, Any] | None:
    """The holder inside a problem document: who, and until when (the SPA names them)."""
    found = _holder(h)
    return found.model_dump(mode="json") if found else None


def _read(
    conversation_id: uuid.UUID, settings: DraftLockSettingsRead, h: store.Holder | None, principal: Principal
) -> DraftLockRead:
    return DraftLockRead(
        conversation_id=conversation_id,
        enabled=settings.enabled,
        ttl_seconds=settings.ttl_seconds,
        holder=_holder(h),
        mine=h is not None and principal.user_id is not None and h.user_id == str(principal.user_id),
    )


def lock_message(
    conversation_id: str, h: store.Holder | None, *, taken_from: store.Holder | None = None
) -> dict[str, Any]:
    """The `draft_lock` frame (no seq: ephemeral, never replayed; a reconnecting client refetches)."""
    data: dict[str, Any] = {"conversation_id": conversation_id, "state": "released", "holder": None}
    if h is not None:
        remaining = max(0, round((h.expires_at - datetime.now(UTC)).total_seconds()))
        data = {
            "conversation_id": conversation_id,
            "state": "held",
            "holder": {"user_id": h.user_id, "name": h.name, "expires_at": h.expires_at.isoformat()},
            "expires_in_seconds": remaining,
        }
    if taken_from is not None:
        data["taken_from"] = {"user_id": taken_from.user_id, "name": taken_from.name}
    return {"type": "draft_lock", "conversation_id": conversation_id, "data": data}


async def _broadcast(redis: Redis, organization_id: uuid.UUID, message: dict[str, Any]) -> None:
    try:
        await redis.publish(org_channel(organization_id), json.dumps(message, separators=(",", ":")))
    except (RedisError, OSError) as exc:
        # The lock itself is in place; open workspaces see it on their next fetch.
        log.warning("draft lock broadcast failed: %s", exc)


def _person(principal: Principal) -> str:
    if principal.user_id is None:
        raise Forbidden("Draft locks belong to people drafting replies; sign in as a user.")
    return str(principal.user_id)


def _unavailable(exc: Exception) -> ServiceUnavailable:
    log.warning("draft lock store unavailable: %s", exc)
    return ServiceUnavailable("Draft locks are unavailable for a moment; you can still reply. Try again shortly.")


def _held_by(h: store.Holder | None) -> str:
    return h.name if h and h.name else "A colleague"


async def get(session: Session, redis: Redis, principal: Principal, conversation_id: uuid.UUID) -> DraftLockRead:
    org = principal.organization_id
    await conversations.get(session, org, conversation_id)  # 404 for another organization's
    settings = await read_settings(session, org)
    try:
        h = await store.current(redis, str(org), str(conversation_id)) if settings.enabled else None
    except (RedisError, OSError) as exc:
        raise _unavailable(exc) from exc
    return _read(conversation_id, settings, h, principal)


async def _enabled(session: Session, org: uuid.UUID) -> DraftLockSettingsRead:
    settings = await read_settings(session, org)
    if not settings.enabled:
        raise Conflict(
            "Draft locks are off in this organization; an admin can turn them on in Settings → Collaboration.",
            errors=field_error("draft_lock", "disabled"),
        )
    return settings


async def take(session: Session, redis: Redis, principal: Principal, conversation_id: uuid.UUID) -> DraftLockRead:
    """Take the lock, or renew it when the caller already holds it; 409 naming the holder otherwise."""
    org = principal.organization_id
    user = _person(principal)
    await conversations.get(session, org, conversation_id)
    settings = await _enabled(session, org)
    try:
        outcome = await store.take(
            redis, str(org), str(conversation_id), user, principal.name, settings.ttl_seconds, force=False
        )
    except (RedisError, OSError) as exc:
        raise _unavailable(exc) from exc
    if not outcome.ok:
        raise Conflict(
            f"{_held_by(outcome.holder)} is drafting a reply in this conversation.",
            errors=field_error("draft_lock", "held by another agent"),
            extra={"holder": _holder_json(outcome.holder)},
        )
    await _broadcast(redis, org, lock_message(str(conversation_id), outcome.holder))
    return _read(conversation_id, settings, outcome.holder, principal)


async def renew(session: Session, redis: Redis, principal: Principal, conversation_id: uuid.UUID) -> DraftLockRead:
    """Extend one's own lock; 409 when it expired or was taken over (the SPA then shows who has it)."""
    org = principal.organization_id
    user = _person(principal)
    await conversations.get(session, org, conversation_id)
    settings = await _enabled(session, org)
    try:
        outcome = await store.renew(redis, str(org), str(conversation_id), user, principal.name, settings.ttl_seconds)
    except (RedisError, OSError) as exc:
        raise _unavailable(exc) from exc
    if not outcome.ok:
        why = f"{_held_by(outcome.holder)} holds it now" if outcome.holder else "it expired"
        raise Conflict(
            f"You no longer hold the draft lock: {why}.",
            errors=field_error("draft_lock", "not held by you"),
            extra={"holder": _holder_json(outcome.holder)},
        )
    await _broadcast(redis, org, lock_message(str(conversation_id), outcome.holder))
    return _read(conversation_id, settings, outcome.holder, principal)


async def release(session: Session, redis: Redis, principal: Principal, conversation_id: uuid.UUID) -> None:
    """Let go of one's own lock; releasing a lock one does not hold changes nothing."""
    org = principal.organization_id
    user = _person(principal)
    await conversations.get(session, org, conversation_id)
    try:
        released = await store.release(redis, str(org), str(conversation_id), user)
    except (RedisError, OSError) as exc:
        raise _unavailable(exc) from exc
    if released:
        await _broadcast(redis, org, lock_message(str(conversation_id), None))


async def take_over(session: Session, redis: Redis, principal: Principal, conversation_id: uuid.UUID) -> DraftLockRead:
    """A supervisor takes the lock from whoever holds it (they went to lunch mid-draft). Audited."""
    org = principal.organization_id
    user = _person(principal)
    if principal.role not in SUPERVISING_ROLES:
        raise Forbidden("Only supervisors and admins may take over a colleague's draft lock.")
    await conversations.get(session, org, conversation_id)
    settings = await _enabled(session, org)
    try:
        outcome = await store.take(
            redis, str(org), str(conversation_id), user, principal.name, settings.ttl_seconds, force=True
        )
    except (RedisError, OSError) as exc:
        raise _unavailable(exc) from exc
    previous = outcome.previous if outcome.previous and outcome.previous.user_id != user else None
    audit.record(
        session,
        principal,
        org,
        "conversation.draft_lock_taken_over",
        "conversation",
        conversation_id,
        {"from_user_id": previous.user_id, "from_name": previous.name} if previous else {"from_user_id": None},
    )
    await _broadcast(redis, org, lock_message(str(conversation_id), outcome.holder, taken_from=previous))
    return _read(conversation_id, settings, outcome.holder, principal)


async def refuse_if_held_by_other(
    session: Session, redis: Redis, principal: Principal, conversation_id: uuid.UUID
) -> bool:
    """Before a person's reply: 423 naming the holder when a colleague holds the lock. Returns whether
    locks are on (so the caller releases the sender's own lock after sending). Integrations (API keys)
    are not held back by a person's draft, and an unreachable Redis never blocks a reply: the lock is
    a courtesy, the reply is the work."""
    if principal.user_id is None:
        return False
    org = principal.organization_id
    settings = await read_settings(session, org)
    if not settings.enabled:
        return False
    try:
        h = await store.current(redis, str(org), str(conversation_id))
    except (RedisError, OSError) as exc:
        log.warning("draft lock check skipped: %s", exc)
        return True
    if h is not None and h.user_id != str(principal.user_id):
        raise Locked(
            f"{_held_by(h)} is drafting a reply in this conversation; wait for them to send, or ask a "
            "supervisor to take the draft lock over.",
            errors=field_error("draft_lock", "held by another agent"),
            extra={"holder": _holder_json(h)},
        )
    return True


async def release_after_send(redis: Redis, principal: Principal, conversation_id: uuid.UUID) -> None:
    if principal.user_id is None:
        return
    try:
        released = await store.release(
            redis, str(principal.organization_id), str(conversation_id), str(principal.user_id)
        )
    except (RedisError, OSError) as exc:
        log.warning("draft lock release after send failed (it expires by itself): %s", exc)
        return
    if released:
        await _broadcast(redis, principal.organization_id, lock_message(str(conversation_id), None))
