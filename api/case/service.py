"""After-sales cases: opening them, moving them through their state machine, and their details.

Other domains (bulk jobs, the ingest of marketplace notices, automation rules) call `open_case` and
`transition_case`; both take an optional principal (None for the system, with `actor_type` saying
which part of it) and never commit: the caller's transaction does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from api import audit
from api.attachment import repository as attachments
from api.auth.principal import Principal
from api.case import clock_rules, clocks, followup, marketplace, notices, repository, states
from api.case.schemas import (
    MAX_CASE_ATTACHMENTS,
    CaseAttachmentRef,
    CaseCreate,
    CaseDetail,
    CaseItem,
    CaseRead,
    CaseTransitionRead,
    CaseUpdate,
)
from api.channel.connectors.aftersales import MarketCase
from api.db import Session
from api.kit.errors import Conflict, FieldError, InvalidInput, field_error
from api.kit.ids import uuid7
from api.kit.time import utc_now
from api.models import Attachment, Case, CaseTransition, Conversation, Message, Order
from api.order import repository as order_repository
from api.outbox import events
from api.webhook.payloads import CaseData, CaseUpdatedData, ConversationUpdatedData


class CaseTransitionConflict(Conflict):
    problem_type = "case-transition-refused"
    title = "The case's state machine does not allow this transition"


@dataclass(frozen=True)
class Actor:
    """Who acts on a case: a principal (user or API key), or a part of the system."""

    principal: Principal | None = None
    actor_type: str | None = None  # automation | marketplace | system, when principal is None
    name: str = ""

    @property
    def type(self) -> str:
        return self.principal.actor_type if self.principal else (self.actor_type or "system")

    @property
    def id(self) -> str | None:
        return self.principal.actor_id if self.principal else None

    @property
    def display(self) -> str:
        return self.principal.name if self.principal else (self.name or self.type)


def _check_currency(order: Order | None, currency: str | None, amount: Decimal | None, field: str) -> str | None:
    """The case's currency: the order's; a different one is refused, a missing one is taken from it."""
    order_currency = order.currency if order else None
    if currency and order_currency and currency != order_currency:
        raise InvalidInput(
            f"The order is in {order_currency}; a case on it cannot be in {currency}.",
            errors=field_error(field, f"must be the order's currency {order_currency}"),
        )
    currency = currency or order_currency
    if amount is not None and currency is None:
        raise InvalidInput(
            "An amount needs a currency (the order has none on record).",
            errors=field_error(field, "required with an amount"),
        )
    return currency


async def _check_items(
    session: Session, order: Order | None, items: list[CaseItem], field: str
) -> list[dict[str, Any]]:
    """Case lines must be lines of the order (by SKU or item id) in at most the ordered quantity."""
    out = [i.model_dump(exclude_none=True) for i in items]
    if order is None:
        return out
    lines = (await order_repository.lines(session, [order.id]))[0][order.id]
    if not lines:
        return out
    problems: list[FieldError] = []
    for n, item in enumerate(items):
        line = next(
            (
                line
                for line in lines
                if (item.sku and line.sku == item.sku) or (item.item_id and line.item_external_id == item.item_id)
            ),
            None,
        )
        if line is None:
            problems.append(FieldError(field=f"{field}.{n}", reason="not a line of the order (match sku or item_id)"))
        elif item.quantity > line.quantity:
            problems.append(
                FieldError(field=f"{field}.{n}.quantity", reason=f"the order has {line.quantity} of this line")
            )
        else:
            out[n].setdefault("title", line.title)
    if problems:
        raise InvalidInput("The case's items do not match the order.", errors=problems)
    return out


async def _linked(session: Session, org: uuid.UUID, ids: list[uuid.UUID], field: str) -> list[uuid.UUID]:
    found = await repository.existing_conversation_ids(session, org, ids)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput("No such conversation.", errors=field_error(field, f"unknown: {', '.join(missing)}"))
    return list(dict.fromkeys(ids))


async def _attachment_ids(
    session: Session,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    ids: list[uuid.UUID],
    conversation_images: bool,
) -> list[uuid.UUID]:
    """The files a case is to link: the given ids (each a stored attachment of this organization;
    another organization's reads as unknown, 422 naming it), then the conversation's buyer images when
    asked. Duplicates count once. The rows stay locked until the commit, so the clean-up of unsent
    uploads cannot take one away meanwhile."""
    found = await attachments.many(session, organization_id, ids, lock=True)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            f"Unknown attachment(s): {', '.join(missing)}.",
            errors=[FieldError(field="body.attachment_ids", reason=f"unknown attachment {m}") for m in missing],
        )
    wanted = list(ids)
    if conversation_images:
        wanted += await attachments.conversation_images(session, organization_id, conversation_id)
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_CASE_ATTACHMENTS:
        field = "body.attach_conversation_images" if conversation_images else "body.attachment_ids"
        raise InvalidInput(
            f"A case links at most {MAX_CASE_ATTACHMENTS} files; this would be {len(wanted)}.",
            errors=field_error(field, f"at most {MAX_CASE_ATTACHMENTS} files on a case"),
        )
    return wanted


async def _order_of(session: Session, conversation: Conversation) -> Order | None:
    if conversation.order_id is None:
        return None
    return await order_repository.get(session, conversation.organization_id, conversation.order_id)


async def open_case(
    session: Session, actor: Actor, organization_id: uuid.UUID, data: CaseCreate, *, source: str
) -> tuple[Case, bool]:
    """Open a case (or return the one already opened for this marketplace case id); (case, created)."""
    conversation = await repository.conversation(session, organization_id, data.conversation_id)
    if data.marketplace_case_id:
        existing = await repository.by_marketplace_id(
            session, organization_id, conversation.marketplace, data.marketplace_case_id
        )
        if existing is not None:
            return existing, False
    order = await _order_of(session, conversation)
    currency = _check_currency(order, data.currency, data.amount, "body.currency")
    items = await _check_items(session, order, data.items, "body.items")
    linked = await _linked(session, organization_id, data.linked_conversation_ids, "body.linked_conversation_ids")
    files = await _attachment_ids(
        session, organization_id, conversation.id, data.attachment_ids, data.attach_conversation_images
    )
    settings = await repository.settings(session, organization_id)
    now = utc_now()
    target = clock_rules.handling_seconds(data.kind, settings.handling_seconds if settings else None)
    handling_due, timers = clock_rules.plan_timers(now, target, data.marketplace_deadline)
    case = Case(
        id=uuid7(),
        organization_id=organization_id,
        kind=data.kind,
        state=states.INITIAL,
        source=source,
        conversation_id=conversation.id,
        linked_conversation_ids=[i for i in linked if i != conversation.id],
        channel_id=conversation.channel_id,
        marketplace=conversation.marketplace,
        customer_id=conversation.customer_id,
        order_id=conversation.order_id,
        order_external_id=conversation.order_external_id,
        items=items,
        reason=data.reason,
        currency=currency,
        amount=data.amount,
        marketplace_case_id=data.marketplace_case_id,
        marketplace_deadline=data.marketplace_deadline,
        handling_due_at=handling_due,
        due_at=clock_rules.next_deadline(handling_due, data.marketplace_deadline),
        opened_by_type=actor.type,
        opened_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    _history(session, case, None, states.INITIAL, actor, data.reason, now)
    await clocks.schedule(session, organization_id, case.id, timers)
    await attachments.link_to_case(session, organization_id, case.id, files, actor.type, actor.id, now)
    opened: dict[str, Any] = {"kind": case.kind, "conversation_id": str(conversation.id), "source": source}
    if files:
        opened["attachments_added"] = [str(i) for i in files]
    audit.record(
        session,
        actor.principal,
        organization_id,
        "case.opened",
        "case",
        case.id,
        opened,
        actor_type=None if actor.principal else actor.type,
    )
    await session.flush()
    await session.refresh(case)
    events.emit(session, organization_id, "case.created", CaseData.of(case), conversation_id=case.conversation_id)
    return case, True


def _history(
    session: Session, case: Case, from_state: str | None, to_state: str, actor: Actor, reason: str, now: datetime
) -> None:
    session.add(
        CaseTransition(
            organization_id=case.organization_id,
            case_id=case.id,
            from_state=from_state,
            to_state=to_state,
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.display[:200],
            reason=reason,
            created_at=now,
        )
    )


async def transition_case(
    session: Session,
    actor: Actor,
    organization_id: uuid.UUID,
    case_id: uuid.UUID,
    to: str,
    reason: str = "",
    *,
    refunded_amount: Decimal | None = None,
) -> Case:
    """Move a case one step of its state machine, audited with who and why.

    Raises CaseTransitionConflict (409, naming the current and requested states) when the machine
    does not allow it, NotFound for a case of another organization. Locks the case row for the rest
    of the caller's transaction (the timer claim skips a locked case)."""
    case = await repository.get(session, organization_id, case_id, lock=True)
    try:
        states.check(case.kind, case.state, to)
    except states.TransitionRefused as exc:
        raise CaseTransitionConflict(
            str(exc),
            errors=field_error("body.to", f"not allowed from {case.state}"),
            extra={
                "current_state": case.state,
                "requested_state": to,
                "allowed": list(states.allowed_from(case.kind, case.state)),
            },
        ) from exc
    now = utc_now()
    from_state = case.state
    case.state = to
    case.version += 1
    case.updated_at = now
    if from_state == states.INITIAL:
        case.handled_at = now
        case.due_at = None
        await clocks.stop(session, case.id)
    if refunded_amount is not None:
        if case.currency is None:
            raise InvalidInput(
                "A refunded amount needs the case's currency (set `currency` first).",
                errors=field_error("body.refunded_amount", "the case has no currency"),
            )
        case.refunded_amount = refunded_amount
    elif to == "refunded" and case.refunded_amount is None:
        case.refunded_amount = case.amount
    if to == states.CLOSED:
        case.closed_at = now
        await followup.decide_on_close(session, case, now)
    _history(session, case, from_state, to, actor, reason, now)
    audit.record(
        session,
        actor.principal,
        organization_id,
        "case.transitioned",
        "case",
        case.id,
        {"from": from_state, "to": to, "reason": reason},
        actor_type=None if actor.principal else actor.type,
    )
    await session.flush()
    await session.refresh(case)
    changed = ["state"] + (["refunded_amount"] if refunded_amount is not None else [])
    payload = CaseUpdatedData(
        **CaseData.of(case).model_dump(),
        changed=changed,
        from_state=from_state,
        reason=reason,
        actor_type=actor.type,
        actor_id=actor.id,
    )
    events.emit(session, organization_id, "case.updated", payload, conversation_id=case.conversation_id)
    if to == states.CLOSED:
        events.emit(session, organization_id, "case.closed", CaseData.of(case), conversation_id=case.conversation_id)
    return case


async def update_case(
    session: Session, actor: Actor, organization_id: uuid.UUID, case_id: uuid.UUID, data: CaseUpdate
) -> Case:
    """Change details, then (if asked) transition; one transaction."""
    case = await repository.get(session, organization_id, case_id, lock=True)
    given = data.model_fields_set - {"state", "close", "reason", "attachment_ids", "attach_conversation_images"}
    changed: list[str] = []
    added, removed = await _update_attachments(session, actor, case, data)
    if added or removed:
        given |= {"attachments"}
    if given:
        conversation = await repository.conversation(session, organization_id, case.conversation_id)
        order = await _order_of(session, conversation)
        if "currency" in given or "amount" in given or "refunded_amount" in given:
            currency = data.currency if "currency" in given else case.currency
            amount = data.amount if "amount" in given else case.amount
            case.currency = _check_currency(order, currency, amount or data.refunded_amount, "body.currency")
        if "items" in given and data.items is not None:
            case.items = await _check_items(session, order, data.items, "body.items")
        if "linked_conversation_ids" in given and data.linked_conversation_ids is not None:
            linked = await _linked(
                session, organization_id, data.linked_conversation_ids, "body.linked_conversation_ids"
            )
            case.linked_conversation_ids = [i for i in linked if i != case.conversation_id]
        if "assignee_id" in given and data.assignee_id is not None:
            await _check_user(session, organization_id, data.assignee_id)
        for name in ("amount", "refunded_amount", "marketplace_case_id", "assignee_id"):
            if name in given:
                setattr(case, name, getattr(data, name))
        if "marketplace_deadline" in given:
            case.marketplace_deadline = data.marketplace_deadline
            if case.state == states.INITIAL:
                await _reschedule_deadline(session, case)
        changed = sorted(given)
        case.version += 1
        case.updated_at = utc_now()
        audit.record(
            session,
            actor.principal,
            organization_id,
            "case.updated",
            "case",
            case.id,
            {"changed": changed, **_attachment_change(added, removed)},
            actor_type=None if actor.principal else actor.type,
        )
        await session.flush()
        await session.refresh(case)
        payload = CaseUpdatedData(
            **CaseData.of(case).model_dump(),
            changed=changed,
            actor_type=actor.type,
            actor_id=actor.id,
            attachments_added=added,
            attachments_removed=removed,
        )
        events.emit(session, organization_id, "case.updated", payload, conversation_id=case.conversation_id)
    if data.close and data.state is None:
        raise InvalidInput(
            "`close` needs `state` (the outcome to record before closing).",
            errors=field_error("body.close", "needs state"),
        )
    if data.state is not None and data.state != case.state:
        reason = data.reason or ""
        case = await transition_case(session, actor, organization_id, case.id, data.state, reason)
    if data.close:
        case = await transition_case(session, actor, organization_id, case.id, states.CLOSED, data.reason or "")
    return case


async def _update_attachments(
    session: Session, actor: Actor, case: Case, data: CaseUpdate
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Apply `attachment_ids` (the whole list) and `attach_conversation_images`; (added, removed)."""
    replace = "attachment_ids" in data.model_fields_set and data.attachment_ids is not None
    conversation_images = bool(data.attach_conversation_images)
    if not replace and not conversation_images:
        return [], []
    org = case.organization_id
    current = await attachments.case_attachment_ids(session, org, case.id)
    base = list(data.attachment_ids or []) if replace else current
    # Only ids the case does not link yet are checked (and locked): the linked ones are its own.
    checked = await _attachment_ids(
        session, org, case.conversation_id, [i for i in base if i not in current], conversation_images
    )
    target = list(dict.fromkeys([*base, *checked]))
    if len(target) > MAX_CASE_ATTACHMENTS:
        raise InvalidInput(
            f"A case links at most {MAX_CASE_ATTACHMENTS} files; this would be {len(target)}.",
            errors=field_error("body.attachment_ids", f"at most {MAX_CASE_ATTACHMENTS} files on a case"),
        )
    added = [i for i in target if i not in current]
    removed = [i for i in current if i not in target]
    await attachments.unlink_from_case(session, org, case.id, removed)
    await attachments.link_to_case(session, org, case.id, added, actor.type, actor.id, utc_now())
    return added, removed


def _attachment_change(added: list[uuid.UUID], removed: list[uuid.UUID]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if added:
        out["attachments_added"] = [str(i) for i in added]
    if removed:
        out["attachments_removed"] = [str(i) for i in removed]
    return out


async def _check_user(session: Session, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    user = await repository.user(session, organization_id, user_id)
    if user is None or not user.is_active:
        raise InvalidInput("No such user.", errors=field_error("body.assignee_id", "no active user with this id"))


async def _reschedule_deadline(session: Session, case: Case) -> None:
    """A moved marketplace deadline moves its timers (the same rows, see clocks.SCHEDULE_SQL)."""
    deadline_tiers = [clock_rules.TIER_DEADLINE_DUE_SOON, clock_rules.TIER_DEADLINE_OVERDUE]
    await clocks.stop(session, case.id, deadline_tiers)
    if case.marketplace_deadline is not None:
        _, timers = clock_rules.plan_timers(case.created_at, 1, case.marketplace_deadline)
        await clocks.schedule(session, case.organization_id, case.id, [t for t in timers if t[0] in deadline_tiers])
    case.due_at = clock_rules.next_deadline(case.handling_due_at, case.marketplace_deadline)


async def _open_marketplace_case(
    session: Session, conversation: Conversation, found: notices.NoticeCase, record: MarketCase | None
) -> tuple[Case, bool]:
    """The case with the record's amount and order lines where they agree with the order on file
    (a marketplace's record is never refused: what does not match is left out, the case opens)."""
    base = {
        "conversation_id": conversation.id,
        "kind": found.kind,
        "reason": found.reason[:4000],
        "marketplace_case_id": found.marketplace_case_id,
        "marketplace_deadline": found.deadline,
    }
    actor = Actor(actor_type="marketplace", name=conversation.marketplace)
    tries: list[dict[str, Any]] = []
    if record is not None:
        money = {"amount": record.amount, "currency": record.currency} if record.amount is not None else {}
        tries += [{**money, "items": record.items}, money]
    tries.append({})
    for extra in tries:
        try:
            async with session.begin_nested():
                return await open_case(
                    session, actor, conversation.organization_id, CaseCreate(**base, **extra), source="marketplace"
                )
        except InvalidInput:
            continue
    raise AssertionError("unreachable: a case without amount or items is always valid")


async def sync_marketplace_case(session: Session, case: Case, record: MarketCase) -> list[str]:
    """Bring the case up to what the marketplace says: its deadline (while the case waits on the
    seller) and the steps its status implies (api/case/marketplace.py). Returns the states entered."""
    if case.state == states.INITIAL and record.deadline and record.deadline != case.marketplace_deadline:
        case.marketplace_deadline = record.deadline
        await _reschedule_deadline(session, case)
        await session.flush()
    wanted = marketplace.implied(record.source, record.status, bool(record.refunded))
    walk = marketplace.steps(case.kind, case.state, wanted)
    actor = Actor(actor_type="marketplace", name=record.marketplace)
    for to in walk:
        refunded = record.refunded if to == "refunded" and record.refunded is not None and case.currency else None
        case = await transition_case(
            session,
            actor,
            case.organization_id,
            case.id,
            to,
            f"{record.marketplace} {record.source.split('_', 1)[1]} {record.marketplace_case_id} is {record.status}",
            refunded_amount=refunded,
        )
    return walk


def read(case: Case, files: list[Attachment]) -> CaseRead:
    out = CaseRead.model_validate(case)
    out.allowed_transitions = list(states.allowed_from(case.kind, case.state))
    out.attachments = [CaseAttachmentRef.model_validate(attachments.case_ref(f)) for f in files]
    return out


async def read_many(session: Session, organization_id: uuid.UUID, cases: list[Case]) -> list[CaseRead]:
    files = await attachments.of_cases(session, organization_id, [c.id for c in cases])
    return [read(c, files[c.id]) for c in cases]


async def detail(session: Session, case: Case) -> CaseDetail:
    rows = await repository.history(session, case.organization_id, case.id)
    files = await attachments.of_case(session, case.organization_id, case.id)
    return CaseDetail(
        **read(case, files).model_dump(),
        history=[CaseTransitionRead.model_validate(r) for r in rows],
    )


async def open_from_notice(session: Session, conversation: Conversation, message: Message) -> Case | None:
    """A marketplace notice that opens a case (api/case/notices.py) becomes one, with the marketplace's
    deadline on its clock; its conversation then waits on the seller like a buyer message (Response
    Needed, high priority, return/refund) instead of being filed as a low-priority notice. Returns
    the new case, or None when the message opens none (or its case exists already)."""
    record_json = (message.meta or {}).get("marketplace_case")
    if isinstance(record_json, dict):
        # A record polled from the marketplace's after-sales API (api/sync/aftersales.py).
        record = MarketCase.from_json(record_json)
        found: notices.NoticeCase | None = notices.NoticeCase(
            kind=record.kind,
            marketplace_case_id=record.marketplace_case_id,
            deadline=record.deadline,
            reason=f"{message.subject}: {record.reason}".strip(": "),
        )
    else:
        record = None
        found = notices.recognise(
            conversation.marketplace, message.author_kind, message.subject or "", message.body, message.sent_at
        )
    if found is None:
        return None
    case, created = await _open_marketplace_case(session, conversation, found, record)
    if not created:
        return None
    changed = []
    if conversation.waiting_since is None:
        conversation.waiting_since = message.sent_at
        changed.append("waiting_since")
    if conversation.category != "return_refund":
        conversation.category = "return_refund"
        changed.append("category")
    if conversation.priority in ("low", "normal"):
        conversation.priority = "high"
        changed.append("priority")
    conversation.classification_reason = f"opened a {found.kind} case: {found.reason}"[:300]
    if changed:
        await session.flush()
        events.emit(
            session,
            conversation.organization_id,
            "conversation.updated",
            ConversationUpdatedData.of(conversation, changed),
            conversation_id=conversation.id,
        )
    return case
