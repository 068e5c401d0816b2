"""CSAT: the decision at resolution, the sending of due questions, and the answers.

1. `on_resolved` (in the transaction that resolves the conversation) stores a `CsatSurvey` with the
   decision of api/compliance/csat.py: `scheduled` (due after the configured delay) or `refused`
   with the reason and the rule's source, which the conversation shows.
2. `send_due` (worker, workers/tasks/csat.py) re-checks each due survey (still resolved, the buyer has
   not written since, the text still passes the linter), then queues the question through the
   normal outbound path (`queue_reply`) as an automatic message: delivery, the linter and the clocks
   treat it as any reply, and it never counts as a person's reply.
3. `take_answer` (the automation pass on each buyer message) parses a reply to a sent in-thread
   question into a score (api/csat/parser.py), records it once, and marks the message as needing
   no response (reason `csat_score`); a rating is not a new question, so a conversation the message
   reopened goes back to resolved. `answer_by_link` records a score from the public survey page.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api import audit
from api.auth.principal import Principal
from api.compliance import service as compliance
from api.compliance.csat import CsatDecision, csat_rule, decide, default_form, form_allowed
from api.compliance.rules import MARKETPLACE_NAMES, MARKETPLACES, check_proactive
from api.csat import repository
from api.csat.parser import parse_score
from api.csat.schemas import CsatGroupRead, CsatResults, CsatSettingsRead, CsatSettingsUpdate, CsatSurveyRead
from api.db import Session
from api.kit.crypto import token_digest
from api.kit.errors import FieldError, InvalidInput, field_error
from api.kit.time import utc_now
from api.message.outbound import queue_reply, recompute_waiting
from api.models import Conversation, CsatSettings, CsatSurvey, Message
from api.outbox import events
from api.sla import service as sla_service
from api.webhook.payloads import ConversationUpdatedData, CsatReceivedData

# Neutral questions: no request for a good rating, no review, no incentive (wave2-apis.md §3).
DEFAULT_QUESTIONS: dict[str, str] = {
    "en": (
        "Your conversation with us has been closed. How satisfied are you with the help you received? "
        "Please reply with a number from 1 (not satisfied) to 5 (very satisfied)."
    ),
    "zh": "本次咨询已处理完毕。您对我们的服务满意吗？请回复 1（不满意）到 5（非常满意）之间的数字。",
    "es": (
        "Su consulta ha sido cerrada. ¿Qué tan satisfecho está con la ayuda recibida? "
        "Responda con un número del 1 (nada satisfecho) al 5 (muy satisfecho)."
    ),
}
LINK_LINES: dict[str, str] = {
    "en": "You can also answer here: {url}",
    "zh": "您也可以在此回答：{url}",
    "es": "También puede responder aquí: {url}",
}
LANGUAGES = tuple(DEFAULT_QUESTIONS)
NO_RESPONSE_REASON = "csat_score"
MAX_QUESTION_CHARS = 1000


def language_of(conversation: Conversation) -> str:
    base = (conversation.language or "en").lower().split("-")[0]
    return base if base in LANGUAGES else "en"


def question_text(settings: CsatSettings | None, language: str) -> str:
    custom = (settings.questions or {}).get(language) if settings else None
    return custom or DEFAULT_QUESTIONS[language]


def survey_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/csat/{token}"


def compose(settings: CsatSettings | None, language: str, form: str, url: str | None) -> str:
    text = question_text(settings, language)
    if form == "link" and url:
        text = f"{text}\n\n{LINK_LINES[language].format(url=url)}"
    return text


async def _decide(
    session: Session,
    settings: CsatSettings | None,
    conversation: Conversation,
    *,
    exclude: uuid.UUID | None = None,
) -> CsatDecision:
    enabled = bool(settings and settings.enabled)
    form_setting = (settings.forms or {}).get(conversation.marketplace) if settings else None
    common: dict[str, Any] = {
        "enabled": enabled,
        "marketplace": conversation.marketplace,
        "form_setting": form_setting,
        "category": conversation.category,
        "labels": list(conversation.labels or ()),
        "ask_after_complaint": bool(settings and settings.ask_after_complaint),
    }
    first = decide(**common)
    if not first.allowed:
        return first
    asked_here = exclude is None and await repository.asked_in_conversation(
        session, conversation.organization_id, conversation.id
    )
    asked_order = exclude is None and await repository.asked_for_order(
        session, conversation.organization_id, conversation.channel_id, conversation.order_external_id
    )
    # The question is linted as the marketplace would see it (the link's host stands in for the token).
    text = compose(settings, language_of(conversation), first.form or "in_thread", "https://hub.invalid/csat/x")
    violations = await compliance.lint_proactive(session, conversation, text)
    return decide(
        **common,
        already_asked_in_conversation=asked_here,
        already_asked_for_order=asked_order,
        violations=violations,
    )


async def on_resolved(
    session: Session, conversation: Conversation, resolved_at: datetime | None = None
) -> CsatSurvey | None:
    """Store the CSAT decision for a conversation that was just resolved (in the caller's
    transaction). Nothing is stored while CSAT is switched off: there is nothing to explain."""
    settings = await repository.settings(session, conversation.organization_id)
    if settings is None or not settings.enabled:
        return None
    at = resolved_at or conversation.resolved_at or utc_now()
    decision = await _decide(session, settings, conversation)
    survey = CsatSurvey(
        id=uuid.uuid4(),
        organization_id=conversation.organization_id,
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        marketplace=conversation.marketplace,
        order_external_id=conversation.order_external_id,
        agent_id=conversation.assignee_id,
        category=conversation.category,
        labels=list(conversation.labels or ()),
        language=language_of(conversation),
        state="scheduled" if decision.allowed else "refused",
        form=decision.form,
        reason=decision.reason,
        source=decision.source,
        resolved_at=at,
        due_at=at + timedelta(minutes=settings.delay_minutes) if decision.allowed else None,
        details={},
    )
    await repository.add(session, survey)
    audit.record(
        session,
        None,
        conversation.organization_id,
        "csat.decided",
        "conversation",
        conversation.id,
        {"survey_id": str(survey.id), "state": survey.state, "form": survey.form, "reason": survey.reason},
        actor_type="automation",
    )
    return survey


def _cancel(survey: CsatSurvey, reason: str) -> None:
    survey.state = "cancelled"
    survey.reason = reason
    survey.due_at = None


async def send_due(session: Session, now: datetime, public_url: str, limit: int = 100) -> int:
    """Send (or cancel) the CSAT questions that fell due, in the caller's transaction. Returns how
    many surveys were settled."""
    surveys = await repository.due(session, now, limit)
    for survey in surveys:
        conversation = await repository.conversation(session, survey.organization_id, survey.conversation_id)
        channel = await repository.channel(session, survey.organization_id, conversation.channel_id)
        if conversation.status != "resolved":
            _cancel(survey, "cancelled: the conversation was reopened before the question went out")
        elif conversation.last_inbound_at is not None and conversation.last_inbound_at > survey.resolved_at:
            _cancel(
                survey,
                f"cancelled: the buyer wrote on {conversation.last_inbound_at:%Y-%m-%d %H:%M} UTC after resolution",
            )
        elif channel is None or channel.status != "active":
            _cancel(survey, "cancelled: the channel is disabled")
        else:
            settings = await repository.settings(session, survey.organization_id)
            decision = await _decide(session, settings, conversation, exclude=survey.id)
            if not decision.allowed or decision.form is None:
                survey.state, survey.reason, survey.source, survey.due_at = (
                    "refused",
                    decision.reason,
                    decision.source,
                    None,
                )
            else:
                token = secrets.token_urlsafe(24) if decision.form == "link" else None
                text = compose(
                    settings, survey.language, decision.form, survey_url(public_url, token) if token else None
                )
                message = await queue_reply(session, None, conversation, text, author_kind="auto")
                message.meta = {**(message.meta or {}), "csat_survey_id": str(survey.id)}
                survey.state = "sent"
                survey.form = decision.form
                survey.sent_at = now
                survey.message_id = message.id
                survey.token_digest = token_digest(token) if token else None
        await session.flush()
    return len(surveys)


@dataclass(frozen=True)
class Answer:
    survey: CsatSurvey
    score: int


async def _record(session: Session, survey: CsatSurvey, score: int, via: str, message: Message | None) -> CsatSurvey:
    survey.state = "answered"
    survey.score = score
    survey.answered_at = utc_now()
    survey.answered_via = via
    survey.answer_message_id = message.id if message else None
    await session.flush()
    events.emit(
        session,
        survey.organization_id,
        "csat.received",
        CsatReceivedData.of(survey),
        conversation_id=survey.conversation_id,
    )
    audit.record(
        session,
        None,
        survey.organization_id,
        "csat.received",
        "conversation",
        survey.conversation_id,
        {"survey_id": str(survey.id), "score": score, "via": via},
        actor_type="automation" if via == "reply" else "system",
    )
    return survey


async def take_answer(session: Session, conversation: Conversation, message: Message) -> Answer | None:
    """If this buyer message answers the conversation's sent CSAT question with a score, record it
    (once per survey) and take the message out of the wait. None when it is not a rating."""
    if message.direction != "inbound" or message.author_kind != "buyer":
        return None
    survey = await repository.awaiting_answer(session, conversation.organization_id, conversation.id)
    if survey is None or survey.sent_at is None or message.sent_at < survey.sent_at:
        return None
    score = parse_score(message.body or "")
    if score is None:
        return None
    await _record(session, survey, score, "reply", message)
    message.no_response_needed = True
    message.meta = {**(message.meta or {}), "no_response_reason": NO_RESPONSE_REASON}
    changed = ["waiting_since"]
    if conversation.status != "resolved" and conversation.resolved_at is not None:
        # The rating reopened the conversation at ingest (any buyer message does; a person's reopening
        # clears resolved_at, and then it stays open); it asked nothing, so it goes back to resolved.
        conversation.status = "resolved"
        changed.append("status")
    await session.flush()
    await recompute_waiting(session, conversation)
    await sla_service.reconcile(session, conversation, stop_reason="no_response_needed", stop_message_id=message.id)
    events.emit(
        session,
        conversation.organization_id,
        "conversation.updated",
        ConversationUpdatedData.of(conversation, changed),
        conversation_id=conversation.id,
    )
    return Answer(survey, score)


async def answer_by_link(session: Session, token: str, score: int) -> CsatSurvey | None:
    """Record a score from the public survey page. None when the token is unknown; an already
    answered survey keeps its first answer (returned unchanged)."""
    survey = await repository.by_token_digest(session, token_digest(token), lock=True)
    if survey is None:
        return None
    if survey.state != "sent":
        return survey
    return await _record(session, survey, score, "link", None)


async def survey_for_token(session: Session, token: str) -> CsatSurvey | None:
    return await repository.by_token_digest(session, token_digest(token))


async def agent_averages(
    session: Session, organization_id: uuid.UUID, start: datetime, end: datetime
) -> dict[uuid.UUID, tuple[float, int]]:
    """Per agent: (average score, number of ratings) for questions sent in [start, end). For the
    agent-performance page to join on the agent's id; agents with no rating are absent."""
    rows = await repository.results(session, organization_id, "agent", start, end)
    return {
        r["key"]: (float(r["average"]), int(r["answered"]))
        for r in rows
        if r["key"] is not None and r["answered"] and r["average"] is not None
    }


# --------------------------------------------------------------------------------------
# Settings and results (the endpoints' operations)
# --------------------------------------------------------------------------------------

MAX_RANGE = timedelta(days=366)


def settings_view(row: CsatSettings | None) -> CsatSettingsRead:
    forms: dict[str, str] = {}
    for marketplace in MARKETPLACES:
        chosen = (row.forms or {}).get(marketplace) if row else None
        forms[marketplace] = chosen or default_form(marketplace) or "none"
    return CsatSettingsRead(
        enabled=bool(row and row.enabled),
        delay_minutes=row.delay_minutes if row else 60,
        forms=forms,
        ask_after_complaint=bool(row and row.ask_after_complaint),
        questions={lang: question_text(row, lang) for lang in LANGUAGES},
    )


async def read_settings(session: Session, organization_id: uuid.UUID) -> CsatSettingsRead:
    return settings_view(await repository.settings(session, organization_id))


async def update_settings(session: Session, principal: Principal, body: CsatSettingsUpdate) -> CsatSettingsRead:
    """Validate everything before writing: a form a marketplace forbids and a question that breaks
    any marketplace's rules are refused with the field and the reason."""
    errors = []
    for marketplace, form in (body.forms or {}).items():
        if marketplace not in MARKETPLACES:
            errors.append(FieldError(field=f"body.forms.{marketplace}", reason="unknown marketplace"))
        elif not form_allowed(marketplace, form):
            rule = csat_rule(marketplace)
            allowed = ", ".join([*rule.forms, "off"])
            errors.append(
                FieldError(field=f"body.forms.{marketplace}", reason=f"not allowed (allowed: {allowed}): {rule.reason}")
            )
    for language, text in (body.questions or {}).items():
        field = f"body.questions.{language}"
        if language not in LANGUAGES:
            errors.append(FieldError(field=field, reason=f"unsupported language (one of {', '.join(LANGUAGES)})"))
            continue
        if len(text) > MAX_QUESTION_CHARS:
            errors.append(FieldError(field=field, reason=f"at most {MAX_QUESTION_CHARS} characters"))
            continue
        if not text.strip():
            continue
        for marketplace in MARKETPLACES:
            if not csat_rule(marketplace).forms:
                continue
            blocking = [v for v in check_proactive(text, marketplace) if v.severity == "error"]
            if blocking:
                errors.append(FieldError(field=field, reason=blocking[0].message))
                break
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.reason}" for e in errors), errors=errors)
    row = await repository.settings_for_update(session, principal.organization_id)
    before = settings_view(row).model_dump()
    if body.enabled is not None:
        row.enabled = body.enabled
    if body.delay_minutes is not None:
        row.delay_minutes = body.delay_minutes
    if body.forms is not None:
        row.forms = {**(row.forms or {}), **body.forms}
    if body.ask_after_complaint is not None:
        row.ask_after_complaint = body.ask_after_complaint
    if body.questions is not None:
        merged = {**(row.questions or {}), **body.questions}
        row.questions = {k: v for k, v in merged.items() if v.strip()}
    await session.flush()
    after = settings_view(row)
    changed = {k: v for k, v in after.model_dump().items() if before[k] != v}
    if changed:
        audit.record(
            session, principal, principal.organization_id, "csat.settings_updated", "organization", None, changed
        )
    return after


def check_range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Default: the last 30 days. A range over MAX_RANGE is refused with the maximum."""
    end = end or utc_now()
    start = start or end - timedelta(days=30)
    if start >= end:
        raise InvalidInput("The range is empty.", errors=field_error("query.from", "must be before `to`"))
    if end - start > MAX_RANGE:
        raise InvalidInput(
            f"The range is too long (at most {MAX_RANGE.days} days).",
            errors=field_error("query.to", f"at most {MAX_RANGE.days} days after `from`"),
        )
    return start, end


def sees_only_own(principal: Principal) -> bool:
    """An agent sees their own ratings; supervisors, admins and API keys see everyone's."""
    return principal.role == "agent"


async def results(
    session: Session,
    principal: Principal,
    group_by: str,
    start: datetime | None,
    end: datetime | None,
    marketplace: str | None = None,
) -> CsatResults:
    start, end = check_range(start, end)
    org = principal.organization_id
    own = principal.user_id if sees_only_own(principal) else None
    rows = await repository.results(session, org, group_by, start, end, agent_id=own, marketplace=marketplace)
    names = (
        await repository.user_names(session, org, [r["key"] for r in rows if r["key"] is not None])
        if group_by == "agent"
        else {}
    )
    groups = []
    for r in rows:
        key = r["key"]
        if group_by == "agent":
            label = names.get(key, "") if key is not None else "Unassigned"
        elif group_by == "marketplace":
            label = MARKETPLACE_NAMES.get(key, key)
        else:
            label = key
        groups.append(
            CsatGroupRead(
                key=None if key is None else str(key),
                label=label,
                sent=r["sent"],
                answered=r["answered"],
                response_rate=round(r["answered"] / r["sent"], 4) if r["sent"] else None,
                average=None if r["average"] is None else round(float(r["average"]), 2),
                distribution={str(n): r[f"s{n}"] for n in range(1, 6)},
            )
        )
    total_sent = sum(g.sent for g in groups)
    total_answered = sum(g.answered for g in groups)
    weighted = sum((g.average or 0) * g.answered for g in groups)
    return CsatResults(
        group_by=group_by,
        start=start,
        end=end,
        total_sent=total_sent,
        total_answered=total_answered,
        average=round(weighted / total_answered, 2) if total_answered else None,
        groups=groups,
    )


def survey_read(s: CsatSurvey) -> CsatSurveyRead:
    return CsatSurveyRead(
        id=s.id,
        conversation_id=s.conversation_id,
        marketplace=s.marketplace,
        order_id=s.order_external_id,
        agent_id=s.agent_id,
        category=s.category,
        state=s.state,
        allowed=s.state in ("scheduled", "sent", "answered"),
        form=s.form,
        reason=s.reason,
        source=s.source,
        language=s.language,
        resolved_at=s.resolved_at,
        due_at=s.due_at,
        sent_at=s.sent_at,
        message_id=s.message_id,
        score=s.score,
        answered_at=s.answered_at,
        answered_via=s.answered_via,
        answer_message_id=s.answer_message_id,
    )


async def for_conversation(
    session: Session, organization_id: uuid.UUID, conversation_id: uuid.UUID
) -> list[CsatSurveyRead]:
    await repository.conversation_exists(session, organization_id, conversation_id)
    return [survey_read(s) for s in await repository.for_conversation(session, organization_id, conversation_id)]


async def responses(
    session: Session, principal: Principal, start: datetime | None, end: datetime | None, limit: int
) -> list[CsatSurveyRead]:
    start, end = check_range(start, end)
    own = principal.user_id if sees_only_own(principal) else None
    rows = await repository.answered(session, principal.organization_id, start, end, agent_id=own, limit=limit)
    return [survey_read(s) for s in rows]
