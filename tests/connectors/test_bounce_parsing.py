"""Reading bounces from raw mail (pure): RFC 3464 reports, older MAILER-DAEMON text, the relays'
rejection notices, and mail that only looks like one."""

from __future__ import annotations

from datetime import UTC, datetime

from api.channel.connectors.mail.bounce import read_bounce
from api.channel.connectors.mail.parse import parse_mail
from sandbox.mail.formats import delivery_status_notification, relay_rejection_notice

OURS = "<0f3a9c1e-7d2b-4c55-9f0e-1a2b3c4d5e6f@shop.example>"
WHEN = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
ORIGINAL = (
    "From: shop@shop.example\r\nTo: pc-1@relay.walmart.com\r\nSubject: Re: Where is it?\r\n"
    f"Message-ID: {OURS}\r\nIn-Reply-To: <buyer-1@relay.walmart.com>\r\n\r\nTrack at https://ups.com\r\n"
).encode()


def _read(raw: bytes, domains: tuple[str, ...] = ("walmart.com",)):  # type: ignore[no-untyped-def]
    return read_bounce(raw, parse_mail(raw), domains)


def test_rfc3464_report_names_the_returned_message_and_the_diagnostic():
    raw = delivery_status_notification(
        seller_address="shop@shop.example",
        recipient="pc-1@relay.walmart.com",
        remote_mta="inbound-smtp.relay.walmart.com",
        status="5.7.1",
        diagnostic="550 5.7.1 Message rejected: links to sites outside Walmart are not allowed (ups.com)",
        original=ORIGINAL,
        date=WHEN,
        message_id="<bounce-1@shop.example>",
    )
    bounce = _read(raw)
    assert bounce is not None and bounce.failed and bounce.source == "dsn"
    assert bounce.refers_to[0] == OURS and bounce.bounce_id == "<bounce-1@shop.example>"
    assert bounce.status == "5.7.1"
    assert bounce.reason.startswith("550 5.7.1 Message rejected: links to sites outside Walmart")
    assert "pc-1@relay.walmart.com" in bounce.reason


def test_a_delayed_report_is_not_a_failure():
    raw = delivery_status_notification(
        seller_address="shop@shop.example",
        recipient="pc-1@relay.walmart.com",
        remote_mta="mx.example",
        status="4.4.1",
        diagnostic="451 4.4.1 try later",
        original=ORIGINAL,
        date=WHEN,
        message_id="<delay-1@shop.example>",
    ).replace(b"Action: failed", b"Action: delayed")
    bounce = _read(raw)
    assert bounce is not None and bounce.failed is False and bounce.refers_to[0] == OURS


def test_report_with_the_whole_message_attached_and_no_headers_part():
    boundary = "b1"
    raw = (
        "From: MAILER-DAEMON@mx.example\r\nTo: shop@shop.example\r\n"
        "Subject: Delivery Status Notification (Failure)\r\n"
        "Message-ID: <dsn-2@mx.example>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type="delivery-status"; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nDelivery to the following recipient failed.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        "Final-Recipient: rfc822; x@amazon.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n" + ORIGINAL.decode() + f"\r\n--{boundary}--\r\n"
    ).encode()
    bounce = _read(raw)
    assert bounce is not None and bounce.failed and bounce.refers_to[0] == OURS and bounce.status == "5.1.1"
    assert bounce.reason == "Delivery to the following recipient failed."  # no Diagnostic-Code: the human part


def test_old_style_mailer_daemon_text_quotes_the_original_headers():
    raw = (
        "From: MAILER-DAEMON@mx.example\r\nTo: shop@shop.example\r\nSubject: failure notice\r\n"
        "Message-ID: <qmail-1@mx.example>\r\n\r\nHi. This is the qmail-send program.\r\n\r\n"
        "<pc-1@relay.walmart.com>:\r\n550 5.1.1 unknown user\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n\r\n" + ORIGINAL.decode()
    ).encode()
    bounce = _read(raw)
    # The quoted Message-ID only: the In-Reply-To inside the copy is the buyer's, not ours.
    assert bounce is not None and bounce.source == "mailer-daemon" and bounce.refers_to == (OURS,)
    assert bounce.status == "5.1.1" and bounce.reason == "550 5.1.1 unknown user"


def test_relay_notice_is_read_only_from_the_marketplace_and_only_when_it_says_not_delivered():
    raw = relay_rejection_notice(
        marketplace="walmart",
        seller_address="shop@shop.example",
        original_subject="Re: Where is it?",
        original_id=OURS,
        references=["<buyer-1@relay.walmart.com>"],
        reason="5.7.1 Message rejected: links to sites outside Walmart are not allowed (ups.com)",
        date=WHEN,
        message_id="<notice-1@walmart.example>",
    )
    bounce = _read(raw)
    assert bounce is not None and bounce.source == "relay-notice" and bounce.refers_to[0] == OURS
    assert bounce.reason.startswith("5.7.1 Message rejected") and bounce.status == "5.7.1"
    assert _read(raw, domains=("amazon.com",)) is None  # not this connector's marketplace
    # The same shape from a buyer's own mail program is a buyer's message, not a bounce.
    buyer = raw.replace(b"noreply@walmart.com", b"someone@gmail.example")
    assert _read(buyer) is None
    # Machine mail from the marketplace that is not about a failed delivery either.
    notice = raw.replace(b"Message not delivered:", b"Your weekly report:")
    assert _read(notice) is None
