"""IMAP and SMTP connect to the address the outbound policy checked, and TLS still verifies the
host name: a certificate for the name passes, one for another name fails. Loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from api.channel.connectors.base import HostRefused
from api.channel.connectors.mail import transport
from api.channel.connectors.registry import build
from api.kit.outbound import OutboundPolicy
from tests.kit.certs import self_signed

Dialogue = Callable[[asyncio.StreamReader, asyncio.StreamWriter], "asyncio.Future[None] | object"]


async def _smtp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mail.test ESMTP\r\n")
    while line := await reader.readline():
        verb = line.split(b" ", 1)[0].strip().upper()
        writer.write(b"221 bye\r\n" if verb == b"QUIT" else b"250 mail.test\r\n")
        await writer.drain()
        if verb == b"QUIT":
            break


async def _imap(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"* OK IMAP4rev1 ready\r\n")
    while line := await reader.readline():
        tag, _, command = line.decode().strip().partition(" ")
        if command.upper().startswith("CAPABILITY"):
            writer.write(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n".encode())
        elif command.upper().startswith("LOGOUT"):
            writer.write(f"* BYE\r\n{tag} OK done\r\n".encode())
            await writer.drain()
            break
        else:
            writer.write(f"{tag} NO not here\r\n".encode())
        await writer.drain()


@contextlib.asynccontextmanager
async def tls_server(tmp_path: Path, dialogue: Dialogue, seen: list[str | None]) -> AsyncIterator[int]:
    cert, key = self_signed("mail.test")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    context.sni_callback = lambda sock, name, ctx: seen.append(name)  # type: ignore[assignment,misc]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ssl.SSLError, asyncio.IncompleteReadError, ConnectionError):
            await dialogue(reader, writer)  # type: ignore[misc]
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_smtp_and_imap_over_tls_verify_the_name_at_the_pinned_address(tmp_path, monkeypatch):
    real = ssl.create_default_context
    trusted: list[bytes] = []

    def with_test_ca(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = real()
        for pem in trusted:
            context.load_verify_locations(cadata=pem.decode())
        return context

    monkeypatch.setattr(transport.ssl, "create_default_context", with_test_ca)
    for dialogue, client in ((_smtp, transport._PinnedSMTP_SSL), (_imap, transport._PinnedIMAP4_SSL)):
        seen: list[str | None] = []
        async with tls_server(tmp_path, dialogue, seen) as port:
            certificate = (tmp_path / "cert.pem").read_bytes()
            trusted[:] = [certificate]

            def connect(name: str, client=client, port=port) -> None:  # type: ignore[no-untyped-def]
                conn = client(name, "127.0.0.1", port, 5.0)
                if isinstance(conn, transport.smtplib.SMTP):
                    conn.quit()
                else:
                    conn.logout()

            # The name resolves nowhere (no resolver is asked): the connection goes to the given address.
            await asyncio.to_thread(connect, "mail.test")
            with pytest.raises(ssl.SSLCertVerificationError):
                await asyncio.to_thread(connect, "other.test")
        assert seen[:2] == ["mail.test", "other.test"], seen


async def test_mail_connectors_refuse_a_host_before_connecting():
    credentials = {"imap_username": "u", "imap_password": "p"}
    settings = {"imap_host": "2130706433", "smtp_host": "[::1]", "seller_email": "me@shop.example"}
    connector = build("walmart", settings, credentials, outbound=OutboundPolicy())
    public_imap = build("walmart", settings | {"imap_host": "93.184.215.14"}, credentials, outbound=OutboundPolicy())
    try:
        with pytest.raises(HostRefused) as imap:
            await connector.check_credentials()  # refused before any connection is attempted
        with pytest.raises(HostRefused) as smtp:
            await public_imap.check_destinations()  # checks only: nothing is contacted
    finally:
        await connector.aclose()
        await public_imap.aclose()
    assert imap.value.setting == "settings.imap_host" and "loopback" in imap.value.message
    assert smtp.value.setting == "settings.smtp_host" and "::1" in smtp.value.message
