"""The relays' two directions: a buyer's message becomes mail in the seller's mailbox; a seller's mail
becomes a reply on the buyer's thread.

Replies are matched to a thread by In-Reply-To, then References, then the relay address the mail is
sent to (the buyer's latest thread with this seller), then, for Walmart Customer Care, the care
address (the store's latest care thread).

Refusals (an unknown relay alias, a sender Amazon has not registered, a link Walmart prohibits, a
reply that belongs to no conversation) happen one of three ways (`SandboxConfig.mail_refusals`):
`dsn` (the default, as in production: the mail is accepted with 250 and, a few seconds later, the
seller's provider returns an RFC 3464 bounce to the seller's mailbox), `notice` (accepted, then the
relay's own rejection notice arrives), or `session` (550 during the SMTP session).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.delivery import record_seller_message
from sandbox.mail.formats import (
    AMAZON_RELAY_DOMAIN,
    WALMART_CARE_ADDRESS,
    WALMART_ESCALATIONS_ADDRESS,
    WALMART_RELAY_DOMAIN,
    ParsedMail,
    amazon_buyer_mail,
    delivery_status_notification,
    parse_mail,
    relay_rejection_notice,
    walmart_buyer_mail,
    walmart_care_mail,
)
from sandbox.media import mime_files, url_for, with_attachments
from sandbox.models import Message, Store, Thread
from sandbox.state import SandboxState

CARE_CATEGORIES = {"walmart_customer_care"}
ESCALATION_CATEGORIES = {"bbb_complaint", "attorney_general_complaint"}


def _mail_id(state: SandboxState, store: Store) -> str:
    if store.marketplace == "amazon":
        h = state.ids.hex(40)
        return f"<0100{h[:12]}-{h[12:20]}-{h[20:24]}-{h[24:28]}-{h[28:40]}-000000@email.amazonses.com>"
    return f"<{state.ids.hex(24)}.{state.ids.digits(10)}@{WALMART_RELAY_DOMAIN}>"


def deliver_mail(state: SandboxState, store: Store, thread: Thread, message: Message) -> None:
    """Write the buyer's (or Walmart's) message into the store's mailbox in the relay's format."""
    buyer = state.buyer(thread.buyer_id)
    earlier = [m.mail_message_id for m in thread.messages if m.mail_message_id and m.id != message.id]
    in_reply_to = earlier[-1] if earlier else None
    mail_id = _mail_id(state, store)
    seller_address = store.credentials["seller_email"]
    subject = thread.subject if not earlier or store.marketplace == "amazon" else f"Re: {thread.subject}"
    if store.marketplace == "amazon":
        order = state.catalog.order(store, thread.order_id) if thread.order_id else None
        listing = None
        if thread.listing_id:
            listing = state.catalog.listing(store, thread.listing_id)
        elif order:
            listing = state.catalog.listing(store, order.items[0].listing_id)
        raw = amazon_buyer_mail(
            alias=buyer.address or "",
            buyer_name=buyer.name,
            seller_address=seller_address,
            subject=subject,
            body=message.body,
            date=message.created_at,
            message_id=mail_id,
            comm_token=thread.comm_token or "",
            order_id=thread.order_id,
            item_title=listing.title if listing else None,
            asin=listing.listing_id if listing else None,
            in_reply_to=in_reply_to,
            references=earlier,
        )
    elif thread.category in CARE_CATEGORIES | ESCALATION_CATEGORIES:
        raw = walmart_care_mail(
            seller_address=seller_address,
            subject=subject,
            body=message.body,
            date=message.created_at,
            message_id=mail_id,
            escalation=thread.category in ESCALATION_CATEGORIES,
            in_reply_to=in_reply_to,
            references=earlier,
        )
    else:
        raw = walmart_buyer_mail(
            relay_address=buyer.address or "",
            buyer_name=buyer.full_name,
            seller_address=seller_address,
            subject=subject,
            body=message.body,
            date=message.created_at,
            message_id=mail_id,
            order_id=thread.order_id,
            in_reply_to=in_reply_to,
            references=earlier,
        )
    if message.media:
        # The buyer's files travel as MIME parts of the relay mail (Amazon: up to 10 MB a message).
        files = [(str(m["mediaName"]), *(state.media.get(str(m["mediaName"])) or (b"", ""))) for m in message.media]
        raw = with_attachments(raw, files)
    message.mail_message_id = mail_id
    state.index_mail(mail_id, thread.id)
    state.mail.append(store.credentials["imap_username"], raw, internal_date=message.created_at)


@dataclass(frozen=True)
class Refusal:
    """Why the relay will not deliver a reply: an SMTP reply code, enhanced status and text."""

    code: int
    status: str
    text: str
    recipient: str

    @property
    def diagnostic(self) -> str:
        return f"{self.code} {self.status} {self.text}"


@dataclass
class ReplyOutcome:
    code: int
    text: str
    # Accepted now, refused later: the bounce to deliver to the seller's mailbox after a delay.
    bounce: bytes | None = None


# Walmart: "Marketing and links to sites outside Walmart are prohibited" (reference §2).
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)([a-z0-9.-]+)")


def prohibited_link(store: Store, text: str) -> str | None:
    if store.marketplace != "walmart":
        return None  # Amazon allows links needed to complete the order (its SP-API text rules)
    for match in _LINK.finditer(text):
        host = match.group(1).lower().rstrip(".")
        if not (host == "walmart.com" or host.endswith(".walmart.com")):
            return host
    return None


def accepts_recipient(state: SandboxState, store: Store, address: str) -> bool:
    address = address.lower()
    if store.marketplace == "walmart" and address in (WALMART_CARE_ADDRESS, WALMART_ESCALATIONS_ADDRESS):
        return True
    domain = AMAZON_RELAY_DOMAIN if store.marketplace == "amazon" else WALMART_RELAY_DOMAIN
    if not address.endswith("@" + domain):
        return False
    buyer = state.buyer_by_address(address)
    return buyer is not None and buyer.store_id == store.id


def receive_reply(
    state: SandboxState,
    store: Store,
    *,
    login: str,
    mail_from: str,
    recipients: list[str],
    raw: bytes,
) -> ReplyOutcome:
    """Check and record a seller's reply; the outcome is the SMTP answer to give (and, when the
    refusal comes later, the bounce to deliver)."""
    parsed = parse_mail(raw)
    mode = state.config.mail_refusals
    refusal = _refusal(state, store, parsed, mail_from, recipients)
    if refusal is not None and mode == "session":
        state.reject(store.marketplace, store.id, "smtp", "reply", refusal.code, refusal.status, refusal.text)
        return ReplyOutcome(refusal.code, f"{refusal.status} {refusal.text}")
    if state.faults.smtp_tempfail(store.marketplace, store.id):
        state.reject(store.marketplace, store.id, "smtp", "reply", 451, "4.3.0", "temporary failure", injected=True)
        return ReplyOutcome(451, "4.3.0 Temporary failure, please try again later")
    if refusal is not None:
        state.reject(store.marketplace, store.id, "smtp", f"reply.{mode}", refusal.code, refusal.status, refusal.text)
        return ReplyOutcome(250, "2.0.0 OK: queued", bounce=_bounce(state, store, parsed, raw, refusal))
    thread, matched_by, in_reply_to = _match(state, store, parsed.in_reply_to, parsed.references, recipients)
    assert thread is not None  # _refusal refuses replies that match no thread
    sent = record_seller_message(
        state,
        store,
        thread,
        body=parsed.text,
        operation="smtp",
        channel="smtp",
        auth_login=login,
        in_reply_to=in_reply_to,
        matched_by=matched_by,
        mail_message_id=parsed.message_id,
        auto_reply=parsed.auto_submitted,
    )
    if sent is not None:
        # The files the seller attached, as the buyer will see them (kept for tests to read).
        for name, kind, data in mime_files(raw):
            stored = state.media.upload(data, kind, store.id)
            sent.media.append(
                {"mediaName": name, "mediaType": kind, "mediaUrl": url_for(state.http_url, stored), "size": len(data)}
            )
    return ReplyOutcome(250, "2.0.0 OK: message accepted for delivery")


def _refusal(
    state: SandboxState, store: Store, parsed: ParsedMail, mail_from: str, recipients: list[str]
) -> Refusal | None:
    recipient = recipients[0] if recipients else (parsed.to_addresses[0] if parsed.to_addresses else "")
    unknown = [r for r in recipients if not accepts_recipient(state, store, r)]
    if unknown:
        return Refusal(550, "5.1.1", "Recipient address rejected: not a buyer of this seller", unknown[0])
    sender = parsed.from_address or mail_from.lower()
    if store.marketplace == "amazon":
        allowed = {store.credentials["seller_email"].lower()}
        allowed |= {a.lower() for a in store.credentials.get("approved_senders", [])}
        if sender not in allowed:
            # Amazon rejects mail that does not come from the seller's registered or approved address.
            return Refusal(
                550,
                "5.7.1",
                "Message rejected: sender address is not registered or approved for Buyer-Seller Messaging",
                recipient,
            )
    host = prohibited_link(store, parsed.text)
    if host is not None:
        return Refusal(
            550, "5.7.1", f"Message rejected: links to sites outside Walmart are not allowed ({host})", recipient
        )
    thread, _, _ = _match(state, store, parsed.in_reply_to, parsed.references, recipients)
    if thread is None:
        return Refusal(550, "5.1.1", "Recipient address rejected: no conversation for this address", recipient)
    return None


def _bounce(state: SandboxState, store: Store, parsed: ParsedMail, raw: bytes, refusal: Refusal) -> bytes:
    seller = store.credentials["seller_email"]
    now = state.market_time(store.marketplace, store.id)
    if state.config.mail_refusals == "notice":
        return relay_rejection_notice(
            marketplace=store.marketplace,
            seller_address=seller,
            original_subject=parsed.subject,
            original_id=parsed.message_id,
            references=parsed.references,
            reason=f"{refusal.status} {refusal.text}",
            date=now,
            message_id=f"<notice-{state.ids.hex(24)}@{store.marketplace}.sandbox.invalid>",
        )
    domain = AMAZON_RELAY_DOMAIN if store.marketplace == "amazon" else WALMART_RELAY_DOMAIN
    return delivery_status_notification(
        seller_address=seller,
        recipient=refusal.recipient,
        remote_mta=f"inbound-smtp.{domain}",
        status=refusal.status,
        diagnostic=refusal.diagnostic,
        original=raw,
        date=now,
        message_id=f"<bounce-{state.ids.hex(24)}@{seller.rpartition('@')[2] or 'seller.example'}>",
    )


def _match(
    state: SandboxState,
    store: Store,
    in_reply_to: list[str],
    references: list[str],
    recipients: list[str],
) -> tuple[Thread | None, str | None, str | None]:
    for label, ids in (("in-reply-to", in_reply_to), ("references", list(reversed(references)))):
        for message_id in ids:
            thread = state.thread_by_mail_id(message_id)
            if thread is not None and thread.store_id == store.id:
                return thread, label, message_id
    threads = sorted(state.threads_of(store.id), key=lambda t: t.last_activity(), reverse=True)
    for address in (r.lower() for r in recipients):
        buyer = state.buyer_by_address(address)
        if buyer is not None and buyer.store_id == store.id:
            mine = [t for t in threads if t.buyer_id == buyer.id]
            # The buyer's own conversation first; a care case about them otherwise.
            thread = next(
                (t for t in mine if t.category not in CARE_CATEGORIES | ESCALATION_CATEGORIES),
                mine[0] if mine else None,
            )
            if thread is not None:
                return thread, "relay-address", None
        if address in (WALMART_CARE_ADDRESS, WALMART_ESCALATIONS_ADDRESS):
            categories = ESCALATION_CATEGORIES if address == WALMART_ESCALATIONS_ADDRESS else CARE_CATEGORIES
            thread = next((t for t in threads if t.category in categories), None)
            if thread is not None:
                return thread, "care-address", None
    return None, None, None
