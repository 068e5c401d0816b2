"""What a file is, judged from its first bytes (pure). The sender's Content-Type and the file name
are never believed: a `.png` that starts with `<html>` is HTML, and served as a download.

`SNIFF_BYTES` of the head are enough for every signature here."""

from __future__ import annotations

SNIFF_BYTES = 512

# Types shown inline by the SPA (as an <img> or an <object>): everything else is a download.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Stored (the buyer sent it, the agent may need it) but only ever served as an opaque download.
DANGEROUS_TYPES = frozenset(
    {
        "text/html",
        "image/svg+xml",
        "application/xml",
        "application/x-msdownload",
        "application/x-executable",
        "application/x-mach-binary",
        "application/x-sh",
        "application/java-archive",
    }
)
OCTET = "application/octet-stream"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"#!", "application/x-sh"),
    (b"PK\x03\x04", "application/zip"),
)
_MARKUP = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<?xml")


def sniff(head: bytes) -> str:
    """The content type of a file that starts with `head` (at least its first SNIFF_BYTES bytes, or the
    whole file when shorter). Unknown binary is `application/octet-stream`."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(text.startswith(tag) for tag in _MARKUP) or b"<svg" in text[:SNIFF_BYTES] or b"<html" in text[:SNIFF_BYTES]:
        if b"<svg" in text[:SNIFF_BYTES]:
            return "image/svg+xml"
        if text.startswith(b"<?xml"):
            return "application/xml"
        return "text/html"
    if _looks_like_text(head):
        return "text/plain"
    return OCTET


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    # A multi-byte character may be cut at the end of the head: ignore up to 3 trailing bytes.
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        text = head[: len(head) - cut].decode("utf-8")
        controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n\f")
        return controls == 0
    return False


def is_dangerous(content_type: str) -> bool:
    """Served only as `application/octet-stream` with `Content-Disposition: attachment`."""
    return content_type in DANGEROUS_TYPES or content_type not in INLINE_TYPES


def served_type(content_type: str) -> str:
    return OCTET if is_dangerous(content_type) else content_type
