"""Deciding the follow-up contact (回访, the call-back Chinese sellers make after a case) when a case
closes, and whether a scheduled one still goes out (pure: no I/O, tested directly).

The marketplace decides first (api.compliance.rules.proactive_contact: Amazon and Walmart allow no
unsolicited contact); then the rendered template must pass the outbound linter for that marketplace
(no review solicitation, no marketing, no link...). A follow-up that was scheduled is cancelled when
the buyer wrote after the case closed: the conversation is alive again and an agent answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api.compliance.rules import Violation, has_blocking, proactive_contact


@dataclass(frozen=True)
class Decision:
    state: str  # none | scheduled | not_allowed
    due_at: datetime | None
    reason: str


def decide(
    *,
    enabled: bool,
    template_configured: bool,
    marketplace: str,
    closed_at: datetime,
    days: int,
    violations: list[Violation] | None,
) -> Decision:
    """What happens after a case closed at `closed_at`. `violations` are the linter's findings on the
    rendered template (None when it was not rendered because an earlier rule already decided)."""
    if not enabled:
        return Decision("none", None, "follow-up contact is switched off in the case settings")
    if not template_configured:
        return Decision("none", None, "no follow-up template is set in the case settings")
    rule = proactive_contact(marketplace)
    if not rule.allowed:
        return Decision("not_allowed", None, f"not allowed: {rule.reason} ({rule.source})")
    if violations is not None and has_blocking(violations):
        reasons = "; ".join(v.message for v in violations if v.severity == "error")
        return Decision("not_allowed", None, f"not allowed: the template breaks the marketplace's rules: {reasons}")
    due = closed_at + timedelta(days=days)
    return Decision("scheduled", due, f"scheduled for {due:%Y-%m-%d %H:%M} UTC: {rule.reason}")


def buyer_wrote_since(last_inbound_at: datetime | None, closed_at: datetime | None) -> bool:
    """The buyer wrote after the case closed: the follow-up is cancelled."""
    return last_inbound_at is not None and closed_at is not None and last_inbound_at > closed_at
