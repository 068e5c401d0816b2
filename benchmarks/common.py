"""Shared benchmark plumbing: a scratch database, a live API process, and result files."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# `hourglass serve|worker` refuse the built-in development secret. The benchmarks' processes inherit
# this one, and so does every Settings() a benchmark builds to encrypt what its workers decrypt.
os.environ.setdefault("HOURGLASS_SECRET_KEY", "bench-secret-key-for-local-benchmarks-0123456789")


def machine() -> dict[str, Any]:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version()}


def save(name: str, figures: list[dict[str, Any]], parameters: dict[str, Any]) -> None:
    """Print each figure beside its limit and write benchmarks/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "parameters": parameters,
        "figures": figures,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
    for f in figures:
        print(
            f"{name}: {f['name']}: {f['value']:.1f} {f['unit']}  |  limit {f['limit']:.1f} {f['unit']} "
            f"({f['limit_name']})  |  ratio {f['ratio']:.3f}"
        )


def figure(
    name: str, value: float, unit: str, limit: float, limit_name: str, higher_is_better: bool = True
) -> dict[str, Any]:
    ratio = (value / limit if higher_is_better else limit / value) if value and limit else 0.0
    return {"name": name, "value": value, "unit": unit, "limit": limit, "limit_name": limit_name, "ratio": ratio}


def server_url() -> str:
    """The PostgreSQL server to benchmark on: HOURGLASS_BENCH_DATABASE_URL, the test URL, or embedded."""
    url = os.environ.get("HOURGLASS_BENCH_DATABASE_URL") or os.environ.get("HOURGLASS_TEST_DATABASE_URL")
    if not url:
        from hourglass.embedded import start_embedded_postgres

        url = start_embedded_postgres(ROOT / ".hourglass-bench")
    return url.replace("postgresql+asyncpg://", "postgresql://")


def redis_url() -> str:
    url = os.environ.get("HOURGLASS_BENCH_REDIS_URL") or os.environ.get("HOURGLASS_TEST_REDIS_URL")
    if not url:
        from hourglass.embedded import start_embedded_redis

        url = start_embedded_redis(ROOT / ".hourglass-bench")
    return url


async def fresh_database(name: str) -> str:
    """Drop and recreate `name` on the bench server, migrate it, return its asyncpg-style URL."""
    from sqlalchemy.engine import make_url

    base = make_url(server_url())
    conn = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = base.set(database=name).render_as_string(hide_password=False)
    alembic = [sys.executable, "-m", "alembic", "-x", "url=" + url.replace("postgresql://", "postgresql+asyncpg://")]
    await asyncio.to_thread(subprocess.run, [*alembic, "upgrade", "head"], cwd=ROOT, check=True, capture_output=True)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiProcess:
    """`hourglass serve` on a free loopback port against the given database."""

    def __init__(self, database_url: str, workers: int = 1) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "HOURGLASS_DATABASE_URL": database_url,
            "HOURGLASS_REDIS_URL": redis_url(),
            "HOURGLASS_LOG_LEVEL": "WARNING",
            "HOURGLASS_API_RATE_LIMIT_PER_MINUTE": "100000000",
            "HOURGLASS_OUTBOUND_ALLOWED": "127.0.0.0/8",  # the sandbox and receivers run on loopback
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hourglass", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as c:
            while time.monotonic() < deadline:
                try:
                    if (await c.get(self.url + "/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("API did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class KeepAliveConnection:
    """One HTTP/1.1 keep-alive connection to a loopback API, for load generators: a request's bytes
    are written and its response read with no more than asyncio streams, so the client's CPU per
    request (about 0.1 ms) stays small beside the server's; httpx spends about 2 ms, on the same
    cores the server needs. Responses must carry Content-Length (the API's JSON responses do)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port or 80)
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{self.port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: Any) -> tuple[int, bytes]:
        payload = json.dumps(body).encode()
        return await self.request(
            f"POST {path} HTTP/1.1\r\n{self.fixed}Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )

    async def get(self, path_and_query: str) -> tuple[int, bytes]:
        """`path_and_query` must be URL-encoded already."""
        return await self.request(f"GET {path_and_query} HTTP/1.1\r\n{self.fixed}\r\n".encode())

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one whole request (head and body) and read its response: (status, body). A kept-alive
        connection the server closed meanwhile (its idle timeout) is reopened and the request sent again
        once; any other failure closes the connection, so the next request starts on a fresh one."""
        reused = self.writer is not None
        try:
            return await self._exchange(raw)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
        except BaseException:
            await self.close()
            raise
        return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        status_line, _, rest = (await self.reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
        length = 0
        closing = False
        for line in rest.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                closing = True
        content = await self.reader.readexactly(length)
        if closing:
            await self.close()
        return int(status_line.split()[1]), content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None
