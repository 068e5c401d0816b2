"""The embedded servers: with no database or Redis configured, `hourglass` starts its own, the tests
can migrate them, and whoever starts one stops it (`hourglass serve`, `migrate`, the demo on Ctrl+C),
while a process that only joined one leaves it running."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from api.ops.migrations import alembic_config

ROOT = Path(__file__).resolve().parent.parent
SECRET = "embedded-test-secret-key-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")}
    return env | {"HOURGLASS_DATA_DIR": str(data_dir), "HOURGLASS_LOG_LEVEL": "WARNING", **extra}


def _servers_of(data_dir: Path) -> list[str]:
    """Embedded PostgreSQL / Redis processes still running for `data_dir`."""
    left = []
    pg_pid_file = data_dir / "pg" / "postmaster.pid"
    if pg_pid_file.exists() and psutil.pid_exists(int(pg_pid_file.read_text().split()[0])):
        left.append(f"postgres {pg_pid_file.read_text().split()[0]}")
    pgdata = str((data_dir / "pg").resolve())
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or []).strip()
        if "postgres" in cmdline and pgdata in cmdline:
            left.append(f"postgres {proc.info['pid']}: {cmdline}")
    port_file = data_dir / "redis" / "port"
    redis_pid_file = data_dir / "redis" / "redis.pid"
    if redis_pid_file.exists() and psutil.pid_exists(int(redis_pid_file.read_text().strip() or 0)):
        left.append(f"redis {redis_pid_file.read_text().strip()}")
    if port_file.exists():
        port = port_file.read_text().strip()
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or []).strip()
            if "redis-server" in cmdline and cmdline.endswith(f":{port}"):
                left.append(f"redis {proc.info['pid']}: {cmdline}")
    return left


def _wait_ready(url: str, proc: subprocess.Popen, within: float = 120) -> httpx.Response:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited with {proc.returncode}"
        try:
            r = httpx.get(f"{url}/readyz", timeout=2)
            if r.status_code == 200:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url}/readyz never answered 200")


def test_alembic_config_keeps_percent_encoded_urls():
    """The embedded server's URL as SQLAlchemy renders it (socket path `%2F`-encoded), a password with
    an encoded `@`: Alembic's configparser used to fail with "invalid interpolation syntax"."""
    url = "postgresql+asyncpg://app:p%40ss%25word@/hourglass_test?host=%2Ftmp%2Fpg%20dir"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


@pytest.mark.slow
def test_serve_in_embedded_mode_and_stop_what_it_started(tmp_path):
    data = tmp_path / "data"
    env = _env(data, HOURGLASS_SECRET_KEY=SECRET)
    migrate = subprocess.run(
        [sys.executable, "-m", "hourglass", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    assert (data / "pg" / "PG_VERSION").exists()
    # `migrate` started both servers, so it stopped both.
    assert _servers_of(data) == []

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hourglass", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        r = _wait_ready(f"http://127.0.0.1:{port}", proc)
        assert r.json()["checks"] == {"database": "ok", "redis": "ok"}
        assert len(_servers_of(data)) >= 2
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert _servers_of(data) == []


@pytest.mark.slow
def test_demo_ctrl_c_stops_its_servers_and_a_joining_admin_leaves_them(tmp_path):
    data = tmp_path / "data"
    port = _free_port()
    # Ctrl+C in a terminal sends SIGINT to the whole foreground process group: reproduce that.
    demo = subprocess.Popen(
        [sys.executable, "-m", "hourglass", "demo", "--no-sandbox", "--port", str(port)],
        cwd=ROOT,
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}", demo)
        # The demo made its own secret (no HOURGLASS_SECRET_KEY given), readable by its owner only.
        secret_file = data / "secret_key"
        assert secret_file.stat().st_mode & 0o077 == 0
        running = _servers_of(data)
        assert any(s.startswith("postgres") for s in running) and any(s.startswith("redis") for s in running)

        # An admin command beside the demo joins its servers and leaves them running.
        admin = subprocess.run(
            [sys.executable, "-m", "hourglass", "admin", "create-org", "Beside the demo"],
            cwd=ROOT,
            env=_env(data, HOURGLASS_SECRET_KEY=secret_file.read_text().strip()),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert admin.returncode == 0, admin.stderr[-2000:]
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200

        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=90)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(timeout=10)
    assert _servers_of(data) == []
