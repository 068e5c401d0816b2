"""May we ask this buyer for a satisfaction rating, and in which form? Pure rules, no I/O.

A CSAT question goes out after a conversation is resolved, some time later, as a message the seller
starts: so it is held to the marketplace's rules on contacting buyers (reference/wave2-apis.md §3),
not only to the rules on replies. :data:`CSAT_RULES` is the table, one row per marketplace with the
forms it allows and on whose authority; :func:`decide` applies it with the organization's settings
and the linter's findings on the rendered question (:func:`api.compliance.rules.check_proactive`:
links, marketing and review requests are errors on every marketplace).

Forms:

* ``in_thread``: a neutral question in the conversation, answered by replying a number (no link).
* ``link``: the question with a link to the hub's public, tokenised survey page. Only where links
  to outside the marketplace are allowed: the store's own mail channel and ERP (``api``) channels.

Amazon and Walmart allow no unsolicited survey at all: what their rules leave room for is a neutral
"did this resolve your issue?" written by the agent inside a reply to the buyer, never a separate
message after resolution. Asking for positive reviews is never allowed (Amazon, Walmart, eBay).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from api.compliance.rules import MARKETPLACES, Violation, has_blocking

CsatForm = Literal["in_thread", "link"]
FORMS: Final[tuple[str, ...]] = ("in_thread", "link")
# A setting may also switch the survey off for one marketplace.
FORM_SETTINGS: Final[tuple[str, ...]] = ("in_thread", "link", "off")
COMPLAINT_CATEGORIES: Final = frozenset({"complaint"})

# Our reading of each marketplace's buyer-contact rules is in reference/wave2-apis.md §3; what users
# read (the `source` below, shown on the conversation) names the marketplace's own policy instead.


@dataclass(frozen=True, slots=True)
class CsatRule:
    """The CSAT forms a marketplace allows (empty: none), why, and the source."""

    forms: tuple[str, ...]
    reason: str
    source: str


CSAT_RULES: Final[dict[str, CsatRule]] = {
    "amazon": CsatRule(
        (),
        "Amazon allows no proactive satisfaction survey: a neutral 'Did this resolve your issue?' only inside "
        "an agent's reply on a buyer-started thread, with no link; otherwise the Request a Review "
        "solicitation (one per order)",
        "Amazon Buyer-Seller Communication Guidelines; SP-API Messaging and Solicitations",
    ),
    "walmart": CsatRule(
        (),
        "Walmart's Seller Code of Conduct forbids initiating unsolicited contact with a customer and "
        "influencing reviews: no unsolicited survey, only a neutral question inside a reply to the "
        "customer's inquiry",
        "Walmart Seller Code of Conduct and Review Policy (marketplacelearn.walmart.com)",
    ),
    "ebay": CsatRule(
        ("in_thread",),
        "eBay allows a neutral question about the transaction in eBay messaging, with no external link "
        "and no demand for positive Feedback",
        "eBay member-to-member contact policy and Feedback policies",
    ),
    "shopee": CsatRule(
        ("in_thread",),
        "Shopee allows a neutral in-chat question in an existing conversation, with no link and not as a batch message",
        "Shopee chat rules; Shopee Open Platform send_message",
    ),
    "tiktok": CsatRule(
        ("in_thread",),
        "TikTok Shop allows a neutral question inside an open conversation, with no review incentive and "
        "no selective asking",
        "TikTok Shop Customer Communication Guidelines and Review Policy",
    ),
    "email": CsatRule(
        ("in_thread", "link"),
        "the store's own mail channel has no marketplace rule; a survey link is allowed",
        "hub policy (no marketplace rule applies)",
    ),
    "api": CsatRule(
        ("in_thread", "link"),
        "an ERP channel has no marketplace rule; a survey link is allowed",
        "hub policy (no marketplace rule applies)",
    ),
}
assert set(CSAT_RULES) == set(MARKETPLACES)


@dataclass(frozen=True, slots=True)
class CsatDecision:
    allowed: bool
    form: str | None  # in_thread | link when allowed
    reason: str
    source: str


def csat_rule(marketplace: str) -> CsatRule:
    return CSAT_RULES[marketplace.strip().lower()]


def default_form(marketplace: str) -> str | None:
    """The form used when the organization did not choose one: the first the marketplace allows."""
    forms = csat_rule(marketplace).forms
    return forms[0] if forms else None


def form_allowed(marketplace: str, form: str) -> bool:
    """Whether an organization may configure `form` (or `off`) for `marketplace`."""
    return form == "off" or form in csat_rule(marketplace).forms


def decide(
    *,
    enabled: bool,
    marketplace: str,
    form_setting: str | None,
    category: str,
    labels: tuple[str, ...] | list[str] = (),
    ask_after_complaint: bool = False,
    already_asked_for_order: bool = False,
    already_asked_in_conversation: bool = False,
    violations: list[Violation] | None = None,
) -> CsatDecision:
    """Whether a CSAT question goes out after this conversation's resolution, and in which form.

    `violations` are the linter's findings on the rendered question (None when it was not rendered
    because an earlier rule already refused). The first refusal wins, in the order a supervisor
    would ask: is it on, does the marketplace allow it, is it the right moment, is the text clean."""
    rule = csat_rule(marketplace)
    if not enabled:
        return CsatDecision(False, None, "CSAT is switched off in the organization's settings", "settings")
    if not rule.forms:
        return CsatDecision(False, None, f"not allowed: {rule.reason}", rule.source)
    if form_setting == "off":
        return CsatDecision(False, None, "CSAT is switched off for this marketplace in the settings", "settings")
    form = form_setting if form_setting in rule.forms else rule.forms[0]
    if already_asked_in_conversation:
        return CsatDecision(False, None, "a rating was already asked in this conversation", "hub policy")
    if already_asked_for_order:
        return CsatDecision(
            False, None, "a rating was already asked for this order (at most once per order)", "hub policy"
        )
    complained = category in COMPLAINT_CATEGORIES or any(label in COMPLAINT_CATEGORIES for label in labels)
    if complained and not ask_after_complaint:
        return CsatDecision(
            False,
            None,
            "the buyer complained in this conversation; asking after a complaint is switched off",
            "settings",
        )
    if violations is not None and has_blocking(violations):
        reasons = "; ".join(v.message for v in violations if v.severity == "error")
        return CsatDecision(
            False, None, f"not allowed: the question breaks the marketplace's rules: {reasons}", rule.source
        )
    how = "a neutral question answered by a number, in the thread" if form == "in_thread" else "a survey link"
    return CsatDecision(True, form, f"allowed as {how}: {rule.reason}", rule.source)
