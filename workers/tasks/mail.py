"""Sends the system's own mail (escalation emails, scheduled reports) over SMTP."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from api.config import Settings
from api.db import Session
from api.kit.time import utc_now
from api.models import OutboundEmail, OutboundEmailAttachment
from api.reports import schedule_repository

log = logging.getLogger(__name__)

# A mail that failed this many times (a refused address, a message the relay rejects) is left unsent.
MAX_ATTEMPTS = 10


def _send(settings: Settings, mail: OutboundEmail, files: list[OutboundEmailAttachment]) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: never answer this automatically
    msg["Message-ID"] = f"<{mail.id}@hourglass>"
    msg.set_content(mail.body)
    if mail.html_body:
        msg.add_alternative(mail.html_body, subtype="html")
    for file in files:
        maintype, _, subtype = file.media_type.partition("/")
        msg.add_attachment(file.content, maintype=maintype, subtype=subtype or "octet-stream", filename=file.filename)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(msg)


async def send_pending(session: Session, settings: Settings, limit: int = 50) -> int:
    """Claim unsent mail (SKIP LOCKED) and send it. A crash between sending and committing can send
    one mail twice; Message-ID lets mail clients fold such a duplicate."""
    if not settings.smtp_host:
        return 0
    rows = await schedule_repository.claim_unsent_mail(session, MAX_ATTEMPTS, limit)
    files = await schedule_repository.mail_attachments(session, [m.id for m in rows])
    sent = 0
    for mail in rows:
        mail.attempts += 1
        try:
            await asyncio.to_thread(_send, settings, mail, files.get(mail.id, []))
        except (OSError, smtplib.SMTPException) as exc:
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("mail to %s failed: %s", mail.to_address, mail.last_error)
            continue
        mail.sent_at = utc_now()
        sent += 1
    return sent


async def send_mail_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessionmaker"].begin() as session:
        return await send_pending(session, ctx["settings"])
