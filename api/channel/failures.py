"""Why a reply was not delivered, in words an agent can act on (pure: the stored error text in).

A failed reply keeps the marketplace's own text (`Message.delivery_error`, written by
`ConnectorError.describe()` as `<status> <code>: <message>`, or `Bounced: <reason>` by a mail
relay's bounce). "400 355007: Invalid or unrecognized conversation_id value." is exact but says
nothing to an agent. `explain` maps it to a reason and the one thing the agent can do, as codes the
SPA words in each language; the raw text stays available beside it.

The codes come from the connectors (their constants are imported, so a rule has one home) and
from the marketplaces' references: eBay Commerce Message errorIds (reference/specs/ebay-commerce-
message-v1.oas3.json, 355xxx), TikTok Shop business codes, Shopee `error_*` names, SMTP reply codes
(RFC 5321) and enhanced mail status codes (RFC 3463) for Amazon's and Walmart's mail relays.
The id spaces do not overlap (eBay's are six digits, TikTok's eight, Shopee's words), so the text
alone is enough: no marketplace has to be passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from api.channel.connectors import shopee, tiktok
from api.channel.connectors.ebay import ACCESS_DENIED as EBAY_ACCESS_DENIED

Reason = Literal[
    "conversation_unknown",
    "conversation_closed",
    "not_answerable",
    "text_too_long",
    "empty_message",
    "attachment_refused",
    "content_refused",
    "store_disconnected",
    "missing_permission",
    "rate_limited",
    "daily_quota",
    "marketplace_unavailable",
    "timed_out",
    "unreachable",
    "destination_refused",
    "recipient_unknown",
    "mailbox_full",
    "mail_policy",
    "mail_login_refused",
    "mail_refused",
    "unknown",
]
Action = Literal[
    "answer_on_marketplace",
    "no_reply_needed",
    "shorten_and_resend",
    "write_text_and_resend",
    "remove_attachments_and_resend",
    "edit_and_resend",
    "reconnect_store",
    "retry_later",
    "retry_now",
    "ask_admin_channel",
    "check_buyer_address",
    "read_detail",
]


@dataclass(frozen=True)
class Explanation:
    reason: Reason
    action: Action
    retry_helps: bool  # whether sending the same reply again can succeed


# eBay Commerce Message errorIds (sendMessage) -> reason, action.
_EBAY: dict[str, tuple[Reason, Action, bool]] = {
    "355007": ("conversation_unknown", "answer_on_marketplace", False),
    "355018": ("conversation_unknown", "answer_on_marketplace", False),
    "355006": ("conversation_unknown", "answer_on_marketplace", False),
    "355013": ("text_too_long", "shorten_and_resend", False),
    "355015": ("empty_message", "write_text_and_resend", False),
    "355010": ("attachment_refused", "remove_attachments_and_resend", False),
    "355011": ("attachment_refused", "remove_attachments_and_resend", False),
    "355012": ("attachment_refused", "remove_attachments_and_resend", False),
    "355014": ("attachment_refused", "remove_attachments_and_resend", False),
    EBAY_ACCESS_DENIED: ("missing_permission", "reconnect_store", False),
    "FROM_EBAY": ("not_answerable", "no_reply_needed", False),
}

_HEAD = re.compile(r"^(?P<head>[A-Za-z0-9_.:\- ]{1,80}?): (?P<text>.*)$", re.DOTALL)
_STATUS_WORDS = {"timeout", "tls", "network", "refused", "smtp", "imap"}
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_REPLY = re.compile(r"^\s*([245]\d\d)\b")
_POLICY_WORDS = re.compile(
    r"link|url|attachment|e-?mail address|phone|personal|policy|spam|prohibited|not allowed|content", re.IGNORECASE
)


def _split(error: str) -> tuple[str | None, str | None, str]:
    """(`status`, `code`, text) of `describe()`'s `<status> <code>: <message>`; Nones when absent."""
    found = _HEAD.match(error)
    if not found:
        return None, None, error
    parts = found.group("head").split()
    status: str | None = None
    if parts and ((parts[0].isdigit() and len(parts[0]) == 3) or parts[0] in _STATUS_WORDS):
        status = parts.pop(0)
    code = parts[0] if len(parts) == 1 else None
    if status is None and code is None:
        return None, None, error
    return status, code, found.group("text")


def _mail(text: str, smtp_code: int | None) -> Explanation:
    """A refusal by a mail server (SMTP reply) or a bounce (enhanced status, or the relay's words)."""
    enhanced = _ENHANCED.search(text)
    if enhanced:
        klass, subject, detail = (int(g) for g in enhanced.groups())
        if klass == 4:
            return Explanation("mail_refused", "retry_later", True)
        if subject == 1:  # addressing: the relay does not know the (anonymised) buyer address
            return Explanation("recipient_unknown", "check_buyer_address", False)
        if subject == 2 and detail == 2:
            return Explanation("mailbox_full", "retry_later", True)
        if subject == 7 or subject == 6:  # security or content policy
            return Explanation("mail_policy", "edit_and_resend", False)
    if smtp_code is not None:
        if 400 <= smtp_code < 500:
            return Explanation("mail_refused", "retry_later", True)
        if smtp_code in (550, 551, 553):
            return Explanation("recipient_unknown", "check_buyer_address", False)
        if smtp_code == 552:
            return Explanation("attachment_refused", "remove_attachments_and_resend", False)
        if smtp_code in (530, 535):
            return Explanation("mail_login_refused", "ask_admin_channel", False)
    if _POLICY_WORDS.search(text):
        return Explanation("mail_policy", "edit_and_resend", False)
    return Explanation("mail_refused", "read_detail", False)


def explain(error: str | None) -> Explanation | None:
    """What a failed reply's stored error means and what to do; None when there is no error."""
    if not error or not error.strip():
        return None
    error = error.strip()
    if error.startswith("Bounced:"):
        text = error.removeprefix("Bounced:").strip()
        reply = _SMTP_REPLY.match(text)
        return _mail(text, int(reply.group(1)) if reply else None)
    status, code, text = _split(error)
    if code == "smtp" or status == "smtp":
        if status is not None and status.isdigit():
            if "login refused" in text.lower():
                return Explanation("mail_login_refused", "ask_admin_channel", False)
            return _mail(text, int(status))
        return Explanation("unreachable", "retry_later", True)
    if code in _EBAY:
        return Explanation(*_EBAY[code])
    if code is not None and code.isdigit() and len(code) == 8:
        number = int(code)
        if number == tiktok.CLOSED:
            return Explanation("conversation_closed", "answer_on_marketplace", False)
        if number in tiktok.THROTTLED:
            return Explanation("rate_limited", "retry_later", True)
        if number in tiktok.QUOTA:
            return Explanation("daily_quota", "retry_later", True)
        if number in tiktok.TRANSIENT:
            return Explanation("marketplace_unavailable", "retry_now", True)
    if code is not None and (code in shopee.AUTH_ERRORS or (code.isdigit() and int(code) in tiktok.AUTH)):
        return Explanation("store_disconnected", "reconnect_store", False)
    if code == "error_too_many_request":
        return Explanation("rate_limited", "retry_later", True)
    if code in shopee.TRANSIENT_ERRORS:
        return Explanation("marketplace_unavailable", "retry_now", True)
    if code == "error_param":
        return Explanation("content_refused", "edit_and_resend", False)
    if status == "timeout":
        return Explanation("timed_out", "retry_now", True)
    if status in ("network", "tls"):
        return Explanation("unreachable", "retry_later", True)
    if status == "refused":
        return Explanation("destination_refused", "ask_admin_channel", False)
    if status is not None and status.isdigit():
        http = int(status)
        if http in (401, 403):
            return Explanation("store_disconnected", "reconnect_store", False)
        if http == 429:
            return Explanation("rate_limited", "retry_later", True)
        if http >= 500:
            return Explanation("marketplace_unavailable", "retry_now", True)
        if http == 413:
            return Explanation("text_too_long", "shorten_and_resend", False)
    lowered = error.lower()
    if "closed" in lowered:
        return Explanation("conversation_closed", "answer_on_marketplace", False)
    if "too long" in lowered or "exceeds" in lowered:
        return Explanation("text_too_long", "shorten_and_resend", False)
    if "cannot be answered" in lowered:
        return Explanation("not_answerable", "no_reply_needed", False)
    return Explanation("unknown", "read_detail", True)
