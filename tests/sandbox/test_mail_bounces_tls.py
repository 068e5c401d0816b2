"""The relays' later refusals and mail over TLS, seen only through Python's own imaplib, smtplib
and email: a refused reply is accepted (250) and an RFC 3464 report reaches the seller's INBOX a
moment later; in TLS mode IMAP speaks implicit TLS and STARTTLS (LOGIN disabled before it) and SMTP
requires STARTTLS before AUTH, all verified against the sandbox's generated CA."""

from __future__ import annotations

import asyncio
import imaplib
import smtplib
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from tests.sandbox.helpers import running

pytestmark = pytest.mark.asyncio


def _reply(sender: str, to: str, body: str, in_reply_to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Re: your parcel"
    msg["Message-ID"] = "<reply-1@brightnest.example>"
    msg["In-Reply-To"] = msg["References"] = in_reply_to
    msg.set_content(body)
    return msg


async def test_a_refused_reply_is_accepted_then_bounced_into_the_inbox_as_rfc3464():
    async with running(mail_bounce_delay_seconds=0.2) as sb:
        creds = sb.store("walmart").credentials
        thread, message = sb.inject("walmart", "Where is my parcel?")
        relay = sb.state.buyer(thread.buyer_id).address
        reply = _reply(creds["seller_email"], relay, "Track it: https://www.ups.com/track?n=1", message.mail_message_id)

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", sb.smtp_port) as smtp:
                smtp.login(creds["smtp_username"], creds["smtp_password"])
                smtp.send_message(reply)  # no exception: 250

        await asyncio.to_thread(send)
        assert not sb.state.truth.seller_replies
        await asyncio.sleep(0.5)

        def newest() -> bytes:
            client = imaplib.IMAP4("127.0.0.1", sb.imap_port)
            client.login(creds["imap_username"], creds["imap_password"])
            client.select("INBOX", readonly=True)
            _, data = client.fetch("*", "(BODY.PEEK[])")
            client.logout()
            return next(part[1] for part in data if isinstance(part, tuple))

        dsn = message_from_bytes(await asyncio.to_thread(newest), policy=policy.default)
        assert dsn.get_content_type() == "multipart/report"
        assert dsn.get_param("report-type") == "delivery-status"
        human, status, headers = dsn.iter_parts()
        assert "could not" in human.get_content()
        assert status.get_content_type() == "message/delivery-status"
        per_recipient = status.get_payload()[1]
        assert per_recipient["Action"] == "failed" and per_recipient["Status"] == "5.7.1"
        assert "links to sites outside Walmart" in per_recipient["Diagnostic-Code"]
        assert per_recipient["Final-Recipient"] == f"rfc822; {relay}"
        assert headers.get_content_type() == "text/rfc822-headers"
        assert "Message-ID: <reply-1@brightnest.example>" in headers.get_payload()


async def test_tls_mode_with_stdlib_clients_verifying_the_generated_ca():
    async with running(mail_tls=True, imaps_port=0) as sb:
        creds = sb.store("amazon").credentials
        sb.inject("amazon", "Is it waterproof?")
        assert sb.mail_ca_pem is not None
        trusted = ssl.create_default_context(cadata=sb.mail_ca_pem)

        def exercise() -> list[str]:
            seen = []
            implicit = imaplib.IMAP4_SSL("127.0.0.1", sb.imaps_port, ssl_context=trusted)
            implicit.login(creds["imap_username"], creds["imap_password"])
            seen.append(implicit.select("INBOX")[1][0].decode())
            implicit.logout()
            plain = imaplib.IMAP4("127.0.0.1", sb.imap_port)
            assert "LOGINDISABLED" in plain.capabilities and "STARTTLS" in plain.capabilities
            with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
                plain.login(creds["imap_username"], creds["imap_password"])
            plain.starttls(trusted)
            assert "LOGINDISABLED" not in plain.capabilities
            plain.login(creds["imap_username"], creds["imap_password"])
            seen.append(plain.select("INBOX")[1][0].decode())
            plain.logout()
            with smtplib.SMTP("127.0.0.1", sb.smtp_port) as smtp:
                smtp.ehlo()
                assert smtp.has_extn("starttls")
                with pytest.raises(smtplib.SMTPException):
                    smtp.login(creds["smtp_username"], creds["smtp_password"])  # AUTH only after STARTTLS
            with smtplib.SMTP("127.0.0.1", sb.smtp_port) as smtp:
                smtp.starttls(context=trusted)
                smtp.login(creds["smtp_username"], creds["smtp_password"])
            # Not trusting the CA: the handshake fails (there is no unverified fallback).
            with pytest.raises(ssl.SSLCertVerificationError):
                imaplib.IMAP4_SSL("127.0.0.1", sb.imaps_port, ssl_context=ssl.create_default_context())
            return seen

        assert await asyncio.to_thread(exercise) == ["1", "1"]
