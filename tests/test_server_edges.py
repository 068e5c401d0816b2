"""The edges of a real `hourglass serve`: header size and time limits, keep-alive, /metrics behind a
token, and the commands that refuse to start on the development secret."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.config import DEV_SECRET_KEY, Settings, secret_key_problem

ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "metrics-token-for-the-edge-tests"
MAX_HEADER_BYTES = 4096
# Generous: the assertions are that the server closes the socket, never how fast.
WAIT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")} | {
        "HOURGLASS_DATABASE_URL": settings.database_url or "",
        "HOURGLASS_REDIS_URL": settings.redis_url or "",
        "HOURGLASS_SECRET_KEY": settings.secret_key.get_secret_value(),
        "HOURGLASS_DATA_DIR": str(tmp_path_factory.mktemp("serve")),
        "HOURGLASS_LOG_LEVEL": "WARNING",
        "HOURGLASS_HTTP_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
        "HOURGLASS_HTTP_HEADER_TIMEOUT_SECONDS": "1",
        "HOURGLASS_HTTP_KEEP_ALIVE_SECONDS": "1",
        "HOURGLASS_METRICS_TOKEN": METRICS_TOKEN,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hourglass", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"hourglass serve exited with {proc.returncode}"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "hourglass serve did not answer /healthz"
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails the test)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except TimeoutError:
            raise AssertionError(f"the server kept the connection open; received {data[:200]!r}") from None
        if not chunk:
            return data
        data += chunk


def test_headers_within_the_limit_are_served(server):
    r = httpx.get(f"http://127.0.0.1:{server}/healthz", headers={"X-Filler": "a" * 2000})
    assert r.status_code == 200


def test_oversize_headers_are_refused_with_431_and_closed(server):
    with _connect(server) as sock:
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * (MAX_HEADER_BYTES * 2) + b"\r\n\r\n"
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            return  # closed while we were still sending: refused
        answer = _read_until_closed(sock)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_oversize_headers_sent_in_pieces_are_refused(server):
    """The limit holds across reads, not only for one big packet."""
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        try:
            for i in range(MAX_HEADER_BYTES // 100 + 10):
                sock.sendall(b"X-Filler-%d: " % i + b"a" * 90 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return
        answer = _read_until_closed(sock)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_a_body_arriving_with_its_headers_does_not_count_as_headers(server):
    """Headers and a large body in one write: the server reads them together, the body is not a header."""
    body = b"x" * (MAX_HEADER_BYTES * 25)
    with _connect(server) as sock:
        sock.sendall(
            b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        )
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 4") and not answer.startswith(b"HTTP/1.1 431"), answer[:200]


def test_pipelined_requests_are_all_served(server):
    with _connect(server) as sock:
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 2
            + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        answer = _read_until_closed(sock)
    assert answer.count(b"HTTP/1.1 200 OK") == 3, answer[:600]


def test_a_connection_that_sends_nothing_is_closed(server):
    with _connect(server) as sock:
        assert _read_until_closed(sock) == b""


def test_headers_trickling_in_are_cut_off(server):
    """Slowloris: a header line now and then keeps uvicorn's own keep-alive timer disarmed forever."""
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(0.3)
        deadline = time.monotonic() + WAIT
        closed = False
        i = 0
        while time.monotonic() < deadline and not closed:
            try:
                sock.sendall(b"X-Slow-%d: 1\r\n" % i)
                i += 1
                closed = sock.recv(65536) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
        assert closed, "the server kept a connection open whose headers never ended"


def test_an_idle_keep_alive_connection_is_closed(server):
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_metrics_need_the_token(server):
    url = f"http://127.0.0.1:{server}/metrics"
    anonymous = httpx.get(url)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert "hourglass_http_requests_total" not in anonymous.text
    assert httpx.get(url, headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": METRICS_TOKEN}).status_code == 401
    scraped = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200
    assert "hourglass_http_requests_total" in scraped.text


async def test_metrics_are_not_served_without_a_configured_token(client):
    r = await client.get("/metrics")
    assert r.status_code == 404
    assert "hourglass_http_requests_total" not in r.text
    r = await client.get("/metrics", headers={"Authorization": "Bearer "})
    assert r.status_code == 404


def test_secret_key_check():
    assert "HOURGLASS_SECRET_KEY" in (secret_key_problem(Settings(secret_key=SecretStr(DEV_SECRET_KEY))) or "")
    assert "HOURGLASS_SECRET_KEY" in (secret_key_problem(Settings(secret_key=SecretStr("short-secret"))) or "")
    assert secret_key_problem(Settings(secret_key=SecretStr(DEV_SECRET_KEY))) is not None
    assert secret_key_problem(Settings(secret_key=SecretStr("x" * 31))) is not None
    assert secret_key_problem(Settings(secret_key=SecretStr("k3" * 16))) is None


@pytest.mark.parametrize(
    ("command", "secret"),
    [
        (["migrate"], None),
        (["serve", "--port", "1"], None),
        (["worker"], "too-short"),
        (["admin", "create-org", "Acme"], DEV_SECRET_KEY),
    ],
)
def test_commands_refuse_to_start_without_a_real_secret(tmp_path, command, secret):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOURGLASS_")}
    env["HOURGLASS_DATA_DIR"] = str(tmp_path / "data")
    if secret is not None:
        env["HOURGLASS_SECRET_KEY"] = secret
    done = subprocess.run(
        [sys.executable, "-m", "hourglass", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "HOURGLASS_SECRET_KEY" in done.stderr
    # Refused before anything started: no embedded server, no data directory.
    assert not (tmp_path / "data").exists()
