"""The mail-relay connector: IMAP polling with a UID cursor, SMTP replies on the same thread.

Cursor: {"uidvalidity", "last_uid"}. IMAP UIDs only grow within one UIDVALIDITY, so a UID cursor
misses nothing; if the mailbox is recreated the connector re-reads by date and the Message-ID (the
external id) keeps ingestion idempotent.

Replies: From the seller's registered address, To the relay alias (or care address) the buyer
wrote from, `In-Reply-To`/`References` so the relay files them on the buyer's thread, and a
Message-ID derived from our message id, so a retry after an ambiguous failure carries the same id
(mail is at-least-once: a relay cannot be asked whether it got a mail; the shared Message-ID lets
mail clients fold a rare duplicate). Our auto-replies carry `Auto-Submitted: auto-replied`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from api.channel.connectors.base import (
    Bounce,
    Connector,
    ConnectorError,
    FetchResult,
    Permanent,
    ReplyTarget,
    SentReply,
)
from api.channel.connectors.mail.bounce import read_bounce
from api.channel.connectors.mail.parse import Mail, parse_mail
from api.channel.connectors.mail.transport import (
    imap_append,
    imap_check,
    imap_endpoint,
    imap_fetch,
    imap_mark_seen,
    smtp_endpoint,
    smtp_send,
)
from api.message.inbound import InboundMessage

log = logging.getLogger(__name__)


def unreadable(uidvalidity: int, uid: int, raw: bytes, exc: Exception) -> InboundMessage:
    """A mail our parser could not read, kept visible instead of lost or blocking the cursor: the
    agent sees the start of its source (as plain text, never rendered) and answers in the back office."""
    source = raw[:4000].decode("utf-8", errors="replace")
    return InboundMessage(
        external_message_id=f"<unreadable-{uidvalidity}-{uid}@hourglass.invalid>",
        buyer_external_id="unreadable-mail",
        buyer_name="Unreadable email",
        subject="(an email Hourglass could not read)",
        body=f"This email could not be read ({type(exc).__name__}). Its source begins:\n\n{source}",
        sent_at=datetime.now(UTC),
        labels=("unreadable",),
        metadata={"imap_uid": uid, "uidvalidity": uidvalidity},
    )


class MailConnector(Connector):
    required_credentials = ("imap_username", "imap_password")
    required_settings = ("imap_host", "smtp_host")
    host_settings = ("imap_host", "smtp_host")
    poll_interval = 5.0
    confirms_delivery_later = True
    # Domains whose machine mail about an undelivered reply is the relay's own rejection notice.
    notice_domains: tuple[str, ...] = ()

    def endpoint(self, kind: str) -> tuple[str, int]:
        if kind == "imap":
            return imap_endpoint(self.settings)
        if kind == "smtp":
            return smtp_endpoint(self.settings)
        return super().endpoint(kind)

    @classmethod
    def validate(cls, settings: Mapping[str, Any], credentials: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = super().validate(settings, credentials)
        if not settings.get("seller_email"):
            problems.append(("settings.seller_email", "required: the address replies are sent from"))
        if settings.get("smtp_security", "starttls") not in ("ssl", "starttls", "none"):
            problems.append(("settings.smtp_security", "must be ssl, starttls or none"))
        if settings.get("imap_security", "ssl") not in ("ssl", "starttls", "none"):
            problems.append(("settings.imap_security", "must be ssl, starttls or none"))
        window = settings.get("bounce_window_seconds")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int | float) or window < 0):
            problems.append(("settings.bounce_window_seconds", "must be a number of seconds, 0 or more"))
        return problems

    @property
    def seller_email(self) -> str:
        return str(self.settings.get("seller_email") or "")

    def to_inbound(self, mail: Mail) -> InboundMessage | None:
        """The marketplace's reading of one relay mail; None for mail that is not for the inbox."""
        raise NotImplementedError

    async def check_credentials(self) -> dict[str, Any]:
        address = await self.destination("imap")
        info = await asyncio.to_thread(
            imap_check, self.settings, self.credentials, self.timeout, address, self.outbound.tls_context()
        )
        return {"account": self.seller_email, **info}

    async def fetch(self, cursor: Mapping[str, Any]) -> FetchResult:
        backfill = timedelta(hours=float(self.settings.get("backfill_hours", 72)))
        raw_validity = cursor.get("uidvalidity")
        address = await self.destination("imap")
        batch = await asyncio.to_thread(
            imap_fetch,
            self.settings,
            self.credentials,
            self.timeout,
            address,
            int(raw_validity) if raw_validity is not None else None,
            int(cursor.get("last_uid") or 0),
            datetime.now(UTC) - backfill,
            int(self.settings.get("page_budget", 200)),
            self.outbound.tls_context(),
        )
        messages = []
        bounces: list[Bounce] = []
        for uid, raw in batch.mails:
            try:
                mail = parse_mail(raw)
                if mail.from_address == self.seller_email.lower():
                    continue  # a copy of our own mail
                bounce = read_bounce(raw, mail, self.notice_domains) if mail.auto_submitted else None
                inbound = self.to_inbound(mail)
            except Exception as exc:  # one hostile mail must not stall the mailbox
                log.warning("channel mail uid %s unreadable (%s); kept as a placeholder", uid, type(exc).__name__)
                bounce, inbound = None, unreadable(batch.uidvalidity, uid, raw, exc)
            if bounce is not None:
                # Ingested as mail only if it names none of our replies (decided against the database).
                bounces.append(replace(bounce, fallback=inbound))
            elif inbound is not None:
                messages.append(inbound)
        return FetchResult(
            messages,
            {"uidvalidity": batch.uidvalidity, "last_uid": batch.last_uid},
            more=batch.more,
            bounces=bounces,
        )

    def compose(self, target: ReplyTarget, text: str) -> EmailMessage:
        to = str(target.last_inbound_meta.get("reply_to") or target.buyer_email or "")
        if "@" not in to:
            raise Permanent("no relay address to reply to")
        msg = EmailMessage()
        msg["From"] = formataddr((str(self.settings.get("sender_name") or ""), self.seller_email))
        msg["To"] = to
        # A decoded subject may carry line breaks, which no header may contain.
        subject = " ".join((target.subject or "Your message").split())
        msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        msg["Date"] = format_datetime(datetime.now(UTC))
        domain = self.seller_email.rpartition("@")[2] or "hourglass.local"
        msg["Message-ID"] = f"<{target.message_id}@{domain}>"
        parent = target.last_inbound_external_id
        if parent and parent.startswith("<"):
            msg["In-Reply-To"] = parent
        references = [r for r in target.references if r.startswith("<")][-20:]
        if references:
            msg["References"] = " ".join(references)
        if target.author_kind == "auto":
            msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: relays and buyers see it is automatic
        msg.set_content(text)
        for f in target.attachments:
            maintype, _, subtype = f.content_type.partition("/")
            msg.add_attachment(
                f.data, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=f.filename
            )
        return msg

    async def send_reply(self, target: ReplyTarget, text: str) -> SentReply:
        message = self.compose(target, text)
        address = await self.destination("smtp")
        await asyncio.to_thread(
            smtp_send, self.settings, self.credentials, self.timeout, address, message, self.outbound.tls_context()
        )
        sent_mailbox = str(self.settings.get("sent_mailbox") or "")
        if sent_mailbox:
            # A copy in the mailbox's Sent folder, as a mail client keeps one; the reply is already
            # on its way, so failing to file the copy must not fail (and resend) the reply.
            try:
                imap_address = await self.destination("imap")
                await asyncio.to_thread(
                    imap_append,
                    self.settings,
                    self.credentials,
                    self.timeout,
                    imap_address,
                    sent_mailbox,
                    message,
                    self.outbound.tls_context(),
                )
            except ConnectorError as exc:
                log.warning("sent copy not saved to %s: %s", sent_mailbox, exc.describe())
        # A 250 is the relay taking the mail, not delivering it: a refusal may still come back as a bounce.
        return SentReply(external_id=str(message["Message-ID"]), sent_at=datetime.now(UTC), awaiting_confirmation=True)

    async def mark_read(self, target: ReplyTarget) -> None:
        if target.last_inbound_external_id:
            address = await self.destination("imap")
            await asyncio.to_thread(
                imap_mark_seen,
                self.settings,
                self.credentials,
                self.timeout,
                address,
                target.last_inbound_external_id,
                self.outbound.tls_context(),
            )


def base_inbound(mail: Mail, **fields: Any) -> InboundMessage:
    """Fields every relay mail shares; marketplace modules override what they know better."""
    system = mail.auto_submitted
    values: dict[str, Any] = {
        "external_message_id": mail.message_id,
        "external_thread_id": mail.thread_root,
        "buyer_external_id": mail.from_address,
        "buyer_name": mail.from_name or None,
        "buyer_email": mail.from_address,
        "subject": mail.subject[:1024],
        "body": mail.text,
        "body_html": mail.html,
        "sent_at": mail.date or datetime.now(UTC),
        "author_kind": "system" if system else "buyer",
        "auto_submitted": system,
        "metadata": {"reply_to": mail.from_address},
        # MIME parts: stored as attachments at ingest (api/attachment/service.py), never in the row.
        "attachments": [{"name": a.filename, "type": a.declared_type, "content": a.data} for a in mail.attachments],
    }
    values.update(fields)
    return InboundMessage(**values)
