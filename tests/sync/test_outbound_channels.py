"""Channel hosts go through the outbound policy: with only the fake upstream's `host:port`s
allow-listed (the sandbox's HTTP, IMAP and SMTP ports), every other loopback destination, in every
spelling, is refused before any connection: a listener on another loopback port counts the
connections it accepts and sees none. The far side's error text never reaches a response.

Only loopback is ever contacted; names other than `localhost` are answered by fake resolvers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api.kit.outbound import OutboundPolicy, OutboundRefused, OutboundTransport, outbound_client
from tests.connectors.helpers import channel_body
from tests.kit.certs import self_signed
from tests.sync.conftest import poll
from tests.webhook.receiver import receiver
from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime

# Every way to write "this machine" (and its neighbours on loopback) in a host.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0x7f.1",
    "0x7f.0.0.1",
    "127.0.0.1.",
    "127.000.000.001",
    "127.0.0.2",
    "0.0.0.0",  # on Linux, connecting to it reaches the local host
    "0",
    "localhost",
    "localhost.",
    "LocalHost",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::]",
]


@dataclass
class Counter:
    """Listens on 127.0.0.1 (and ::1 when the machine has it) on one port; counts accepted connections."""

    port: int = 0
    accepted: int = 0
    servers: list[asyncio.Server] = field(default_factory=list)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        writer.close()


@contextlib.asynccontextmanager
async def counting_listener() -> AsyncIterator[Counter]:
    counter = Counter()
    first = await asyncio.start_server(counter._on_connect, "127.0.0.1", 0)
    counter.port = first.sockets[0].getsockname()[1]
    counter.servers.append(first)
    with contextlib.suppress(OSError):  # no IPv6 on this machine: nothing to count there
        counter.servers.append(await asyncio.start_server(counter._on_connect, "::1", counter.port))
    try:
        yield counter
    finally:
        for server in counter.servers:
            server.close()
            await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sandbox_allowed(sb: Any) -> list[str]:
    http = urlsplit(sb.http_url)
    return [f"{http.hostname}:{http.port}", f"127.0.0.1:{sb.imap_port}", f"127.0.0.1:{sb.smtp_port}"]


@contextlib.contextmanager
def allowing(app: Any, settings: Any, allowed: list[str]) -> Iterator[None]:
    """The API's outbound allow-list, for a while (the suite's settings allow all of 127/8)."""
    app.state.settings = settings.model_copy(update={"outbound_allowed": allowed})
    try:
        yield
    finally:
        app.state.settings = settings


@pytest.fixture
def exact(app, settings, sb) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The API allows exactly the sandbox's host:ports."""
    allowed = sandbox_allowed(sb)
    with allowing(app, settings, allowed):
        yield allowed


def cases(port: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(marketplace, refused setting, settings overrides) for one loopback port, every spelling."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for host in LOOPBACK_SPELLINGS:
        out.append(("tiktok", "settings.base_url", {"base_url": f"http://{host}:{port}/"}))
        out.append(("tiktok", "settings.auth_base_url", {"auth_base_url": f"http://{host}:{port}"}))
        out.append(("amazon", "settings.imap_host", {"imap_host": host, "imap_port": port}))
        out.append(("amazon", "settings.smtp_host", {"smtp_host": host, "smtp_port": port}))
    return out


async def test_every_other_loopback_destination_is_refused_without_a_connection(tenant, sb, exact):
    async with counting_listener() as counter:
        elsewhere = closed_port()
        for marketplace, setting, overrides in cases(counter.port):
            body = channel_body(sb, marketplace, **overrides)
            r = await tenant.api.post("/v1/channels", json=body)
            assert r.status_code == 422, (overrides, r.text)
            assert [e["field"] for e in r.json()["errors"]] == [f"body.{setting}"], r.text
            # Refused by the policy, or (spellings httpx cannot even send, e.g. `0177.0.0.1` in a URL)
            # by the URL check; either way a 422 naming the setting, before anything is contacted.
            assert r.json()["detail"].startswith(("Hourglass will not connect there:", "Settings or")), r.text
            # An open port and a closed one are refused in the same words.
            closed = {k: (elsewhere if k.endswith("_port") else v.replace(str(counter.port), str(elsewhere)))
                      for k, v in overrides.items()}  # fmt: skip
            again = await tenant.api.post("/v1/channels", json=channel_body(sb, marketplace, **closed))
            assert (again.status_code, again.json()["detail"]) == (422, r.json()["detail"])
        # The same through an update of an existing channel.
        channel = (await tenant.api.post("/v1/channels", json=channel_body(sb, "amazon"))).json()
        credentials = channel_body(sb, "amazon")["credentials"]
        for host in ("2130706433", "[::ffff:127.0.0.1]", "localhost."):
            settings = channel_body(sb, "amazon", smtp_host=host, smtp_port=counter.port)["settings"]
            r = await tenant.api.patch(
                f"/v1/channels/{channel['id']}", json={"settings": settings, "credentials": credentials}
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.settings.smtp_host", r.text
        assert counter.accepted == 0
    assert not (await tenant.api.get("/v1/channels")).json()["items"][0]["sync"]["last_error"]


async def test_the_allow_listed_host_ports_work(tenant, sb, exact):
    for marketplace in ("tiktok", "amazon", "walmart", "ebay", "shopee"):
        r = await tenant.api.post("/v1/channels", json=channel_body(sb, marketplace))
        assert r.status_code == 201, r.text
        assert r.json()["sync"]["last_error"] is None, r.json()["sync"]


async def test_upstream_error_text_never_reaches_the_response(tenant, sb, app, settings):
    secret = "hunter2 at db.internal:5432"
    error = b'{"error": "invalid client", "error_description": "%s", "code": 36009004, "message": "%s"}' % (
        secret.encode(),
        secret.encode(),
    )
    for status in (401, 400, 500):
        async with receiver(status=status, body=error, headers={"content-type": "application/json"}) as upstream:
            base = f"http://127.0.0.1:{upstream.port}"
            body = channel_body(sb, "tiktok", base_url=base, auth_base_url=base)
            with allowing(app, settings, [f"127.0.0.1:{upstream.port}"]):
                r = await tenant.api.post("/v1/channels", json=body)
            assert upstream.requests, "the allow-listed upstream was called"
        assert "hunter2" not in r.text and "db.internal" not in r.text, r.text
        if status == 500:  # not the user's fault: saved, with the failure in our words
            assert r.status_code == 201
            assert r.json()["sync"]["last_error"] == (
                "Credentials not verified yet: TikTok Shop failed (HTTP 500, error code 36009004)"
            )
        else:
            assert r.status_code == 422, r.text
            assert r.json()["detail"].startswith("TikTok Shop refused these credentials: TikTok Shop ")
            assert f"(HTTP {status}" in r.json()["detail"]


async def test_the_worker_refuses_a_refused_host_and_says_why(tenant, sb, exact, engine, sessionmaker, app):
    """Stored without a check (`verify: false`), a channel pointed at loopback is never polled: the
    worker records the refusal in its sync status and backs off."""
    rt = SyncRuntime(engine, sessionmaker, app.state.cipher, outbound=OutboundPolicy(exact))
    try:
        async with counting_listener() as counter:
            channels = []
            for body in (
                channel_body(sb, "tiktok", base_url=f"http://2130706433:{counter.port}"),
                channel_body(sb, "amazon", imap_host="0x7f.1", imap_port=counter.port),
            ):
                r = await tenant.api.post("/v1/channels", json=body | {"verify": False})
                assert r.status_code == 201, r.text
                channels.append(r.json())
            for channel in channels:
                outcome = await poll(rt, channel)
                assert outcome.error and "refused" in outcome.error
                sync = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
                assert sync["state"] == "failing" and sync["last_error"].startswith("HostRefused: refused:")
                assert "loopback" in sync["last_error"] and sync["consecutive_failures"] == 1
            assert counter.accepted == 0
    finally:
        await rt.aclose()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_url": "http://[zz]"}, "body.settings.base_url"),
        ({"base_url": "http://api.example:99999/"}, "body.settings.base_url"),
        ({"auth_base_url": "https://[::1"}, "body.settings.auth_base_url"),
        ({"imap_port": 99999}, "body.settings.imap_port"),
        ({"smtp_host": "mail example"}, "body.settings.smtp_host"),
    ],
)
@pytest.mark.parametrize("verify", [True, False])
async def test_unusable_hosts_and_ports_are_a_422_naming_the_setting(tenant, sb, overrides, field, verify):
    marketplace = "amazon" if any(k.startswith(("imap", "smtp")) for k in overrides) else "tiktok"
    body = channel_body(sb, marketplace, **overrides) | {"verify": verify}
    r = await tenant.api.post("/v1/channels", json=body)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.text


# -- the pinned transport --------------------------------------------------------------------------


def fixed(table: dict[str, str]):
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such name")
        return [table[host]]

    return resolve


async def test_requests_go_to_the_checked_address_with_the_original_host_header():
    async with receiver() as upstream:
        policy = OutboundPolicy([f"127.0.0.1:{upstream.port}"], resolver=fixed({"api.test": "127.0.0.1"}))
        async with outbound_client(policy) as client:
            r = await client.get(f"http://api.test:{upstream.port}/v1/ping")
    assert r.status_code == 200
    assert upstream.requests[0].headers["host"] == f"api.test:{upstream.port}"
    assert str(r.request.url) == f"http://api.test:{upstream.port}/v1/ping"  # as the caller wrote it


async def test_every_redirect_is_checked_again():
    async with counting_listener() as counter:
        for spelling in ("127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost"):
            location = f"http://{spelling}:{counter.port}/latest/meta-data/"
            async with receiver(status=302, headers={"location": location}) as upstream:
                policy = OutboundPolicy([f"127.0.0.1:{upstream.port}"])
                transport = OutboundTransport(policy)
                async with httpx.AsyncClient(transport=transport, follow_redirects=True, trust_env=False) as client:
                    with pytest.raises(OutboundRefused):
                        await client.get(f"{upstream.url}")
                assert len(upstream.requests) == 1
        assert counter.accepted == 0


async def test_tls_to_the_pinned_address_still_verifies_the_name(tmp_path):
    """Connecting to the checked IP must not weaken TLS: the server name sent and verified is the
    host's, so a certificate for the name passes and one for another name fails."""
    cert, key = self_signed("api.test")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,misc]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ssl.SSLError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    client_context = ssl.create_default_context(cadata=cert.decode())
    policy = OutboundPolicy([f"127.0.0.1:{port}"], resolver=fixed({"api.test": "127.0.0.1", "other.test": "127.0.0.1"}))
    try:
        transport = OutboundTransport(policy, verify=client_context)
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            ok = await client.get(f"https://api.test:{port}/")
            with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
                await client.get(f"https://other.test:{port}/")
    finally:
        server.close()
        await server.wait_closed()
    assert ok.status_code == 200 and ok.text == "ok"
    assert names[0] == "api.test" and "other.test" in names
