"""Relay mail as Amazon's and Walmart's buyer-seller messaging sends it, and parsing of seller replies.

Amazon (shapes from third-party parsers of real relay mail): the buyer writes from a stable
anonymised alias per seller, `"Alisa - Amazon Marketplace" <alias@marketplace.amazon.com>`; the
subject reads `<Topic> inquiry from Amazon customer <Name> (Order: 111-3958185-1645065)` (no order
for pre-sale questions); the body ends with the "no response needed" link and a
`[commMgrTok:...]` token.

Walmart (UNVERIFIED shapes): buyers write from `pc-<32 hex>@relay.walmart.com`; Walmart Customer
Care writes on the customer's behalf from a walmart.com care address; BBB and Attorney-General
complaints come from the escalations address, marked urgent (1-hour response).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses, parseaddr

AMAZON_RELAY_DOMAIN = "marketplace.amazon.com"
WALMART_RELAY_DOMAIN = "relay.walmart.com"
# SMTP line endings; headers folded at 200 rather than 78 so long Message-IDs stay on one line,
# as Amazon SES writes them (RFC 5322 allows up to 998).
MAIL_POLICY = policy.SMTP.clone(max_line_length=200)
WALMART_CARE_ADDRESS = "marketplacecare@walmart.com"
WALMART_ESCALATIONS_ADDRESS = "partnerescalations@walmart.com"
AMAZON_NO_RESPONSE_URL = "https://sellercentral.amazon.com/gp/communication-manager/no-response-needed.html"


def _message(
    *,
    sender: tuple[str, str],
    to: str,
    subject: str,
    date: datetime,
    message_id: str,
    in_reply_to: str | None,
    references: list[str],
    text: str,
    html_text: str | None,
    extra_headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = formataddr(sender)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    msg.set_content(text, charset="utf-8")
    if html_text is not None:
        msg.add_alternative(html_text, subtype="html", charset="utf-8")
    return msg.as_bytes()


def _html(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p)
    return f'<html><body style="font-family:Arial,sans-serif">{body}</body></html>'


def amazon_subject(topic: str, buyer_name: str, order_id: str | None) -> str:
    subject = f"{topic} inquiry from Amazon customer {buyer_name}"
    return f"{subject} (Order: {order_id})" if order_id else subject


def amazon_buyer_mail(
    *,
    alias: str,
    buyer_name: str,
    seller_address: str,
    subject: str,
    body: str,
    date: datetime,
    message_id: str,
    comm_token: str,
    order_id: str | None,
    item_title: str | None,
    asin: str | None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
) -> bytes:
    order_lines = []
    if order_id:
        order_lines.append(f"Order ID: {order_id}")
    if item_title:
        order_lines.append(f"Item: {item_title}" + (f"\nASIN: {asin}" if asin else ""))
    no_response = f"{AMAZON_NO_RESPONSE_URL}?msg={comm_token}&c={message_id.strip('<>').split('@')[0][-12:]}"
    paragraphs = [
        "------------- Begin message -------------",
        body,
        "------------- End message -------------",
        "\n".join(order_lines),
        "For Your Information: To help arrive at a resolution, you should respond to this message within "
        "24 hours, including weekends and holidays.",
        f"To mark this message as no response needed, click here: {no_response}",
        "Copyright Amazon, Inc. or its affiliates. All rights reserved. Amazon.com, 410 Terry Avenue N., "
        "Seattle, WA 98109-5210",
        f"[commMgrTok:{comm_token}]",
    ]
    text = "\n\n".join(p for p in paragraphs if p) + "\n"
    return _message(
        sender=(f"{buyer_name} - Amazon Marketplace", alias),
        to=seller_address,
        subject=subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references or [],
        text=text,
        html_text=_html(paragraphs),
    )


def walmart_buyer_mail(
    *,
    relay_address: str,
    buyer_name: str,
    seller_address: str,
    subject: str,
    body: str,
    date: datetime,
    message_id: str,
    order_id: str | None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
) -> bytes:
    footer = [
        f"Purchase Order #: {order_id}" if order_id else "This customer has not placed an order yet (pre-transaction).",
        "This message was sent to you through Walmart Marketplace. Reply to this email to respond to the "
        "customer. Responses must be in English and must not include marketing material or links to sites "
        "outside Walmart.",
    ]
    paragraphs = [body, "----", *footer]
    text = "\n\n".join(paragraphs) + "\n"
    return _message(
        sender=(buyer_name, relay_address),
        to=seller_address,
        subject=subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references or [],
        text=text,
        html_text=None,
    )


def walmart_care_mail(
    *,
    seller_address: str,
    subject: str,
    body: str,
    date: datetime,
    message_id: str,
    escalation: bool,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
) -> bytes:
    if escalation:
        sender = ("Walmart Marketplace Partner Escalations", WALMART_ESCALATIONS_ADDRESS)
        headers = {"Importance": "high", "X-Priority": "1 (Highest)"}
    else:
        sender = ("Walmart Customer Care", WALMART_CARE_ADDRESS)
        headers = {}
    return _message(
        sender=sender,
        to=seller_address,
        subject=subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references or [],
        text=body + "\n",
        html_text=None,
        extra_headers=headers,
    )


@dataclass
class ParsedMail:
    from_address: str
    to_addresses: list[str]
    subject: str
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    auto_submitted: bool = False
    headers: dict[str, str] = field(default_factory=dict)


_MSGID = re.compile(r"<[^<>\s]+>")


def parse_mail(raw: bytes) -> ParsedMail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    body_part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body_part is not None:
        text = body_part.get_content()
        if body_part.get_content_subtype() == "html":
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return ParsedMail(
        from_address=parseaddr(str(msg.get("From", "")))[1].lower(),
        to_addresses=[a.lower() for _, a in getaddresses([str(v) for v in msg.get_all("To", [])]) if a],
        subject=str(msg.get("Subject", "")),
        message_id=str(msg["Message-ID"]).strip() if msg.get("Message-ID") else None,
        in_reply_to=_MSGID.findall(str(msg.get("In-Reply-To", ""))),
        references=_MSGID.findall(str(msg.get("References", ""))),
        text=text.strip(),
        auto_submitted=str(msg.get("Auto-Submitted", "no")).lower() not in ("", "no"),
    )


# -- refusals that come back later ------------------------------------------------------------------


def delivery_status_notification(
    *,
    seller_address: str,
    recipient: str,
    remote_mta: str,
    status: str,
    diagnostic: str,
    original: bytes,
    date: datetime,
    message_id: str,
) -> bytes:
    """An RFC 3464 bounce as the seller's own mail provider writes it when the relay refuses the
    reply after accepting it for delivery (Postfix's wording): `multipart/report;
    report-type=delivery-status` with a human part, the machine-readable status and the original
    message's headers (RFC 6522 / RFC 3462)."""
    domain = seller_address.rpartition("@")[2] or "seller.example"
    boundary = f"=_bounce_{message_id.strip('<>').split('@')[0]}"
    header_end = original.find(b"\r\n\r\n")
    original_headers = (original if header_end < 0 else original[: header_end + 2]).decode("utf-8", errors="replace")
    human = (
        f"This is the mail system at host mail.{domain}.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients. It's attached below.\r\n\r\n"
        f"<{recipient}>: host {remote_mta} said: {diagnostic}\r\n"
    )
    status_fields = (
        f"Reporting-MTA: dns; mail.{domain}\r\n"
        f"Arrival-Date: {format_datetime(date)}\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        f"Status: {status}\r\n"
        f"Remote-MTA: dns; {remote_mta}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n"
    )
    text = (
        f'From: "Mail Delivery System" <MAILER-DAEMON@mail.{domain}>\r\n'
        f"To: {seller_address}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(date)}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        "This is a MIME-encapsulated message.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"{human}\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        f"{status_fields}\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"{original_headers}\r\n"
        f"--{boundary}--\r\n"
    )
    return text.encode("utf-8")


# The relays' own notices: Amazon and Walmart document only that such mail is "rejected", not the
# notice's shape (UNVERIFIED: sender, subject and wording are ours). What a consumer can rely on is
# what any such notice carries: machine mail from the marketplace, answering the refused reply.
AMAZON_NOTICE_SENDER = ("Amazon Seller Central", "donotreply@amazon.com")
WALMART_NOTICE_SENDER = ("Walmart Marketplace", "noreply@walmart.com")


def relay_rejection_notice(
    *,
    marketplace: str,
    seller_address: str,
    original_subject: str,
    original_id: str | None,
    references: list[str],
    reason: str,
    date: datetime,
    message_id: str,
) -> bytes:
    sender = AMAZON_NOTICE_SENDER if marketplace == "amazon" else WALMART_NOTICE_SENDER
    name = "Amazon" if marketplace == "amazon" else "Walmart"
    body = (
        f"Your message to a {name} customer was not delivered.\n\n"
        f"Reason: {reason}\n\n"
        f"Subject of your message: {original_subject}\n\n"
        "Edit the message and send it again from the registered address, on the same thread.\n"
    )
    chain = [*references, *([original_id] if original_id else [])]
    return _message(
        sender=sender,
        to=seller_address,
        subject=f"Message not delivered: {original_subject}"[:900],
        date=date,
        message_id=message_id,
        in_reply_to=original_id,
        references=chain[-20:],
        text=body,
        html_text=None,
        extra_headers={"Auto-Submitted": "auto-replied"},
    )
