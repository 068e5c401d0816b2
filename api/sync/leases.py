"""Advisory locks held on one dedicated connection: a lease on a channel (polling) or a message
(delivery) that vanishes the moment its process dies (kill -9 closes the socket; PostgreSQL frees
the locks at once), so another worker can take the work over without waiting for a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from api.db import DATABASE_UNAVAILABLE, Connection, Engine
from api.sync import repository

log = logging.getLogger(__name__)


def lock_key(kind: str, ident: uuid.UUID | str) -> int:
    """A signed 64-bit key per (kind, id): polling and delivery locks never collide."""
    digest = hashlib.blake2b(f"{kind}:{ident}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Leases:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._guard = asyncio.Lock()
        self._held: set[int] = set()

    async def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = await repository.open_lease_connection(self._engine)
            self._held.clear()
        return self._conn

    async def _run(self, statement: Callable[[Connection, int], Awaitable[bool]], key: int) -> bool:
        async with self._guard:
            try:
                conn = await self._connection()
                return await statement(conn, key)
            except DATABASE_UNAVAILABLE:
                # The connection died, and every lock it held with it: start afresh next time.
                await self._reset()
                raise

    async def _reset(self) -> None:
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            try:
                await conn.invalidate()
                await conn.close()
            except Exception:
                log.debug("closing a broken lease connection failed", exc_info=True)

    async def acquire(self, kind: str, ident: uuid.UUID | str) -> bool:
        key = lock_key(kind, ident)
        if key in self._held:
            return False  # this process already works on it
        got = await self._run(repository.try_advisory_lock, key)
        if got:
            self._held.add(key)
        return got

    async def release(self, kind: str, ident: uuid.UUID | str) -> None:
        key = lock_key(kind, ident)
        if key not in self._held:
            return
        self._held.discard(key)
        # If the connection is gone, the lock went with it.
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            await self._run(repository.advisory_unlock, key)

    def holds(self, kind: str, ident: uuid.UUID | str) -> bool:
        return lock_key(kind, ident) in self._held

    @asynccontextmanager
    async def hold(self, kind: str, ident: uuid.UUID | str) -> AsyncIterator[bool]:
        got = await self.acquire(kind, ident)
        try:
            yield got
        finally:
            if got:
                await self.release(kind, ident)

    async def close(self) -> None:
        """Drop the connection itself (not back to the pool, where it would keep the locks)."""
        async with self._guard:
            await self._reset()
