"""The state machine of each kind of after-sales case (pure: no I/O, tested directly).

Every case starts `requested`. The first step away from `requested` is the seller handling it (the
handling clock, the seller's own target for answering a case, stops there). `closed` is the only
final state; every path reaches it through an outcome (refunded, replaced, reshipped, rejected, won,
withdrawn...), so the history always says how the case ended.

Kinds and their paths (marketplace vocabulary in brackets):

- return: requested → approved | rejected; approved → item_shipped_back | refunded (returnless
  refund); item_shipped_back → received [eBay ITEM_DELIVERED, Walmart DELIVERED]; received →
  refunded | replaced [Walmart REFUND_COMPLETED / returnType REPLACEMENT];
- refund: requested → approved | rejected; approved → refunded;
- replacement: requested → approved | rejected; approved → item_shipped_back | replaced;
  item_shipped_back → received → replaced;
- reship: requested → approved | rejected; approved → reshipped;
- cancellation: requested → cancelled | rejected; cancelled → refunded [eBay
  CANCEL_CLOSED_WITH_REFUND];
- claim (Amazon A-to-z, Walmart dispute, eBay INR escalated): requested → refunded | contested;
  contested → won | lost; lost → refunded.

Any kind: requested → withdrawn (the buyer took it back), and every outcome → closed.
"""

from __future__ import annotations

from typing import Final

KINDS: Final = ("return", "refund", "replacement", "reship", "cancellation", "claim")
INITIAL: Final = "requested"
CLOSED: Final = "closed"

_OUTCOME_CLOSES = {
    "rejected": (CLOSED,),
    "withdrawn": (CLOSED,),
    "refunded": (CLOSED,),
    "replaced": (CLOSED,),
    "reshipped": (CLOSED,),
    "won": (CLOSED,),
}

TRANSITIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "return": {
        "requested": ("approved", "rejected", "withdrawn"),
        "approved": ("item_shipped_back", "refunded"),
        "item_shipped_back": ("received",),
        "received": ("refunded", "replaced"),
        **_OUTCOME_CLOSES,
    },
    "refund": {
        "requested": ("approved", "rejected", "withdrawn"),
        "approved": ("refunded",),
        **_OUTCOME_CLOSES,
    },
    "replacement": {
        "requested": ("approved", "rejected", "withdrawn"),
        "approved": ("item_shipped_back", "replaced"),
        "item_shipped_back": ("received",),
        "received": ("replaced",),
        **_OUTCOME_CLOSES,
    },
    "reship": {
        "requested": ("approved", "rejected", "withdrawn"),
        "approved": ("reshipped",),
        **_OUTCOME_CLOSES,
    },
    "cancellation": {
        "requested": ("cancelled", "rejected", "withdrawn"),
        "cancelled": ("refunded", CLOSED),
        **_OUTCOME_CLOSES,
    },
    "claim": {
        "requested": ("refunded", "contested", "withdrawn"),
        "contested": ("won", "lost"),
        "lost": ("refunded", CLOSED),
        **_OUTCOME_CLOSES,
    },
}

# Every state any kind can be in, in the order a case usually walks them (for filters and the SPA).
STATES: Final = (
    "requested",
    "approved",
    "cancelled",
    "contested",
    "item_shipped_back",
    "received",
    "refunded",
    "replaced",
    "reshipped",
    "won",
    "lost",
    "rejected",
    "withdrawn",
    "closed",
)
# States in which the case still needs the seller (the queue shows these; `closed` is history).
OPEN_STATES: Final = tuple(s for s in STATES if s != CLOSED)


class TransitionRefused(Exception):
    """The state machine does not allow `requested` from `current` for this kind."""

    def __init__(self, kind: str, current: str, requested: str) -> None:
        super().__init__(kind, current, requested)
        self.kind, self.current, self.requested = kind, current, requested

    def __str__(self) -> str:
        allowed = ", ".join(allowed_from(self.kind, self.current)) or "none"
        return f"A {self.kind} case in state '{self.current}' cannot move to '{self.requested}' (allowed: {allowed})."


def allowed_from(kind: str, state: str) -> tuple[str, ...]:
    """The states a case of `kind` may move to from `state` (empty when closed or unknown)."""
    return TRANSITIONS.get(kind, {}).get(state, ())


def check(kind: str, current: str, requested: str) -> None:
    """Raise TransitionRefused unless `current → requested` is a step of the kind's machine."""
    if kind not in TRANSITIONS:
        raise ValueError(f"unknown case kind {kind!r}")
    if requested not in allowed_from(kind, current):
        raise TransitionRefused(kind, current, requested)


def is_handled(state: str) -> bool:
    """The seller acted: anything but `requested` stops the handling clock and the marketplace's."""
    return state != INITIAL


def reachable(kind: str) -> set[str]:
    """States reachable from `requested` (a property the tests check: every one reaches `closed`)."""
    seen = {INITIAL}
    todo = [INITIAL]
    while todo:
        for nxt in allowed_from(kind, todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
