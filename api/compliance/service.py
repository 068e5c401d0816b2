"""Applying the compliance rules to real outbound messages, before any of them leaves."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.compliance.rules import Violation, check_message, check_proactive, has_blocking
from api.db import Session
from api.kit.errors import FieldError, HourglassError
from api.models import Conversation
from api.order import repository as order_repository


class ComplianceViolation(HourglassError):
    status_code = 422
    problem_type = "compliance-violation"
    title = "The message breaks the marketplace's rules"


def violation_dicts(violations: list[Violation]) -> list[dict[str, Any]]:
    return [asdict(v) for v in violations]


async def lint_for_conversation(session: Session, conversation: Conversation, text: str) -> list[Violation]:
    """Check a draft against the conversation's marketplace, with the order's country and locale."""
    country = locale = None
    if conversation.order_id:
        order = await order_repository.get(session, conversation.organization_id, conversation.order_id)
        if order is not None:
            country, locale = order.ship_to_country, order.buyer_locale
    return check_message(text, conversation.marketplace, order_locale=locale, order_country=country)


async def lint_proactive(session: Session, conversation: Conversation, text: str) -> list[Violation]:
    """As `lint_for_conversation`, for a message the seller starts (a follow-up after a case)."""
    country = locale = None
    if conversation.order_id:
        order = await order_repository.get(session, conversation.organization_id, conversation.order_id)
        if order is not None:
            country, locale = order.ship_to_country, order.buyer_locale
    return check_proactive(text, conversation.marketplace, order_locale=locale, order_country=country)


def enforce(violations: list[Violation], field: str = "body.body") -> None:
    """Refuse to send when any violation blocks; the problem lists every violation with offsets."""
    if not has_blocking(violations):
        return
    blocking = [v for v in violations if v.severity == "error"]
    raise ComplianceViolation(
        "; ".join(v.message for v in blocking),
        errors=[FieldError(field=field, reason=v.message) for v in blocking],
        extra={"violations": violation_dicts(violations)},
    )
