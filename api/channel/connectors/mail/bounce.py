"""Reading bounces: which of our replies a mail says was not delivered, and why (pure: raw bytes in).

Three shapes, most reliable first:
- an RFC 3464 delivery status notification (`multipart/report; report-type=delivery-status`): the
  per-recipient `Action`, `Status` and `Diagnostic-Code` fields, and the returned message or its
  headers (`message/rfc822`, `text/rfc822-headers`, `message/rfc822-headers`) naming the original
  Message-ID;
- an older bounce from MAILER-DAEMON or postmaster in plain text, which quotes the original headers;
- the relay's own rejection notice (Amazon's and Walmart's shapes are not documented: the
  marketplaces say only that such mail is "rejected"): machine mail from the marketplace's domain
  whose subject says the message was not delivered, answering our reply by In-Reply-To/References.

The ids a bounce names are candidates: the caller matches them against the replies it sent (their
Message-IDs) and treats a bounce that names none of them as ordinary mail.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser

from api.channel.connectors.base import Bounce
from api.channel.connectors.mail.parse import Mail

_MSGID = re.compile(r"<[^<>\s]+>")
_QUOTED_ID = re.compile(r"(?im)^\s*>?\s*Message-ID:\s*(<[^<>\s]+>)")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY_CODE = re.compile(r"\b([45]\d\d)[ -]")
# Subjects of "your message was not delivered" mail, in the wording MTAs and marketplaces use.
_FAILURE_SUBJECT = re.compile(
    r"undeliver|not (?:be )?deliver|could not be delivered|delivery (?:status notification \(failure\)|failure|"
    r"has failed)|returned to sender|returned mail|failure notice|rejected|was not sent",
    re.IGNORECASE,
)
_REASON_LINE = re.compile(r"(?im)^\s*(?:reason|diagnostic[- ]code|error)\s*:\s*(.+)$")


def read_bounce(raw: bytes, mail: Mail, notice_domains: tuple[str, ...] = ()) -> Bounce | None:
    """The bounce `raw` carries, or None for mail that is not one."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    threaded = tuple(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    if msg.get_content_type() == "multipart/report":
        dsn = _delivery_status(msg)
        if dsn is not None:
            failed, reason, status = dsn
            original = _returned_message_id(msg)
            refers = tuple(dict.fromkeys([*([original] if original else []), *threaded]))
            human = reason or _first_paragraph(msg)
            return Bounce(mail.message_id, refers, failed, human, status, "dsn")
    local = mail.from_address.partition("@")[0]
    if local in ("mailer-daemon", "postmaster"):
        text = mail.text
        quoted = _QUOTED_ID.findall(text)
        refers = tuple(dict.fromkeys([*quoted, *threaded]))
        if not refers:
            return None
        status_match = _STATUS.search(text)
        return Bounce(
            mail.message_id,
            refers,
            True,
            _reason(text) or _first_paragraph(msg),
            status_match.group(0) if status_match else None,
            "mailer-daemon",
        )
    domain = mail.from_address.rpartition("@")[2]
    from_marketplace = any(domain == d or domain.endswith("." + d) for d in notice_domains)
    if from_marketplace and mail.auto_submitted and threaded and _FAILURE_SUBJECT.search(mail.subject):
        status_match = _STATUS.search(mail.text)
        return Bounce(
            mail.message_id,
            threaded,
            True,
            _reason(mail.text) or _first_paragraph(msg),
            status_match.group(0) if status_match else None,
            "relay-notice",
        )
    return None


def _delivery_status(msg: EmailMessage) -> tuple[bool, str, str | None] | None:
    """(failed, reason, status) from the message/delivery-status part; None when there is none."""
    if str(msg.get_param("report-type", "", header="content-type")).lower() != "delivery-status":
        return None
    part = next((p for p in msg.walk() if p.get_content_type() in ("message/delivery-status",)), None)
    if part is None:
        return None
    blocks = _status_blocks(part)
    recipients = blocks[1:] or blocks
    failed = [b for b in recipients if str(b.get("Action", "")).strip().lower() == "failed"]
    chosen = failed[0] if failed else (recipients[0] if recipients else None)
    if chosen is None:
        return False, "", None
    status = str(chosen.get("Status", "")).strip() or None
    diagnostic = " ".join(str(chosen.get("Diagnostic-Code", "")).split())
    # `smtp; 550 5.1.1 ...`: the type before the semicolon is for machines.
    reason = diagnostic.split(";", 1)[1].strip() if ";" in diagnostic else diagnostic
    recipient = str(chosen.get("Final-Recipient", "")).split(";")[-1].strip()
    if reason and recipient and recipient.lower() not in reason.lower():
        reason = f"{reason} (recipient {recipient})"
    return bool(failed), reason, status


def _status_blocks(part: Message) -> list[Message]:
    """The field groups of a message/delivery-status body: the per-message group, then one per recipient."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    groups = [g for g in re.split(r"\r?\n\s*\r?\n", text.strip()) if g.strip()]
    return [HeaderParser().parsestr(g + "\n\n") for g in groups]


def _returned_message_id(msg: EmailMessage) -> str | None:
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner_msg, Message):
                found = _MSGID.search(str(inner_msg.get("Message-ID", "")))
                if found:
                    return found.group(0)
        elif kind in ("text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(part.get_payload())
            headers = HeaderParser().parsestr(text, headersonly=True)
            found = _MSGID.search(str(headers.get("Message-ID", "")))
            if found:
                return found.group(0)
    return None


def _reason(text: str) -> str | None:
    found = _REASON_LINE.search(text)
    if found:
        return " ".join(found.group(1).split())[:500]
    code = _REPLY_CODE.search(text)
    if code:
        line = text[code.start() :].splitlines()[0]
        return " ".join(line.split())[:500]
    return None


def _first_paragraph(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    text = ""
    if isinstance(body, EmailMessage):
        try:
            text = str(body.get_content())
        except (LookupError, UnicodeDecodeError):
            text = ""
    paragraph = next((p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()), "")
    return " ".join(paragraph.split())[:500] or "the relay returned the reply"
