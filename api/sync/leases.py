"""Advisory locks held on one dedicated connection: a lease on a channel (polling) or a message
(delivery) that vanishes the moment its process dies (kill -9 closes the socket; PostgreSQL frees
the locks at once), so another worker can take the work over without waiting for a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_key(kind: str, ident: uuid.UUID | str) -> int:
    """A signed 64-bit key per (kind, id): polling and delivery locks never collide."""
    digest = hashlib.blake2b(f"{kind}:{ident}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Leases:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._guard = asyncio.Lock()
        self._held: set[int] = set()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed:
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            self._held.clear()
        return self._conn

    async def _run(self, sql: str, key: int) -> bool:
        async with self._guard:
            try:
                conn = await self._connection()
                return bool((await conn.execute(text(sql), {"k": key})).scalar())
            except (OperationalError, DBAPIError, OSError):
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
        got = await self._run("SELECT pg_try_advisory_lock(:k)", key)
        if got:
            self._held.add(key)
        return got

    async def release(self, kind: str, ident: uuid.UUID | str) -> None:
        key = lock_key(kind, ident)
        if key not in self._held:
            return
        self._held.discard(key)
        # If the connection is gone, the lock went with it.
        with contextlib.suppress(OperationalError, DBAPIError, OSError):
            await self._run("SELECT pg_advisory_unlock(:k)", key)

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
