"""The follow-up contact (回访) after a case closes: the decision at closing, and the sending.

The decision (api/case/followup_rules.decide) is stored on the case, so the case shows "scheduled
for …" or "not allowed: …" with the marketplace's rule. A worker (workers/tasks/cases.py) sends the
due ones: it re-checks that the buyer has not written since the case closed (then it is cancelled),
renders the template for the conversation, lints it again and queues it as an automatic reply.
"""

from __future__ import annotations

from datetime import datetime

from api.case import followup_rules, repository
from api.compliance import service as compliance
from api.compliance.rules import proactive_contact
from api.db import Session
from api.message.outbound import queue_reply
from api.models import Case, Conversation
from api.outbox import events
from api.template import pool as template_pool
from api.template import service as templates
from api.template.render import TemplateError
from api.webhook.payloads import CaseData, CaseUpdatedData


async def _render(session: Session, case: Case, conversation: Conversation) -> tuple[str | None, str | None]:
    """(text, None) or (None, why not)."""
    if case.followup_template_id is None:
        return None, "no follow-up template"
    template = await templates.get(session, case.organization_id, case.followup_template_id)
    try:
        rendered = await template_pool.render(template.body, await templates.values_for(session, conversation))
    except TemplateError as exc:
        return None, f"the template '{template.name}' failed to render: {exc}"
    return rendered.text, None


async def decide_on_close(session: Session, case: Case, closed_at: datetime) -> None:
    """Store the follow-up decision on a case that is closing (in the closing transaction)."""
    settings = await repository.settings(session, case.organization_id)
    enabled = bool(settings and settings.followup_enabled)
    template_id = settings.followup_template_id if settings else None
    case.followup_template_id = template_id
    violations = None
    if enabled and template_id and proactive_contact(case.marketplace).allowed:
        conversation = await repository.conversation(session, case.organization_id, case.conversation_id)
        text, problem = await _render(session, case, conversation)
        if text is None:
            case.followup_state, case.followup_due_at, case.followup_reason = (
                "not_allowed",
                None,
                f"not sent: {problem}",
            )
            return
        violations = await compliance.lint_proactive(session, conversation, text)
    decision = followup_rules.decide(
        enabled=enabled,
        template_configured=template_id is not None,
        marketplace=case.marketplace,
        closed_at=closed_at,
        days=settings.followup_days if settings else 3,
        violations=violations,
    )
    case.followup_state, case.followup_due_at, case.followup_reason = decision.state, decision.due_at, decision.reason


async def send_due(session: Session, now: datetime, limit: int = 100) -> int:
    """Send (or cancel) the follow-ups that fell due; in the caller's transaction. Returns how many
    cases were settled."""
    cases = await repository.due_followups(session, now, limit)
    for case in cases:
        conversation = await repository.conversation(session, case.organization_id, case.conversation_id)
        if followup_rules.buyer_wrote_since(conversation.last_inbound_at, case.closed_at):
            case.followup_state = "cancelled"
            case.followup_reason = (
                f"cancelled: the buyer wrote on {conversation.last_inbound_at:%Y-%m-%d %H:%M} UTC after the case closed"
            )
        else:
            text, problem = await _render(session, case, conversation)
            violations = await compliance.lint_proactive(session, conversation, text) if text else []
            decision = followup_rules.decide(
                enabled=True,
                template_configured=True,
                marketplace=case.marketplace,
                closed_at=case.closed_at or now,
                days=0,
                violations=violations,
            )
            if text is None or decision.state != "scheduled":
                case.followup_state = "not_allowed"
                case.followup_reason = decision.reason if text else f"not sent: {problem}"
            else:
                message = await queue_reply(
                    session, None, conversation, text, author_kind="auto", template_id=case.followup_template_id
                )
                case.followup_state = "sent"
                case.followup_message_id = message.id
                case.followup_reason = f"sent on {now:%Y-%m-%d %H:%M} UTC"
        case.updated_at = now
        await session.flush()
        payload = CaseUpdatedData(**CaseData.of(case).model_dump(), changed=["followup_state"], actor_type="automation")
        events.emit(session, case.organization_id, "case.updated", payload, conversation_id=case.conversation_id)
    return len(cases)
