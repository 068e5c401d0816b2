"""The file store and the type sniffing (no database): content addressing, the cap enforced while the
bytes stream in, nothing half-written left behind, types from magic bytes only."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from api.attachment.rules import Outgoing, refusal
from api.attachment.sniff import is_dangerous, served_type, sniff
from api.attachment.store import Empty, FileStore, TooLarge
from api.channel.connectors.mail.parse import parse_mail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


async def _chunks(data: bytes, size: int = 10) -> AsyncIterator[bytes]:
    for n in range(0, len(data), size):
        yield data[n : n + size]


async def test_stored_under_its_sha256_once(tmp_path):
    store = FileStore(tmp_path)
    first = await store.put_stream(_chunks(PNG), 1000)
    again = await store.put_bytes(PNG, 1000)
    digest = hashlib.sha256(PNG).hexdigest()
    assert first.sha256 == again.sha256 == digest
    assert first.size == len(PNG) and first.content_type == "image/png"
    path = store.path(digest)
    assert path == tmp_path / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == PNG
    assert list((tmp_path / "tmp").iterdir()) == []  # no .part left
    assert b"".join([c async for c in store.read(digest)]) == PNG


async def test_cap_stops_the_stream_and_leaves_nothing(tmp_path):
    store = FileStore(tmp_path)
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 1024

    with pytest.raises(TooLarge) as refused:
        await store.put_stream(endless(), 10 * 1024)
    assert refused.value.limit == 10 * 1024
    assert pulled == 11  # stopped at the first chunk over the cap: never read on
    assert list((tmp_path / "tmp").iterdir()) == []
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


async def test_empty_is_refused(tmp_path):
    with pytest.raises(Empty):
        await FileStore(tmp_path).put_bytes(b"", 100)


def test_path_refuses_what_is_not_a_digest(tmp_path):
    with pytest.raises(ValueError):
        FileStore(tmp_path).path("../../etc/passwd")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"Hello, the parcel arrived broken.\n", "text/plain"),
        ("你好，包裹坏了".encode(), "text/plain"),
        (b"<!DOCTYPE html><html><script>x</script>", "text/html"),
        (b"  <html><body>", "text/html"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/>', "image/svg+xml"),
        (b"<svg onload=alert(1)>", "image/svg+xml"),
        (b"MZ\x90\x00\x03", "application/x-msdownload"),
        (b"\x7fELF\x02\x01", "application/x-executable"),
        (b"\x00\x01\x02\x03binary", "application/octet-stream"),
    ],
)
def test_sniffed_from_magic_bytes(head, kind):
    assert sniff(head) == kind


@pytest.mark.parametrize("kind", ["text/html", "image/svg+xml", "application/x-msdownload", "application/zip"])
def test_dangerous_types_are_served_as_octet_stream(kind):
    assert is_dangerous(kind) and served_type(kind) == "application/octet-stream"


def test_images_pdf_text_are_served_as_themselves():
    for kind in ("image/png", "image/jpeg", "application/pdf", "text/plain"):
        assert not is_dangerous(kind) and served_type(kind) == kind


def test_marketplace_rules():
    png = Outgoing("a.png", "image/png", 1000, "stored")
    pdf = Outgoing("a.pdf", "application/pdf", 1000, "stored")
    assert refusal("ebay", [png, pdf]) is None
    assert "accepts only" in (refusal("shopee", [pdf]) or "")
    assert "2097152 bytes" in (refusal("shopee", [Outgoing("b.png", "image/png", 3 * 1024 * 1024, "stored")]) or "")
    assert refusal("api", [png, pdf]) is None
    assert "does not accept attachments" in (refusal("fax", [png]) or "")
    assert "at most 5" in (refusal("ebay", [png] * 6) or "")
    assert "not available" in (refusal("amazon", [Outgoing("c.png", "image/png", 10, "failed")]) or "")
    assert refusal("api", []) is None


def test_mime_parts_of_a_mail_are_attachments_with_their_bytes():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Buyer <buyer@marketplace.amazon.com>"
    msg["To"] = "seller@example.com"
    msg["Subject"] = "Broken"
    msg["Message-ID"] = "<m1@example.com>"
    msg.set_content("It arrived broken, photo attached.")
    msg.add_attachment(PNG, maintype="image", subtype="jpeg", filename="../../photo.png")
    mail = parse_mail(msg.as_bytes())
    assert mail.text == "It arrived broken, photo attached."
    [part] = mail.attachments
    assert part.data == PNG and part.declared_type == "image/jpeg" and part.filename == "../../photo.png"
