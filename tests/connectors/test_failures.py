"""The failed-reply explanations: each connector's stored error text -> reason and action."""

from __future__ import annotations

import pytest

from api.channel.connectors.base import AuthError, Permanent, RateLimited, Transient
from api.channel.connectors.mail.transport import _smtp_error
from api.channel.failures import Explanation, explain


@pytest.mark.parametrize(
    ("error", "reason", "action", "retry_helps"),
    [
        # eBay errorIds, in the text describe() stores
        (
            "400 355007: Invalid or unrecognized conversation_id value.",
            "conversation_unknown",
            "answer_on_marketplace",
            False,
        ),
        ("400 355013: The messageText string exceeds the maximum", "text_too_long", "shorten_and_resend", False),
        ("400 355015: Please pass message text", "empty_message", "write_text_and_resend", False),
        ("400 355014: Invalid mediaUrl.", "attachment_refused", "remove_attachments_and_resend", False),
        ("403 1100: Access denied", "missing_permission", "reconnect_store", False),
        ("FROM_EBAY: eBay system messages (FROM_EBAY) cannot be answered", "not_answerable", "no_reply_needed", False),
        # TikTok business codes
        ("200 45109001: conversation is closed", "conversation_closed", "answer_on_marketplace", False),
        ("429 36009002: too many requests", "rate_limited", "retry_later", True),
        ("200 45101004: daily quota exceeded", "daily_quota", "retry_later", True),
        ("200 105001: access token expired", "store_disconnected", "reconnect_store", False),
        ("500 36009003: internal error", "marketplace_unavailable", "retry_now", True),
        # Shopee
        ("403 error_auth: invalid partner", "store_disconnected", "reconnect_store", False),
        ("200 error_param: to_id is invalid", "content_refused", "edit_and_resend", False),
        ("500 error_busy: system busy", "marketplace_unavailable", "retry_now", True),
        # SMTP refusals (the mail connector: Amazon's and Walmart's relays)
        (
            "550 smtp: 550 5.1.1 <x@marketplace.amazon.com>: Recipient address rejected",
            "recipient_unknown",
            "check_buyer_address",
            False,
        ),
        ("554 smtp: 554 5.7.1 Message rejected: contains external links", "mail_policy", "edit_and_resend", False),
        (
            "535 smtp: SMTP login refused: 535 5.7.8 Authentication failed",
            "mail_login_refused",
            "ask_admin_channel",
            False,
        ),
        ("451 smtp: 451 4.3.0 try again later", "mail_refused", "retry_later", True),
        (
            "smtp: SMTP failed: SMTPServerDisconnected: Connection unexpectedly closed",
            "unreachable",
            "retry_later",
            True,
        ),
        # Bounces and relay notices
        (
            "Bounced: 550 5.1.1 user unknown (recipient a@marketplace.walmart.com)",
            "recipient_unknown",
            "check_buyer_address",
            False,
        ),
        ("Bounced: 552 5.2.2 mailbox full", "mailbox_full", "retry_later", True),
        (
            "Bounced: Your message was rejected because it contains an email address",
            "mail_policy",
            "edit_and_resend",
            False,
        ),
        ("Bounced: delivery failed", "mail_refused", "read_detail", False),
        # Transport, outbound policy, plain HTTP
        ("timeout: sendMessage took longer than 30 s", "timed_out", "retry_now", True),
        ("network: cannot reach api.ebay.com: ConnectError", "unreachable", "retry_later", True),
        ("refused: refused to connect: 10.0.0.1 is private", "destination_refused", "ask_admin_channel", False),
        ("401: unauthorized", "store_disconnected", "reconnect_store", False),
        ("503: Service Unavailable", "marketplace_unavailable", "retry_now", True),
        # Reported by an ERP in its own words
        ("Marketplace rejected the message: thread closed", "conversation_closed", "answer_on_marketplace", False),
        ("something odd happened", "unknown", "read_detail", True),
    ],
)
def test_explains_each_connectors_failure(error: str, reason: str, action: str, retry_helps: bool) -> None:
    assert explain(error) == Explanation(reason, action, retry_helps)  # type: ignore[arg-type]


def test_no_error_no_explanation() -> None:
    assert explain(None) is None
    assert explain("   ") is None


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (
            Permanent("Invalid or unrecognized conversation_id value.", status=400, code="355007"),
            "conversation_unknown",
        ),
        (RateLimited("slow down", status=429, code="36009002"), "rate_limited"),
        (AuthError("bad token", status=401, code="error_auth"), "store_disconnected"),
        (Transient("took longer than 30 s", status="timeout"), "timed_out"),
        (_smtp_error(550, b"5.1.1 no such user"), "recipient_unknown"),
        (_smtp_error(421, b"4.7.0 try later"), "mail_refused"),
    ],
)
def test_reads_what_the_connectors_store(exc: Exception, reason: str) -> None:
    """The round trip: the exact text delivery stores (`describe()`) is what gets explained."""
    assert isinstance(exc, Permanent | Transient)
    explained = explain(exc.describe())
    assert explained is not None and explained.reason == reason
