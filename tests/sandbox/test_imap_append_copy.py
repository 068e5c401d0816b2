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


INNER = b"From: buyer@example.com\r\nSubject: the original\r\nMessage-ID: <o-1@x>\r\n\r\nOriginal text\r\n"
NESTED = (
    b"From: shop@brightnest.example\r\nTo: pc-1@relay.walmart.com\r\nSubject: parts\r\nMessage-ID: <p-1@x>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    b"preamble\r\n--outer\r\n"
    b'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
    b"--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain line one\r\nline two\r\n"
    b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Plain</p>\r\n--inner--\r\n"
    b"--outer\r\nContent-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n" + INNER + b"\r\n--outer--\r\n"
)


async def test_bodystructure_and_part_sections_with_imaplib():
    async with running() as sb:
        creds = sb.store("walmart").credentials
        login = creds["imap_username"]

        def exercise() -> tuple[bytes, dict[str, bytes]]:
            client = imaplib.IMAP4("127.0.0.1", sb.imap_port)
            client.login(login, creds["imap_password"])
            client.append("INBOX", None, None, NESTED)
            client.select("INBOX", readonly=True)
            _, structure = client.fetch("1", "(BODYSTRUCTURE)")
            sections = {}
            for section in ("1.1", "1.2", "2", "2.MIME", "2.HEADER", "2.TEXT", "2.1", "3", "1.1.1"):
                _, data = client.fetch("1", f"(BODY.PEEK[{section}])")
                sections[section] = next(p[1] for p in data if isinstance(p, tuple))
            _, partial = client.fetch("1", "(BODY.PEEK[1.1]<6.4>)")
            sections["partial"] = next(p[1] for p in partial if isinstance(p, tuple))
            client.logout()
            return structure[0], sections

        structure, sections = await asyncio.to_thread(exercise)
        assert structure.startswith(b"1 (BODYSTRUCTURE ((")
        assert b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 24 2 NIL)' in structure
        assert b'"ALTERNATIVE" ("BOUNDARY" "inner"))' in structure
        assert b'("MESSAGE" "RFC822" NIL NIL "forwarded" "7BIT" ' in structure
        assert structure.endswith(b' "MIXED" ("BOUNDARY" "outer")))')
        assert sections["1.1"] == b"Plain line one\r\nline two"
        assert sections["1.2"] == b"<p>Plain</p>"
        assert sections["2"] == INNER
        assert sections["2.MIME"] == b"Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n"
        assert sections["2.HEADER"] == INNER.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        assert sections["2.TEXT"] == b"Original text\r\n"
        assert sections["2.1"] == b"Original text\r\n"  # part 1 of the attached single-part message
        assert sections["3"] == b"" and sections["1.1.1"] == b"Plain line one\r\nline two"
        assert sections["partial"] == b"line"
