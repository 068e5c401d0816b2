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
