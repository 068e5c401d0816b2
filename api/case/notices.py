"""Marketplace notices that open an after-sales case (pure: no I/O, tested directly).

eBay tells the seller about an "item not received" inquiry or a return request in a FROM_EBAY message
("… Respond within 3 business days …"); the inquiry or return id (Post-Order `inquiryId` / `returnId`,
reference/wave2-apis.md §2.1) is in the text. Such a message is not a platform notice to file away:
it opens a case with eBay's deadline on the case's clock, and its conversation waits on the seller
(Response Needed) and is routed like a buyer message.

The deadline is counted in business days (Monday to Friday, UTC) from the notice's time, as eBay
states it; a notice that names no id is still a case (keyed by nothing, so a re-read of the same
message is kept out by the message's own idempotency).

Amazon has no A-to-z claim API: its claim notice mail ("A-to-z Guarantee claim", the order id, the
time to respond) opens a claim the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_INR = re.compile(r"item not received|haven't received|have not received", re.IGNORECASE)
_RETURN = re.compile(r"requested (?:a return|to return)", re.IGNORECASE)
_WITHIN = re.compile(r"within (\d{1,2}) business days?", re.IGNORECASE)
_ID = re.compile(r"\b(?:Inquiry|Return|Request|Case) ID:?\s*#?(\d{6,20})\b", re.IGNORECASE)
DEFAULT_BUSINESS_DAYS = 3
_ATOZ = re.compile(r"A-to-z (?:Guarantee )?claim", re.IGNORECASE)
_ATOZ_ID = re.compile(r"\bclaim ID:?\s*#?([A-Za-z0-9-]{6,40})\b", re.IGNORECASE)
_AMAZON_ORDER = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
_WITHIN_HOURS = re.compile(r"within (\d{1,3}) hours?", re.IGNORECASE)
_WITHIN_DAYS = re.compile(r"within (\d{1,2}) (business )?days?", re.IGNORECASE)
# Amazon asks for a response to an A-to-z claim within 72 hours when the notice states no other time.
AMAZON_CLAIM_HOURS = 72


@dataclass(frozen=True)
class NoticeCase:
    kind: str
    marketplace_case_id: str | None
    deadline: datetime | None
    reason: str


def business_days_after(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days (Saturday and Sunday skipped), keeping the time of day."""
    at = start
    left = days
    while left > 0:
        at += timedelta(days=1)
        if at.weekday() < 5:
            left -= 1
    return at


def amazon_claim(subject: str, body: str, sent_at: datetime) -> NoticeCase | None:
    """Amazon's A-to-z Guarantee claim notice. Amazon has no claims API (reference/wave2-apis.md
    §2.2): the notice mail is the only source. Keyed by the claim id it names, else by the order."""
    text = f"{subject}\n{body}"
    if not _ATOZ.search(text):
        return None
    claim = _ATOZ_ID.search(text)
    order = _AMAZON_ORDER.search(text)
    key = claim.group(1) if claim else (f"atoz-{order.group(0)}" if order else None)
    hours = _WITHIN_HOURS.search(text)
    days = _WITHIN_DAYS.search(text)
    if hours:
        deadline = sent_at + timedelta(hours=int(hours.group(1)))
    elif days and days.group(2):
        deadline = business_days_after(sent_at, int(days.group(1)))
    elif days:
        deadline = sent_at + timedelta(days=int(days.group(1)))
    else:
        deadline = sent_at + timedelta(hours=AMAZON_CLAIM_HOURS)
    return NoticeCase(
        kind="claim", marketplace_case_id=key, deadline=deadline, reason=f"Amazon A-to-z claim: {subject}"
    )


def recognise(marketplace: str, author_kind: str, subject: str, body: str, sent_at: datetime) -> NoticeCase | None:
    """The case a marketplace's own message opens, or None."""
    if marketplace == "amazon" and author_kind == "system":
        return amazon_claim(subject, body, sent_at)
    if marketplace != "ebay" or author_kind != "system":
        return None
    text = f"{subject}\n{body}"
    if _INR.search(text):
        kind, what = "claim", "eBay item not received request"
    elif _RETURN.search(text):
        kind, what = "return", "eBay return request"
    else:
        return None
    within = _WITHIN.search(text)
    days = int(within.group(1)) if within else DEFAULT_BUSINESS_DAYS
    found = _ID.search(text)
    return NoticeCase(
        kind=kind,
        marketplace_case_id=found.group(1) if found else None,
        deadline=business_days_after(sent_at, days),
        reason=f"{what}: {subject}".strip(),
    )
