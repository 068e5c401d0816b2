"""Smoke test: with no database or Redis configured, `hourglass serve` starts embedded servers,
migrates, and answers /readyz with 200."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_in_embedded_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")}
    env["HOURGLASS_DATA_DIR"] = str(tmp_path / "data")
    port = _free_port()
    migrate = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                status = r.status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert status == 200
        assert r.json()["checks"] == {"database": "ok", "redis": "ok"}
        assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        from api.embedded import stop_embedded_redis

        stop_embedded_redis(tmp_path / "data")
        # The embedded PostgreSQL outlives the processes that joined it (by design, for `make run`);
        # a test must not leave one behind: fast shutdown by its postmaster pid.
        pid_file = tmp_path / "data" / "pg" / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
