"""IMAP APPEND, COPY, CREATE and LIST (RFC 3501 §6.3.3, §6.3.11, §6.4.7) in the sandbox's server,
driven by Python's own imaplib."""

from __future__ import annotations

import asyncio
import imaplib
import re

import pytest

from tests.sandbox.helpers import running

pytestmark = pytest.mark.asyncio

SENT = (
    b"From: shop@brightnest.example\r\nTo: pc-1@relay.walmart.com\r\nSubject: Re: hi\r\n"
    b"Message-ID: <s-1@x>\r\n\r\nHello\r\n"
)


async def test_append_copy_create_and_list_with_imaplib():
    async with running() as sb:
        creds = sb.store("walmart").credentials
        sb.inject("walmart", "Where is my parcel?")

        def exercise() -> dict[str, object]:
            client = imaplib.IMAP4("127.0.0.1", sb.imap_port)
            client.login(creds["imap_username"], creds["imap_password"])
            _, listed = client.list()
            names = sorted(line.decode().rsplit(" ", 1)[1] for line in listed if isinstance(line, bytes))
            typ, data = client.append("Sent", "(\\Seen)", '"04-Dec-2026 19:00:00 +0100"', SENT)
            appended = data[0].decode()
            missing = client.append("Archive", None, None, SENT)
            client.create("Archive")
            client.select("INBOX")
            copy_typ, _ = client.uid("COPY", "1", "Archive")
            _, copy_data = client.response("COPYUID")  # the tagged OK's response code
            client.select("Sent", readonly=True)
            _, fetched = client.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
            client.select("Archive", readonly=True)
            _, archived = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            status = client.status("Sent", "(MESSAGES UIDNEXT)")[1][0].decode()
            client.logout()
            return {
                "names": names,
                "append": (typ, appended),
                "missing": missing,
                "copy": (copy_typ, copy_data[0].decode()),
                "fetched": fetched,
                "archived": archived,
                "status": status,
            }

        out = await asyncio.to_thread(exercise)
        assert out["names"] == ["INBOX", "Sent"]
        typ, appended = out["append"]  # type: ignore[misc]
        assert typ == "OK" and re.match(r"\[APPENDUID \d+ 1\]", appended)
        assert out["missing"][0] == "NO" and b"TRYCREATE" in out["missing"][1][0]  # type: ignore[index]
        copy_typ, copied = out["copy"]  # type: ignore[misc]
        assert copy_typ == "OK" and re.fullmatch(r"\d+ 1 1", copied)
        head, body = out["fetched"][0]  # type: ignore[index]
        assert body == SENT and b"\\Seen" in head and b'" 4-Dec-2026 18:00:00 +0000"' in head
        assert b"Subject:" in out["archived"][0][1]  # type: ignore[index]
        assert out["status"] == "Sent (MESSAGES 1 UIDNEXT 2)"
