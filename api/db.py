"""Engine, sessions, and the request-scoped session dependency that owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeAlias

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session as SyncSession

from api.config import Settings
from api.kit import jsontext

# The names the rest of the code types its sessions with: endpoints and workers hold sessions and pass
# them to repositories, but import no SQLAlchemy themselves (an import-linter contract checks it).
Session: TypeAlias = AsyncSession
Sessionmaker: TypeAlias = async_sessionmaker[AsyncSession]
Engine: TypeAlias = AsyncEngine
Connection: TypeAlias = AsyncConnection

# Errors a service may need to tell apart without importing SQLAlchemy: a constraint refused the write
# (a duplicate, a foreign key to a row that is gone), or the database layer failed in any way.
ConstraintViolation: TypeAlias = IntegrityError
DatabaseError: TypeAlias = SQLAlchemyError
# An error the driver raised for a statement (its `orig` is asyncpg's): the API maps refusals to 4xx.
DriverError: TypeAlias = DBAPIError

# A database that cannot answer right now (restarting, in recovery, a dropped connection, the network
# to it down): loops and handshakes outside the repositories retry or refuse on these.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, DBAPIError, OSError)


def create_engine(database_url: str, settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    return create_async_engine(
        database_url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # No pre-ping: it cost a round trip per checkout (a tenth of an idle worker's CPU). A connection
        # the server dropped fails its first statement instead; the request fails (and is retried by its
        # client, idempotency keys making that safe), a worker loop's step is retried by the loop runner,
        # and SQLAlchemy discards the dead connection from the pool either way. pool_recycle retires
        # connections before server- or proxy-side idle timeouts can cut them.
        pool_recycle=1800,
        # JSON and JSONB parameters (outbox payloads, snapshots) written by orjson; read back by the
        # standard library (see api.kit.jsontext).
        json_serializer=jsontext.dumps,
        # asyncpg caches prepared statements per connection; keep the cache bounded.
        connect_args={"server_settings": {"application_name": "hourglass", "timezone": "UTC"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; committed when the endpoint returns, rolled back if it raises.

    Services never commit: the edge does, so a request is one transaction (and the outbox rows it
    writes commit with it).
    """
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit happens before the response is sent, so a client never sees a 2xx
# for a change that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database (readiness checks)."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The database's Alembic revision (None if it has no row yet)."""
    async with engine.connect() as conn:
        revision: str | None = (
            await conn.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar_one_or_none()
        return revision


_AFTER_COMMIT = "hourglass.after_commit"


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run `action` once `session`'s transaction has committed: for in-process state that must
    follow the database, such as a cache that has to forget a row again once its change is visible
    to everyone."""
    session.sync_session.info.setdefault(_AFTER_COMMIT, []).append(action)


@event.listens_for(SyncSession, "after_commit")
def _run_after_commit(session: SyncSession) -> None:
    actions: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT, [])
    for action in actions:
        action()
