"""API and worker processes for the multi-process tests, against the test database and Redis."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.webhook.receiver import bound_socket

ROOT = Path(__file__).resolve().parents[2]


def environment(settings, tmp_path: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")} | {
        "HOURGLASS_DATABASE_URL": settings.database_url,
        "HOURGLASS_REDIS_URL": settings.redis_url,
        "HOURGLASS_SECRET_KEY": settings.secret_key.get_secret_value(),
        "HOURGLASS_DATA_DIR": str(tmp_path),
        "HOURGLASS_LOG_LEVEL": "WARNING",
        "HOURGLASS_API_RATE_LIMIT_PER_MINUTE": "100000",
        "HOURGLASS_OUTBOUND_ALLOWED": json.dumps(settings.outbound_allowed),
    }


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hourglass", *args], cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._out.close()


class ApiProcess(Process):
    def __init__(self, env: dict[str, str], log: Path) -> None:
        sock = bound_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        super().__init__(["serve", "--port", str(self.port)], env, log)
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/v1/ws"

    async def ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as c:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"API exited: {self.log.read_text()[-2000:]}")
                try:
                    if (await c.get(self.url + "/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"API not ready: {self.log.read_text()[-2000:]}")
