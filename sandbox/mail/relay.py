"""The relays' two directions: a buyer's message becomes mail in the seller's mailbox; a seller's mail
becomes a reply on the buyer's thread.

Replies are matched to a thread by In-Reply-To, then References, then the relay address the mail is
sent to (the buyer's latest thread with this seller), then, for Walmart Customer Care, the care
address (the store's latest care thread).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.delivery import record_seller_message
from sandbox.mail.formats import (
    AMAZON_RELAY_DOMAIN,
    WALMART_CARE_ADDRESS,
    WALMART_ESCALATIONS_ADDRESS,
    WALMART_RELAY_DOMAIN,
    amazon_buyer_mail,
    parse_mail,
    walmart_buyer_mail,
    walmart_care_mail,
)
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
    message.mail_message_id = mail_id
    state.index_mail(mail_id, thread.id)
    state.mail.append(store.credentials["imap_username"], raw, internal_date=message.created_at)


@dataclass
class ReplyOutcome:
    code: int
    text: str


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
    """Check and record a seller's reply; the outcome is the SMTP answer to give."""
    parsed = parse_mail(raw)
    sender = parsed.from_address or mail_from.lower()
    if store.marketplace == "amazon":
        allowed = {store.credentials["seller_email"].lower()}
        allowed |= {a.lower() for a in store.credentials.get("approved_senders", [])}
        if sender not in allowed:
            # Amazon bounces mail that does not come from the seller's registered or approved address.
            state.reject(
                store.marketplace,
                store.id,
                "smtp",
                "reply",
                550,
                "5.7.1",
                f"sender {sender} is not the registered seller address",
            )
            return ReplyOutcome(
                550, "5.7.1 Message rejected: sender address is not registered or approved for Buyer-Seller Messaging"
            )
    if state.faults.smtp_tempfail(store.marketplace, store.id):
        state.reject(store.marketplace, store.id, "smtp", "reply", 451, "4.3.0", "temporary failure", injected=True)
        return ReplyOutcome(451, "4.3.0 Temporary failure, please try again later")
    thread, matched_by, in_reply_to = _match(state, store, parsed.in_reply_to, parsed.references, recipients)
    if thread is None:
        state.reject(store.marketplace, store.id, "smtp", "reply", 550, "5.1.1", "no thread for this reply")
        return ReplyOutcome(550, "5.1.1 Recipient address rejected: no conversation for this address")
    record_seller_message(
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
    return ReplyOutcome(250, "2.0.0 OK: message accepted for delivery")


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
