"""Test infrastructure: real PostgreSQL and Redis.

`HOURGLASS_TEST_DATABASE_URL` / `HOURGLASS_TEST_REDIS_URL` point at servers to use (CI sets them to the
machine's own); otherwise embedded servers are started under `.hourglass-test/`. The suite gets a
fresh database, migrated once; each test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from api.auth import service as auth_service
from api.auth.principal import SCOPES
from api.config import Settings, normalise_database_url
from api.db import create_engine, create_sessionmaker
from api.kit import crypto
from api.main import create_app
from api.models import Base
from api.ops.migrations import upgrade
from hourglass.embedded import start_embedded_postgres, start_embedded_redis

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA_DIR = ROOT / ".hourglass-test"


class MemoHasher:
    """The real argon2 hasher, computing each distinct hash and each distinct verification once per test
    process. Argon2 is slow on purpose (0.25 s per operation on CI's machine) and every tenant fixture
    hashes two passwords and logs in twice, each login padded to two verifications: six operations,
    about 1.5 s of a test's set-up, which was most of the suite's time. Results are argon2's own: a
    password is hashed once (so two users with one password share a salt here, never in the product)
    and a wrong password is still refused by a real verification. Processes the tests start (the API,
    the worker, the demo) hash for real."""

    def __init__(self, real: PasswordHasher) -> None:
        self._real = real
        self._hashes: dict[str, str] = {}
        self._verified: dict[tuple[str, str], Exception | None] = {}

    def hash(self, password: str) -> str:
        if password not in self._hashes:
            self._hashes[password] = self._real.hash(password)
        return self._hashes[password]

    def verify(self, password_hash: str, password: str) -> bool:
        key = (password_hash, password)
        if key not in self._verified:
            try:
                self._real.verify(password_hash, password)
                self._verified[key] = None
            except Exception as exc:  # VerificationError, InvalidHashError: raised again on each call
                self._verified[key] = exc
        refused = self._verified[key]
        if refused is not None:
            raise type(refused)(*refused.args)
        return True


crypto._hasher = MemoHasher(crypto._hasher)  # type: ignore[assignment]


def _server_urls() -> tuple[str, str]:
    db = os.environ.get("HOURGLASS_TEST_DATABASE_URL")
    redis = os.environ.get("HOURGLASS_TEST_REDIS_URL")
    if not db:
        db = start_embedded_postgres(TEST_DATA_DIR)
    if not redis:
        redis = start_embedded_redis(TEST_DATA_DIR)
    return normalise_database_url(db), redis


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, the controller starts (or finds) the servers once and hands them to the
    workers through the environment, which they inherit when they are spawned: two workers starting
    embedded servers in one directory would race. Each worker then makes its own database and uses
    its own Redis database number (below)."""
    if getattr(config, "workerinput", None) is None and getattr(config.option, "numprocesses", None):
        db, redis = _server_urls()
        os.environ["HOURGLASS_TEST_DATABASE_URL"] = db
        os.environ["HOURGLASS_TEST_REDIS_URL"] = redis


def _worker_number() -> int:
    """0 without xdist, N for worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


@pytest.fixture(scope="session")
def service_urls() -> tuple[str, str]:
    return _server_urls()


@pytest.fixture(scope="session")
def database_url(service_urls: tuple[str, str]):  # type: ignore[no-untyped-def]
    """A fresh database for this run, migrated with Alembic (the real migrations, not create_all).

    Session fixtures that need no event loop are synchronous on purpose: the autouse cleaner can
    then request them from inside a running test loop.
    """
    base = make_url(service_urls[0])
    # One database per test process, so concurrent runs on one server never share tables.
    name = f"hourglass_test_{os.getpid()}"

    async def recreate() -> None:
        admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()

    asyncio.run(recreate())
    # Rendered URLs percent-encode the embedded server's socket path (`?host=%2F...`): the helper
    # escapes it for Alembic's configparser.
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url

    async def drop() -> None:
        admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def redis_url(service_urls: tuple[str, str]) -> str:
    url = service_urls[1]
    # Use a database number of our own so a developer's data in db 0 is never flushed, and one per
    # xdist worker (9, 10, …; Redis has 16) since every test flushes its database.
    number = 9 + _worker_number()
    return url.rsplit("/", 1)[0] + f"/{number}" if url.count("/") >= 3 else url + f"/{number}"


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret-key-test-secret-key-0123456789",  # type: ignore[arg-type]
        api_rate_limit_per_minute=100_000,
        data_dir=TEST_DATA_DIR,
        outbound_allowed=["127.0.0.0/8", "::1/128"],
    )


@pytest.fixture(scope="session")
def engine(settings: Settings):  # type: ignore[no-untyped-def]
    # Connections are created lazily on the test loop; the process exit closes them.
    return create_engine(settings.database_url or "", settings, pool_size=5)


@pytest.fixture(scope="session")
def sessionmaker(engine) -> async_sessionmaker[AsyncSession]:  # type: ignore[no-untyped-def]
    return create_sessionmaker(engine)


# Sequences owned by a table's column (identity and serial ids), read once per test process.
OWNED_SEQUENCES_SQL = """
    SELECT quote_ident(n.nspname) || '.' || quote_ident(s.relname)
    FROM pg_class s
    JOIN pg_namespace n ON n.oid = s.relnamespace
    JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    WHERE s.relkind = 'S'
"""
_owned_sequences: list[str] | None = None


async def _empty_database(engine) -> None:  # type: ignore[no-untyped-def]
    """Truncate the tables that hold rows and restart every id sequence, in two round trips.

    `TRUNCATE <all ~50 tables>` took 160–240 ms per test (it swaps the files of every table), about a
    third of the suite; most tests fill a handful. TRUNCATE rather than DELETE on purpose: it leaves
    new, empty files, so rows come back in insertion order as they did before (after a DELETE the
    heap's free space is reused and unordered reads in tests shuffled), and it fires no row triggers
    (the rollups' AFTER DELETE triggers would mark hours dirty for organizations that are gone).
    """
    global _owned_sequences
    names = [t.name for t in Base.metadata.sorted_tables]
    async with engine.begin() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        if _owned_sequences is None:
            _owned_sequences = [r[0] for r in await raw.fetch(OWNED_SEQUENCES_SQL)]
        probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT FROM \"{n}\")" for n in names)
        filled = [r[0] for r in await raw.fetch(probe)]
        statements = [f"ALTER SEQUENCE {s} RESTART" for s in _owned_sequences]
        if filled:
            statements.insert(0, "TRUNCATE " + ", ".join(f'"{n}"' for n in filled) + " CASCADE")
        await raw.execute("; ".join(statements))


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table before each test that touches the database."""
    uses_db = {"engine", "sessionmaker", "app", "client", "tenant", "other_tenant"} & set(request.fixturenames)
    if uses_db:
        await _empty_database(request.getfixturevalue("engine"))
        redis = request.getfixturevalue("redis")
        await redis.flushdb()
    yield


@pytest.fixture(scope="session")
def redis(redis_url: str):  # type: ignore[no-untyped-def]
    from redis.asyncio import Redis

    return Redis.from_url(redis_url)


@pytest.fixture(scope="session")
async def app(settings: Settings, engine, redis):  # type: ignore[no-untyped-def]
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


@dataclass
class Tenant:
    """An organization with an admin, an agent and an all-scopes API key, plus clients for each."""

    org_id: uuid.UUID
    admin_id: uuid.UUID
    agent_id: uuid.UUID
    api_key: str
    admin_token: str
    agent_token: str
    api: httpx.AsyncClient
    admin: httpx.AsyncClient
    agent: httpx.AsyncClient


async def make_tenant(app, sessionmaker, name: str) -> Tenant:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    async with sessionmaker.begin() as session:
        org = await auth_service.create_organization(session, name)
        admin = await auth_service.create_user(
            session, org.id, email=f"admin@{org.slug}.test", name="Admin", password="admin-password-1", role="admin"
        )
        agent = await auth_service.create_user(
            session, org.id, email=f"agent@{org.slug}.test", name="Agent", password="agent-password-1", role="agent"
        )
        _, key = await auth_service.create_api_key(session, org.id, "erp", list(SCOPES))
        admin_token, _, _ = await auth_service.login(session, admin.email, "admin-password-1", timedelta(hours=1))
        agent_token, _, _ = await auth_service.login(session, agent.email, "agent-password-1", timedelta(hours=1))

    def client_for(token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        )

    return Tenant(
        org_id=org.id,
        admin_id=admin.id,
        agent_id=agent.id,
        api_key=key,
        admin_token=admin_token,
        agent_token=agent_token,
        api=client_for(key),
        admin=client_for(admin_token),
        agent=client_for(agent_token),
    )


@pytest.fixture
async def tenant(app, sessionmaker) -> AsyncIterator[Tenant]:  # type: ignore[no-untyped-def]
    t = await make_tenant(app, sessionmaker, "Acme Sellers")
    yield t
    for c in (t.api, t.admin, t.agent):
        await c.aclose()


@pytest.fixture
async def other_tenant(app, sessionmaker, tenant) -> AsyncIterator[Tenant]:  # type: ignore[no-untyped-def]
    t = await make_tenant(app, sessionmaker, "Other Org")
    yield t
    for c in (t.api, t.admin, t.agent):
        await c.aclose()
