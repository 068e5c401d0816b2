"""Marketplace notices that open an after-sales case (pure: no I/O, tested directly).

eBay tells the seller about an "item not received" inquiry or a return request in a FROM_EBAY message
("… Respond within 3 business days …"); the inquiry or return id (Post-Order `inquiryId` / `returnId`,
reference/wave2-apis.md §2.1) is in the text. Such a message is not a platform notice to file away:
it opens a case with eBay's deadline on the case's clock, and its conversation waits on the seller
(Response Needed) and is routed like a buyer message.

The deadline is counted in business days (Monday to Friday, UTC) from the notice's time, as eBay
states it; a notice that names no id is still a case (keyed by nothing, so a re-read of the same
message is kept out by the message's own idempotency).
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


@dataclass(frozen=True)
class NoticeCase:
    kind: str
    marketplace_case_id: str | None
    deadline: datetime
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


def recognise(marketplace: str, author_kind: str, subject: str, body: str, sent_at: datetime) -> NoticeCase | None:
    """The case a marketplace's own message opens, or None."""
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
