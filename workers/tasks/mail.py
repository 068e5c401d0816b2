"""Sends the system's own mail (escalation emails, scheduled reports) over SMTP."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.kit.time import utc_now
from api.models import OutboundEmail, OutboundEmailAttachment

log = logging.getLogger(__name__)


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


async def send_pending(session: AsyncSession, settings: Settings, limit: int = 50) -> int:
    """Claim unsent mail (SKIP LOCKED) and send it. A crash between sending and committing can send
    one mail twice; Message-ID lets mail clients fold such a duplicate."""
    if not settings.smtp_host:
        return 0
    rows = list(
        (
            await session.execute(
                select(OutboundEmail)
                .where(OutboundEmail.sent_at.is_(None), OutboundEmail.attempts < 10)
                .order_by(OutboundEmail.created_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    files: dict[Any, list[OutboundEmailAttachment]] = {}
    if rows:
        attached = await session.execute(
            select(OutboundEmailAttachment)
            .where(OutboundEmailAttachment.email_id.in_([m.id for m in rows]))
            .order_by(OutboundEmailAttachment.filename)
        )
        for file in attached.scalars():
            files.setdefault(file.email_id, []).append(file)
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
