"""The automation pipeline run by the worker on each inbound message: routing, then auto-reply rules.

Every rule that matches either fires or is suppressed, and both are recorded (AutomationRun, unique
per rule and message, so a job that runs twice acts once) with the reason. Guardrails: only buyer
messages trigger rules (never marketplace system mail, never RFC 3834 auto-submitted mail, never our
own messages, so no loops); at most once per conversation per cooldown; never when a person replied
moments ago; never on stale messages synced late; every automatic text passes the compliance linter.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from api import audit
from api.assignment import service as assignment
from api.automation import repository
from api.automation.classify import PRIORITY_RANK
from api.automation.explain import Part, action_english, blocked_english, run_detail, run_reason
from api.automation.matcher import MessageContext, evaluate
from api.case import repository as case_repository
from api.case import service as case_service
from api.case.schemas import CaseCreate
from api.compliance import service as compliance
from api.compliance.rules import has_blocking
from api.csat import service as csat
from api.customer import repository as customer_repository
from api.db import Session
from api.kit.time import utc_now
from api.message.outbound import queue_reply
from api.models import AutoReplyRule, Conversation, Message, Reminder
from api.notification import service as notifications
from api.outbox import events
from api.product_issue import service as product_issues
from api.sla import repository as sla_repository
from api.sla import service as sla_service
from api.sla.calendar import BusinessCalendar as Calendar
from api.template import pool as template_pool
from api.template import service as templates
from api.template.render import TemplateError
from api.webhook.payloads import ConversationData, ConversationUpdatedData

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=24)


async def process_message(session: Session, message: Message) -> None:
    """Route and run rules for one inbound message, then mark it processed. What the ingest pipeline
    decided for the message (api/message/pipeline.py: the customer's tier, whether it opened its
    conversation) is read from the message, not derived again."""
    conversation = await repository.lock_conversation(session, message)
    # Before the CSAT check: a rating gives no reason, and every buyer message is classified once here.
    await product_issues.record(session, conversation, message)
    if await csat.take_answer(session, conversation, message) is not None:
        # A rating of a resolved conversation: nothing to route, no rule to run on it.
        message.processed_at = utc_now()
        return
    decided = message.ingest_decision or {}
    tier = decided.get("customer_tier") or await _tier(session, conversation)
    await _follow_classification(session, conversation, message, decided.get("classification") or {})
    # A marketplace notice that opens an after-sales case (an eBay item-not-received or return request)
    # is routed like a buyer message: its conversation now waits on the seller.
    opened = (
        await case_service.open_from_notice(session, conversation, message) if message.author_kind == "system" else None
    )
    if (message.author_kind == "buyer" or opened is not None) and conversation.spam_reason is None:
        await assignment.route(session, conversation, f"{message.subject or ''}\n{message.body}", tier=tier)
    await run_rules(session, conversation, message, tier)
    message.processed_at = utc_now()


async def _follow_classification(
    session: Session, conversation: Conversation, message: Message, classified: dict[str, Any]
) -> None:
    """What ingest classified that outlives the conversation's first message: a risk in a later
    message (a threat, a safety hazard) raises the conversation's priority, and an automatic
    "no response needed" is recorded in the audit log with its reason. The labels were merged at
    ingest (api/message/pipeline.py), which is what picks the SLA policy."""
    reason = (message.meta or {}).get("no_response_reason")
    if message.no_response_needed and reason:
        audit.record(
            session,
            None,
            conversation.organization_id,
            "message.no_response_needed",
            "message",
            message.id,
            {"automatic": True, "reason": reason},
            actor_type="automation",
        )
    wanted = str(classified.get("priority") or "")
    if PRIORITY_RANK.get(wanted, -1) <= PRIORITY_RANK.get(conversation.priority, 0) or not classified.get("labels"):
        return
    before = conversation.priority
    conversation.priority = wanted
    await session.flush()
    events.emit(
        session,
        conversation.organization_id,
        "conversation.updated",
        ConversationUpdatedData.of(conversation, ["priority"]),
        conversation_id=conversation.id,
    )
    audit.record(
        session,
        None,
        conversation.organization_id,
        "conversation.priority_raised",
        "conversation",
        conversation.id,
        {
            "from": before,
            "to": wanted,
            "message_id": str(message.id),
            "reason": classified.get("classification_reason"),
        },
        actor_type="automation",
    )
    await sla_service.reconcile(session, conversation)  # a priority may select another policy


async def _tier(session: Session, conversation: Conversation) -> str:
    """Messages stored before the pipeline kept its decision on them."""
    if not conversation.customer_id:
        return "standard"
    return await customer_repository.tier(session, conversation.organization_id, conversation.customer_id)


async def _calendar(session: Session, conversation: Conversation) -> Calendar | None:
    """The business calendar the SLA engine chose for the conversation, as its open internal clocks
    recorded it; chosen afresh only when no such clock runs (a policy without internal targets)."""
    for clock in await sla_repository.open_clocks(session, conversation.id, lock=False):
        if clock.kind not in sla_service.MARKETPLACE_RESPONSE:
            spec = clock.policy_snapshot.get("calendar")
            return Calendar.from_spec(**spec) if spec else None
    policy, _ = await sla_service.choose_policy(session, conversation)
    row = await sla_service.calendar_for(session, conversation.organization_id, policy, conversation.team_id)
    return sla_service.calendar_from_row(row) if row is not None else None


async def _first_message(session: Session, conversation: Conversation, message: Message) -> bool:
    decided = message.ingest_decision
    if decided is not None and "first_message" in decided:
        return bool(decided["first_message"])
    return not await repository.earlier_inbound(session, conversation, message)


async def _context(session: Session, conversation: Conversation, message: Message, tier: str) -> MessageContext:
    calendar = await _calendar(session, conversation)
    first = await _first_message(session, conversation, message)
    return MessageContext(
        text=f"{message.subject or ''}\n{message.body}",
        marketplace=conversation.marketplace,
        channel_id=str(conversation.channel_id),
        category=conversation.category,
        customer_tier=tier,
        first_message=bool(first),
        sent_at=message.sent_at,
        calendar=calendar,
        labels=frozenset(conversation.labels or []),
    )


async def _suppression(
    session: Session, rule: AutoReplyRule, conversation: Conversation, message: Message
) -> Part | None:
    now = utc_now()
    if message.author_kind != "buyer":  # marketplace system mail is never answered
        return Part("not_buyer", {"author_kind": message.author_kind})
    if (message.meta or {}).get("auto_submitted"):
        return Part("auto_submitted")
    if conversation.spam_reason is not None:
        return Part("spam_flagged")
    if _sends(rule) and _classified(message, conversation).get("category") == "spam_likely":
        # Answering spam confirms the address is read and invites more; a person decides instead.
        return Part("spam_likely")
    if message.no_response_needed:
        return Part("no_response_needed")
    if now - message.sent_at > STALE_AFTER:
        return Part("stale")
    quiet = timedelta(minutes=rule.quiet_after_agent_minutes)
    if await repository.person_replied_since(session, conversation, now - quiet):
        return Part("agent_recent", {"minutes": rule.quiet_after_agent_minutes})
    cooldown = timedelta(minutes=rule.cooldown_minutes)
    if await repository.fired_since(session, rule, conversation, now - cooldown):
        return Part("cooldown", {"minutes": rule.cooldown_minutes})
    return None


async def _record(
    session: Session,
    rule: AutoReplyRule,
    conversation: Conversation,
    message: Message,
    outcome: str,
    matched: list[Part],
    blocked: Part | None,
    actions: list[Part],
) -> bool:
    """Insert the run; False when this rule already handled this message (a repeated job)."""
    reason = run_reason(matched, blocked)
    done = [action_english(a) for a in actions]
    row = await repository.insert_run(
        session,
        conversation,
        rule_id=rule.id,
        message_id=message.id,
        outcome=outcome,
        reason=reason[:2000],
        reason_detail=run_detail(matched, blocked, actions),
        actions_done=done,
    )
    if row is not None:
        audit.record(
            session,
            None,
            conversation.organization_id,
            f"automation.{outcome}",
            "conversation",
            conversation.id,
            {
                "rule_id": str(rule.id),
                "rule": rule.name,
                "message_id": str(message.id),
                "reason": reason,
                "reason_detail": run_detail(matched, blocked, actions),
                "actions": done,
            },
            actor_type="automation",
        )
    return row is not None


async def run_rules(session: Session, conversation: Conversation, message: Message, tier: str | None = None) -> None:
    rules = await repository.active_rules(session, conversation.organization_id)
    if not rules:
        return
    ctx = await _context(session, conversation, message, tier or await _tier(session, conversation))
    for rule in rules:
        matched, why = evaluate(rule.conditions, ctx)
        if not matched or await repository.already_ran(session, rule, message):
            continue
        blocked = await _suppression(session, rule, conversation, message)
        if blocked:
            await _record(session, rule, conversation, message, "suppressed", why, blocked, [])
            continue
        try:
            done = await _apply_actions(session, rule, conversation, message)
        except _Suppressed as exc:
            await _record(session, rule, conversation, message, "suppressed", why, exc.part, [])
            continue
        await _record(session, rule, conversation, message, "fired", why, None, done)
        if rule.stop_after_match:
            break


class _Suppressed(Exception):
    def __init__(self, part: Part) -> None:
        super().__init__(blocked_english(part))
        self.part = part


def _sends(rule: AutoReplyRule) -> bool:
    return any(action.get("type") == "send_template" for action in rule.actions)


def _classified(message: Message, conversation: Conversation) -> dict[str, Any]:
    """The message's own classification as ingest decided it (category, language), else the conversation's."""
    decided = (message.ingest_decision or {}).get("classification") or {}
    return {
        "category": decided.get("category") or conversation.category,
        "language": decided.get("language") or conversation.language,
    }


async def _apply_actions(
    session: Session, rule: AutoReplyRule, conversation: Conversation, message: Message
) -> list[Part]:
    """Render and lint before changing anything, so a refused text suppresses the whole rule.
    A template goes out in the buyer's language when the library has that variant of it."""
    texts: dict[int, tuple[str, uuid.UUID, str]] = {}
    language = _classified(message, conversation)["language"]
    for i, action in enumerate(rule.actions):
        if action["type"] == "send_template":
            chosen = await templates.get(session, conversation.organization_id, uuid.UUID(str(action["template_id"])))
            template = await templates.variant_for(session, chosen, language)
            template_id = template.id
            try:
                # The same bounded renderer as previews: a separate process with a memory limit and a
                # hard timeout, so a hostile template suppresses this rule instead of stalling the worker.
                rendered = await template_pool.render(template.body, await templates.values_for(session, conversation))
            except TemplateError as exc:
                raise _Suppressed(Part("template_failed", {"template": template.name, "error": str(exc)})) from exc
            violations = await compliance.lint_for_conversation(session, conversation, rendered.text)
            if has_blocking(violations):
                errors, sent = [v for v in violations if v.severity == "error"], rendered.text
                raise _Suppressed(
                    Part(
                        "lint_refused",
                        {
                            "template": template.name,
                            "messages": "; ".join(v.message for v in errors),
                            # The SPA words each violation from its code, as the composer does.
                            "violations": [
                                {"code": v.code, "marketplace": v.marketplace, "excerpt": sent[v.start : v.end]}
                                for v in errors
                            ],
                        },
                    )
                )
            texts[i] = (rendered.text, template_id, template.language)
    done: list[Part] = []
    changed: list[str] = []
    manual = set(conversation.manual_fields or ())
    before = ConversationData.of(conversation).model_dump(mode="json")
    for i, action in enumerate(rule.actions):
        kind = action["type"]
        if kind == "send_template":
            text, template_id, template_language = texts[i]
            await queue_reply(session, None, conversation, text, author_kind="auto", template_id=template_id)
            await templates.count_use(session, template_id)
            done.append(Part("sent_template", {"template_id": str(template_id), "language": template_language}))
        elif kind == "add_label":
            # Adding never takes away a label a person set, so labels stay open to rules.
            label = str(action["label"])
            if label not in (conversation.labels or []):
                conversation.labels = [*(conversation.labels or []), label]
                changed.append("labels")
            done.append(Part("label", {"label": label}))
        elif kind == "set_priority":
            if "priority" in manual:
                done.append(Part("kept_priority", {"priority": conversation.priority}))
                continue
            conversation.priority = str(action["priority"])
            changed.append("priority")
            done.append(Part("priority", {"priority": conversation.priority}))
        elif kind == "assign":
            if manual & {"assignee_id", "team_id"}:
                done.append(Part("kept_assignee"))
                continue
            await _assign(session, rule, conversation, action)
            done.append(Part("assigned"))
        elif kind == "remind":
            minutes = int(action.get("after_minutes", 60))
            user_id = action.get("user_id") or conversation.assignee_id
            session.add(
                Reminder(
                    organization_id=conversation.organization_id,
                    conversation_id=conversation.id,
                    user_id=user_id,
                    team_id=None if user_id else conversation.team_id,
                    due_at=utc_now() + timedelta(minutes=minutes),
                    note=str(action.get("note") or f"Follow up: rule '{rule.name}'"),
                )
            )
            done.append(Part("reminder", {"minutes": minutes}))
        elif kind == "open_case":
            done.append(await _open_case(session, rule, conversation, action))
    if changed:
        await session.flush()
        events.emit(
            session,
            conversation.organization_id,
            "conversation.updated",
            ConversationUpdatedData.of(conversation, changed),
            conversation_id=conversation.id,
        )
        await sla_service.reconcile(session, conversation)  # a new priority or label may select another policy
    _audit_changes(session, rule, conversation, before)
    return done


def _audit_changes(session: Session, rule: AutoReplyRule, conversation: Conversation, before: dict[str, Any]) -> None:
    """The fields the rule changed, in the activity log's format of a person's change
    (`{field: {from, to}}`), with the rule that did it."""
    after = ConversationData.of(conversation).model_dump(mode="json")
    changes = {k: {"from": before[k], "to": after[k]} for k in ("priority", "labels", "assignee_id", "team_id")}
    changes = {k: v for k, v in changes.items() if v["from"] != v["to"]}
    if changes:
        audit.record(
            session,
            None,
            conversation.organization_id,
            "conversation.updated",
            "conversation",
            conversation.id,
            {**changes, "by_rule": rule.name},
            actor_type="automation",
        )


async def _open_case(session: Session, rule: AutoReplyRule, conversation: Conversation, action: dict[str, Any]) -> Part:
    kind = str(action["kind"])
    existing = await case_repository.open_of_kind(session, conversation.organization_id, conversation.id, kind)
    if existing is not None:
        return Part("case_already_open", {"kind": kind, "case_id": str(existing.id)})
    reason = str(action.get("reason") or f"opened by rule '{rule.name}'")
    case, _ = await case_service.open_case(
        session,
        case_service.Actor(actor_type="automation", name=f"rule '{rule.name}'"),
        conversation.organization_id,
        CaseCreate(conversation_id=conversation.id, kind=kind, reason=reason),  # type: ignore[arg-type]
        source="automation",
    )
    return Part("case_opened", {"kind": kind, "case_id": str(case.id)})


async def _assign(session: Session, rule: AutoReplyRule, conversation: Conversation, action: dict[str, Any]) -> None:
    previous = conversation.assignee_id
    if action.get("user_id"):
        user = await repository.user(session, conversation.organization_id, uuid.UUID(str(action["user_id"])))
        if user is not None and user.is_active:
            conversation.assignee_id = user.id
    elif action.get("team_id"):
        team = await repository.team(session, conversation.organization_id, uuid.UUID(str(action["team_id"])))
        if team is not None:
            conversation.assignee_id = None
            await assignment.assign_in_team(session, conversation, team.id)
    await session.flush()
    events.emit(
        session,
        conversation.organization_id,
        "conversation.assigned",
        ConversationData.of(conversation),
        conversation_id=conversation.id,
    )
    notifications.notify_assignment(session, conversation, previous, by="rule", by_name=rule.name)
