"""A marketplace's after-sales record against our case (pure: no I/O, tested directly).

Two directions, both decided here from the record's status word and the case's state:

- `steps`: the transitions the marketplace's status implies (the buyer shipped the item back, eBay
  closed the inquiry with a refund, Walmart completed the refund). Only forward steps the case's
  machine allows are taken, so a case an agent moved further than the marketplace is never pulled
  back, and re-reading the same status changes nothing;
- `seller_action`: what an agent did here that the marketplace has not seen yet (a return approved
  or declined, a refund issued), to be sent through the connector where the marketplace has an API
  for it: eBay returns (approve, decline, refund) and inquiries (refund), Walmart returns (refund).
"""

from __future__ import annotations

from api.case import states

# The path each marketplace status implies, from `requested` (states skipped when not allowed).
_RECEIVED = ("approved", "item_shipped_back", "received")
_EBAY_RETURN: dict[str, tuple[str, ...]] = {
    "WAITING_FOR_RETURN_LABEL": ("approved",),
    "ITEM_SHIPPED": ("approved", "item_shipped_back"),
    "ITEM_DELIVERED": _RECEIVED,
    "RETURN_REJECTED": ("rejected",),
}
_EBAY_INQUIRY: dict[str, tuple[str, ...]] = {"CLOSED_WITH_ESCALATION": ("contested",)}
_WALMART_RETURN: dict[str, tuple[str, ...]] = {"DELIVERED": _RECEIVED}
_CLOSED = {"CLOSED", "CS_CLOSED", "COMPLETED", "REFUND_COMPLETED"}
EBAY_OPEN_INQUIRY = {"OPEN", "PENDING", "WAITING_SELLER_RESPONSE", "WAITING_BUYER_RESPONSE"}


def implied(source: str, status: str, refunded: bool) -> tuple[str, ...]:
    """The local states the marketplace's status implies, in walking order."""
    if status in _CLOSED:
        if source == "ebay_inquiry":
            return ("refunded", "closed") if refunded else ("withdrawn", "closed")
        if source == "walmart_return" or refunded:
            # A refund with or without the item back: `received` is taken only when the case had
            # the item on its way (a returnless refund goes approved → refunded).
            return ("approved", "refunded", "received", "refunded", "closed")
        return ("withdrawn", "closed")
    table = {"ebay_return": _EBAY_RETURN, "ebay_inquiry": _EBAY_INQUIRY, "walmart_return": _WALMART_RETURN}
    return table.get(source, {}).get(status, ())


def steps(kind: str, current: str, wanted: tuple[str, ...]) -> list[str]:
    """The transitions to apply, in order: each wanted state the machine allows from where the case
    is by then; the others are passed over (already there, or the case went another way)."""
    out: list[str] = []
    at = current
    for target in wanted:
        if target in states.allowed_from(kind, at):
            out.append(target)
            at = target
    return out


def seller_action(
    source: str, status: str, options: tuple[str, ...], case_state: str, case_refunded: bool
) -> str | None:
    """approve | decline | refund when the case here is ahead of the marketplace, else None."""
    refunded_here = case_state == "refunded" or (case_state == states.CLOSED and case_refunded)
    if source == "ebay_return":
        if refunded_here and "ISSUE_REFUND" in options:
            return "refund"
        if case_state in ("approved", "item_shipped_back", "received") and "APPROVE" in options:
            return "approve"
        if case_state == "rejected" and "DECLINE" in options:
            return "decline"
        return None
    if source == "ebay_inquiry":
        return "refund" if refunded_here and status in EBAY_OPEN_INQUIRY else None
    if source == "walmart_return":
        return "refund" if refunded_here and status not in _CLOSED else None
    return None
