"""API keys' `last_used_at`, stamped outside the request transaction.

An `UPDATE api_keys SET last_used_at` inside the request held the key's row lock until the whole request
committed, so every concurrent request with the same key queued behind it (a quarter of the busy
connections in the push benchmark waited on it). Requests now only note the use in memory; a background
task of the API process writes the notes in one statement every `HOURGLASS_AUTH_USAGE_FLUSH_SECONDS`, in a
transaction of its own. The stamp is coarse on purpose: a key is noted at most once a minute per process,
and a stored stamp never moves backwards (several processes flush the same key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta

from api.auth import repository
from api.db import DatabaseError, Sessionmaker

log = logging.getLogger(__name__)

RESOLUTION = timedelta(minutes=1)
MAX_KNOWN = 10_000


class UsageStamps:
    def __init__(self) -> None:
        self._pending: dict[uuid.UUID, datetime] = {}
        self._known: dict[uuid.UUID, datetime] = {}  # the newest stamp stored or queued, per key

    def seen(self, api_key_id: uuid.UUID, stored: datetime | None) -> None:
        """What the database holds for this key (read with the key itself)."""
        if stored is not None and (api_key_id not in self._known or self._known[api_key_id] < stored):
            self._remember(api_key_id, stored)

    def record(self, api_key_id: uuid.UUID, now: datetime) -> None:
        """Note a use; queued for the next flush only if the known stamp is a minute old or more."""
        known = self._known.get(api_key_id)
        if known is not None and now - known < RESOLUTION:
            return
        self._pending[api_key_id] = now
        self._remember(api_key_id, now)

    def pending(self) -> dict[uuid.UUID, datetime]:
        return dict(self._pending)

    async def flush(self, sessionmaker: Sessionmaker) -> int:
        """Write the queued stamps in one statement and transaction; returns how many keys were queued."""
        batch, self._pending = self._pending, {}
        if not batch:
            return 0
        try:
            async with sessionmaker.begin() as session:
                # One statement however many keys were used (repository.USAGE_FLUSH_SQL).
                await repository.stamp_api_keys_used(session, batch)
        except (DatabaseError, OSError):
            # Put them back (newer notes win) and try at the next flush: a stamp is never worth an error.
            for key_id, used_at in batch.items():
                self._pending.setdefault(key_id, used_at)
            raise
        return len(batch)

    def _remember(self, api_key_id: uuid.UUID, stamp: datetime) -> None:
        if len(self._known) >= MAX_KNOWN and api_key_id not in self._known:
            self._known.clear()  # bounded; forgetting only means one more stamp queued per key
        self._known[api_key_id] = stamp


# One per process, like the principal cache it sits beside.
stamps = UsageStamps()


async def flush_periodically(sessionmaker: Sessionmaker, interval_seconds: float, stop: asyncio.Event) -> None:
    """The API process's flusher: every `interval_seconds`, and once more on the way out."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
        try:
            await stamps.flush(sessionmaker)
        except (DatabaseError, OSError) as exc:
            log.warning("could not write API key usage stamps, retrying at the next flush: %s", exc)
