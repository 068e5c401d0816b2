"""Media the marketplaces serve and take: buyers' photos (eBay `messageMedia` URLs, Shopee `image`
and TikTok `IMAGE` messages carry a URL to the marketplace's CDN, which here is this server's
`/_sandbox/media/{name}`), and the seller's image uploads (Shopee `upload_image`, TikTok image
upload), kept here so tests can read what was sent.

A name decides the bytes unless something was uploaded under it: `.png`, `.jpg`, `.gif`, `.pdf`,
`.txt` give a small valid file of that kind, `.html` a page, `.svg` a drawing with a script;
`missing-*` is a 404 and `slow-*` a 500 (the CDN failing)."""

from __future__ import annotations

import base64
import hashlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

# A 1x1 PNG (valid, decodable), varied per name by a text chunk so two names are two files.
_PNG_HEAD = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////"
    "////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAA//EABQQAQAAAAAAAAAAAAAAAAAAAAD/"
    "2gAIAQEAAD8AN//Z"
)
_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def generated(name: str) -> tuple[bytes, str] | None:
    """The bytes and the Content-Type the CDN serves for `name` (None: not found)."""
    lower = name.lower()
    tag = hashlib.sha256(name.encode()).hexdigest()[:16].encode()
    if lower.startswith("missing-"):
        return None
    if lower.endswith(".png"):
        return _PNG_HEAD + tag, "image/png"
    if lower.endswith((".jpg", ".jpeg")):
        return _JPEG + tag, "image/jpeg"
    if lower.endswith(".gif"):
        return _GIF + tag, "image/gif"
    if lower.endswith(".pdf"):
        return b"%PDF-1.4\n% " + tag + b"\n%%EOF\n", "application/pdf"
    if lower.endswith(".txt"):
        return b"Order notes " + tag + b"\n", "text/plain"
    if lower.endswith(".html"):
        # The CDN lies about the type, as a hostile upload would.
        return b"<html><body><script>alert(document.cookie)</script>" + tag + b"</body></html>", "image/png"
    if lower.endswith(".svg"):
        return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"
    return None


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str, str, bytes]]:
    """Fields of a multipart/form-data body: name -> (filename, content type, bytes)."""
    message = BytesParser(policy=policy.default).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    fields: dict[str, tuple[str, str, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (part.get_filename() or "", part.get_content_type(), payload)
    return fields


class MediaStore:
    def __init__(self) -> None:
        self.uploaded: dict[str, tuple[bytes, str]] = {}

    def upload(self, data: bytes, content_type: str, key: str) -> str:
        name = f"upload-{hashlib.sha256(data).hexdigest()[:24]}-{key}"
        self.uploaded[name] = (data, content_type)
        return name

    def get(self, name: str) -> tuple[bytes, str] | None:
        return self.uploaded.get(name) or generated(name)


def url_for(http_url: str, name: str) -> str:
    return f"{http_url}/_sandbox/media/{name}"


def router(media: MediaStore) -> APIRouter:
    api = APIRouter(prefix="/_sandbox/media", tags=["sandbox media"])

    @api.get("/{name}")
    async def serve(name: str) -> Response:
        """A buyer's photo (or an uploaded image) as the marketplace's CDN serves it."""
        if name.lower().startswith("slow-"):
            raise HTTPException(500, "CDN unavailable")
        found = media.get(name)
        if found is None:
            raise HTTPException(404, "no such media")
        data, kind = found
        return Response(data, media_type=kind)

    return api


def describe(name: str, http_url: str) -> dict[str, Any]:
    return {"name": name, "url": url_for(http_url, name)}


def with_attachments(raw: bytes, files: list[tuple[str, bytes, str]]) -> bytes:
    """A mail with files added as MIME parts (multipart/mixed), as a buyer's mail client sends them."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    for name, data, kind in files:
        if not data:
            continue
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def ebay_media_type(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".pdf"):
        return "PDF"
    if lower.endswith(".txt"):
        return "TXT"
    if lower.endswith((".png", ".jpg", ".jpeg", ".gif")):
        return "IMAGE"
    return "DOC"


def mime_files(raw: bytes) -> list[tuple[str, str, bytes]]:
    """(file name, declared type, bytes) of each attachment part of a mail."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    files: list[tuple[str, str, bytes]] = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            files.append((part.get_filename() or "attachment", part.get_content_type(), data))
    return files
