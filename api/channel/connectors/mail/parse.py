"""Parsing one relay mail into what the connectors need (pure: tested on raw bytes)."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import BaseHeader
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache
from typing import Any

import nh3

_MSGID = re.compile(r"<[^<>\s]+>")
# RFC 3834 §2: mail that is not from a person; answering it automatically would loop.
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    declared_type: str
    data: bytes


@dataclass
class Mail:
    message_id: str
    from_name: str
    from_address: str
    to_addresses: list[str]
    subject: str
    date: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    html: str | None
    auto_submitted: bool
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[MailAttachment] = field(default_factory=list)

    @property
    def thread_root(self) -> str:
        """The first message of the mail thread: References' head, else what it answers, else itself."""
        if self.references:
            return self.references[0]
        if self.in_reply_to:
            return self.in_reply_to[0]
        return self.message_id


# Headers longer than this are parsed each time they are read, never kept.
_CACHED_HEADER_CHARS = 998


@lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str) -> BaseHeader:
    return policy.default.header_fetch_parse(name, value)  # type: ignore[no-any-return]


class _ReusedHeaders(EmailPolicy):
    """`policy.default`, except that a header read twice is parsed once. The standard library parses
    a header each time it is read, and reading a mail reads Content-Type about 25 times (every
    get_content_type of get_body, iter_attachments and ours): that was 80 % of parse_mail's time.
    A parsed header depends only on its name and raw value, and nothing here changes one, so the
    parsed objects are shared, across mails too (a relay's Content-Type lines repeat)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name") or len(value) > _CACHED_HEADER_CHARS:
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


_READING = _ReusedHeaders()


def html_to_text(markup: str) -> str:
    """Visible text of an HTML body (no tags survive; block ends become line breaks)."""
    marked = re.sub(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d)\s*/?>", "\n", markup)
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    text = html.unescape(stripped)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def _part_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _header(msg: EmailMessage, name: str, default: str = "") -> str:
    """A header as text, never raising: the structured parser chokes on hostile values such as
    `To: <`; then the raw value is used. Line breaks are folded, so the value is safe to reuse."""
    try:
        value = msg.get(name)
        text = default if value is None else str(value)
    except Exception:  # any parser defect: the raw value is the fallback
        text = next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), default)
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _headers(msg: EmailMessage, name: str) -> list[str]:
    try:
        return [str(v) for v in msg.get_all(name, [])]
    except Exception:  # see _header
        return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def _machine_mail(msg: EmailMessage, sender: str) -> bool:
    """Bounces and autoresponders that do not say Auto-Submitted (RFC 3834 §3.1.5 asks responders to
    skip them anyway): a null Return-Path, MAILER-DAEMON/postmaster, delivery reports, X-Autoreply."""
    local = sender.partition("@")[0].lower()
    return (
        _header(msg, "Return-Path").strip() == "<>"
        or local in ("mailer-daemon", "postmaster")
        or msg.get_content_type() == "multipart/report"
        or any(_header(msg, h) for h in ("X-Autoreply", "X-Autorespond"))
    )


def _attachments(msg: EmailMessage, bodies: tuple[object, ...]) -> list[MailAttachment]:
    """The files of a mail: every non-multipart part that is not one of the bodies shown as text
    (a delivery report's parts are not files). The declared type is kept only as a claim."""
    if msg.get_content_type() == "multipart/report":
        return []
    found: list[MailAttachment] = []
    try:
        parts = list(msg.iter_attachments()) if msg.is_multipart() else []
    except Exception:  # a malformed structure: the text still arrives
        return []
    stack: list[Any] = list(parts)
    n = 0
    while stack:
        part = stack.pop(0)
        if part.is_multipart():
            stack.extend(part.iter_parts())
            continue
        if any(part is b for b in bodies) or part.get_content_type() == "message/rfc822":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        n += 1
        try:
            name = part.get_filename() or ""
        except Exception:
            name = ""
        found.append(
            MailAttachment(filename=name or f"attachment-{n}", declared_type=part.get_content_type(), data=payload)
        )
    return found


def parse_mail(raw: bytes) -> Mail:
    msg = BytesParser(policy=_READING).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    html_body = _part_text(rich) if isinstance(rich, EmailMessage) else None
    if isinstance(plain, EmailMessage):
        text = _part_text(plain)
    elif html_body is not None:
        text = html_to_text(html_body)
    else:
        text = ""
    name, address = parseaddr(_header(msg, "From"))
    message_id = _header(msg, "Message-ID").strip()
    if not _MSGID.fullmatch(message_id):
        # No usable Message-ID: a stable one from the content, so a re-fetch is still recognised.
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@hourglass.missing-id>"
    date = None
    raw_date = _header(msg, "Date")
    if raw_date:
        try:
            date = parsedate_to_datetime(raw_date)
            date = date if date.tzinfo else date.replace(tzinfo=UTC)
        except (TypeError, ValueError):
            date = None
    auto = _header(msg, "Auto-Submitted", "no").strip().lower()
    precedence = _header(msg, "Precedence").strip().lower()
    return Mail(
        message_id=message_id,
        from_name=name.strip(),
        from_address=address.strip().lower(),
        to_addresses=[a.lower() for _, a in getaddresses(_headers(msg, "To")) if a],
        subject=_header(msg, "Subject").strip(),
        date=date.astimezone(UTC) if date else None,
        in_reply_to=_MSGID.findall(_header(msg, "In-Reply-To")),
        references=_MSGID.findall(_header(msg, "References")),
        text=text.replace("\r\n", "\n").strip(),
        html=html_body,
        auto_submitted=auto not in ("", "no") or precedence in _BULK_PRECEDENCE or _machine_mail(msg, address),
        headers={k: _header(msg, k) for k in ("Importance", "X-Priority", "Auto-Submitted") if k in msg},
        attachments=_attachments(msg, (plain, rich)),
    )
