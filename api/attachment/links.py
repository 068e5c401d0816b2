"""Signed, expiring links to a reply's file, for a marketplace that fetches it itself (eBay's
messageMedia takes HTTPS URLs). Pure apart from the clock."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

LINK_SECONDS = 7 * 24 * 3600


def signature(secret: str, attachment_id: uuid.UUID, expires: int) -> str:
    key = hashlib.sha256(b"hourglass-attachment-link:" + secret.encode()).digest()
    return hmac.new(key, f"{attachment_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_link(public_url: str, secret: str, attachment_id: uuid.UUID, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + LINK_SECONDS)
    sig = signature(secret, attachment_id, expires)
    return f"{public_url.rstrip('/')}/v1/attachments/{attachment_id}/link/{expires}/{sig}"


def valid(secret: str, attachment_id: uuid.UUID, expires: int, given: str, now: float | None = None) -> bool:
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature(secret, attachment_id, expires), given)
