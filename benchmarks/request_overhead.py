"""What every request on the inbox path pays before and after its own SQL, in-process CPU ms.

The inbox list benchmark compares the API with the same SQL run directly; this program splits the
difference. It drives the ASGI app in this process (no HTTP, no client: `time.process_time` is the
app's CPU alone), one request at a time, against a small inbox loaded like benchmarks/inbox_list.py
(BENCH_CONVERSATIONS, default 20,000 here), and reports CPU ms and wall ms per call for:

- the middleware stack and routing (`/healthz` through the app: an upper bound, it includes a
  trivial endpoint),
- a request session (pool checkout, BEGIN ... COMMIT) with nothing in it,
- the API-key lookup of the auth dependency (a SELECT, inside a session),
- the rate limit (a request spent from the process's lease of the key's minute, Redis once per lease),
- whole requests: `GET /v1/conversations/counts`, `GET /v1/conversations?limit=50`, and
  `POST /v1/channels/{id}/messages` (a new buyer message on one of 50 threads, as benchmarks/inbound_push.py
  sends them: the API's CPU per pushed message).

BENCH_CALLS per case (300). BENCH_PROFILE=1 also prints where a list request's CPU goes (cProfile,
top functions by own time, or by BENCH_PROFILE_SORT such as cumulative; BENCH_PROFILE=push: a pushed
message's). Nothing is written to benchmarks/results: the figures are printed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("BENCH_CONVERSATIONS", "20000")
os.environ.setdefault("BENCH_MESSAGES", "60000")

from benchmarks import inbox_list  # reads the scale above at import
from benchmarks.common import fresh_database, redis_url

CALLS = int(os.environ.get("BENCH_CALLS", "300"))
DB_NAME = os.environ.get("BENCH_OVERHEAD_DB", "hourglass_bench_overhead")


async def asgi_get(app: Any, path: str, query: str = "", token: str | None = None) -> tuple[int, bytes]:
    """One GET through `app` as an ASGI server would call it."""
    return await asgi_request(app, "GET", path, query, token)


async def asgi_request(
    app: Any, method: str, path: str, query: str = "", token: str | None = None, json_body: Any = None
) -> tuple[int, bytes]:
    """One request through `app` as an ASGI server would call it."""
    headers = [(b"host", b"bench")]
    payload = b"" if json_body is None else json.dumps(json_body).encode()
    if json_body is not None:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
        "app": app,
    }
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


async def per_call(op: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """(CPU ms, wall ms) per call of `op`, after a warm-up."""
    for _ in range(20):
        await op()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(CALLS):
        await op()
    return (time.process_time() - cpu) * 1000 / CALLS, (time.perf_counter() - wall) * 1000 / CALLS


async def main() -> None:
    from sqlalchemy import text
    from starlette.requests import Request

    from api.auth.dependencies import enforce_rate_limit
    from api.auth.principal import Principal
    from api.auth.repository import live_api_key
    from api.config import Settings
    from api.kit.crypto import token_digest
    from api.main import create_app

    url = await fresh_database(DB_NAME)
    try:
        world = await inbox_list._seed(url)
        await inbox_list.load(url, world)
        settings = Settings(
            database_url=url.replace("postgresql://", "postgresql+asyncpg://"),
            redis_url=redis_url(),
            api_rate_limit_per_minute=100_000_000,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):

            async def ok(status_body: tuple[int, bytes]) -> None:
                if status_body[0] != 200:
                    raise RuntimeError(status_body)

            async def through_app() -> None:
                await ok(await asgi_get(app, "/healthz"))

            async def empty_session() -> None:
                async with app.state.sessionmaker() as s:
                    await s.execute(text("SELECT 1"))  # what begins the transaction in a real request
                    await s.commit()

            digest = token_digest(world.key)

            async def key_lookup() -> None:
                async with app.state.sessionmaker() as s:
                    await live_api_key(s, digest)
                    await s.commit()

            async with app.state.sessionmaker() as s:
                key = await live_api_key(s, digest)
            assert key is not None
            principal = Principal(organization_id=world.org_id, api_key_id=key.id, name="bench", scopes=frozenset())
            request = Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})

            async def rate_limit() -> None:
                await enforce_rate_limit(request, principal)

            async def counts() -> None:
                await ok(await asgi_get(app, "/v1/conversations/counts", token=world.key))

            async def page() -> None:
                await ok(await asgi_get(app, "/v1/conversations", "limit=50", token=world.key))

            channel = next(iter(world.channels.values()))[0]
            pushed = itertools.count()

            async def push() -> None:
                n = next(pushed)
                status, body = await asgi_request(
                    app,
                    "POST",
                    f"/v1/channels/{channel}/messages",
                    token=world.key,
                    json_body={
                        "external_message_id": f"overhead-{n}",
                        "external_thread_id": f"overhead-t{n % 50}",
                        "buyer": {"external_id": f"overhead-b{n % 50}", "name": "Bench Buyer"},
                        "subject": "Where is my order?",
                        "body": "Hello, when will my order ship? 请尽快发货，谢谢。",
                        "sent_at": datetime.now(UTC).isoformat(),
                    },
                )
                if status != 201:
                    raise RuntimeError((status, body))

            cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                ("GET /healthz through the app (middleware + routing + endpoint)", through_app),
                ("request session: checkout + SELECT 1 + COMMIT", empty_session),
                ("auth: API-key lookup in its own session", key_lookup),
                ("auth: rate limit (spent from this process's lease; Redis once per lease)", rate_limit),
                ("GET /v1/conversations/counts (whole request)", counts),
                ("GET /v1/conversations?limit=50 (whole request)", page),
                ("POST /v1/channels/{id}/messages, a new message (whole request)", push),
            ]
            results = {}
            for name, op in cases:
                results[name] = await per_call(op)
                cpu_ms, wall_ms = results[name]
                print(f"request_overhead: {name}: cpu {cpu_ms:.2f} ms, wall {wall_ms:.2f} ms per call", flush=True)
            if os.environ.get("BENCH_PROFILE") == "1":
                await profile(page)
            elif os.environ.get("BENCH_PROFILE") == "push":
                await profile(push)
    finally:
        await drop_database()


async def profile(op: Callable[[], Awaitable[Any]]) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(CALLS):
        await op()
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(40)


async def drop_database() -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    from benchmarks.common import server_url

    base = make_url(server_url()).set(drivername="postgresql")
    conn = await asyncpg.connect(base.render_as_string(hide_password=False))
    await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
