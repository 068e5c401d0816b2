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
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from api.auth import service as auth_service
from api.auth.principal import SCOPES
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.embedded import normalise_database_url, start_embedded_postgres, start_embedded_redis
from api.main import create_app
from api.models import Base
from api.ops.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA_DIR = ROOT / ".hourglass-test"


def _server_urls() -> tuple[str, str]:
    db = os.environ.get("HOURGLASS_TEST_DATABASE_URL")
    redis = os.environ.get("HOURGLASS_TEST_REDIS_URL")
    if not db:
        db = start_embedded_postgres(TEST_DATA_DIR)
    if not redis:
        redis = start_embedded_redis(TEST_DATA_DIR)
    return normalise_database_url(db), redis


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
    # Use a database number of our own so a developer's data in db 0 is never flushed.
    return url.rsplit("/", 1)[0] + "/9" if url.count("/") >= 3 else url + "/9"


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


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table before each test that touches the database."""
    uses_db = {"engine", "sessionmaker", "app", "client", "tenant", "other_tenant"} & set(request.fixturenames)
    if uses_db:
        engine = request.getfixturevalue("engine")
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
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
