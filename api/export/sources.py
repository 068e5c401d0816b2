"""What each kind of export reads: one SELECT per kind, its column names, and which columns carry
buyer contact data (masked per row for a masked role, api/privacy/masking.py).

Every statement is scoped to the organization and ordered by a unique key, so the worker can stream
it through a server-side cursor; none is ever materialised in Python."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from api import audit
from api.conversation.views import VIEWS, ConversationFilters
from api.export.formats import Masker
from api.models import AuditEntry, Case, Conversation, Customer, Message, MetricRollup, User
from api.privacy.masking import mask_email, mask_identifier, mask_phone


@dataclass(frozen=True)
class Requester:
    """Who the export is made for: the rows and buyer data they may see."""

    organization_id: uuid.UUID
    user_id: uuid.UUID | None
    supervises: bool  # supervisors, admins and API keys see every agent's figures


@dataclass(frozen=True)
class Source:
    columns: list[str]
    statement: Select[Any]
    masked: dict[str, Masker]

    def maskers(self) -> dict[int, Masker]:
        return {self.columns.index(name): fn for name, fn in self.masked.items()}


BUYER_MASKS: dict[str, Masker] = {
    "customer_name": mask_identifier,
    "buyer_id": mask_identifier,
    "customer_email": mask_email,
    "customer_phone": mask_phone,
}


def conversation_filters(raw: dict[str, Any], user_id: uuid.UUID | None) -> tuple[str, ConversationFilters]:
    """A stored `filter` (the inbox's filters) as the inbox list's predicates; `me` is the requester."""
    assignee = raw.get("assignee")
    assignee_id = None
    if assignee == "me":
        assignee_id = user_id
    elif assignee and assignee != "none":
        assignee_id = uuid.UUID(assignee)

    def as_uuid(key: str) -> uuid.UUID | None:
        return uuid.UUID(raw[key]) if raw.get(key) else None

    return raw.get("view") or "all", ConversationFilters(
        channel_id=as_uuid("channel_id"),
        marketplace=raw.get("marketplace"),
        assignee_id=assignee_id,
        unassigned=assignee == "none",
        team_id=as_uuid("team_id"),
        status=raw.get("status"),
        category=raw.get("category"),
        priority=raw.get("priority"),
        label=raw.get("label"),
        customer_id=as_uuid("customer_id"),
        sla_state=raw.get("sla_state"),
        q=raw.get("q"),
    )


def _between(column: Any, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    p: list[ColumnElement[bool]] = []
    if start is not None:
        p.append(column >= start)
    if end is not None:
        p.append(column < end)
    return p


def _conversation_predicates(req: Requester, raw: dict[str, Any]) -> list[ColumnElement[bool]]:
    view, filters = conversation_filters(raw, req.user_id)
    return [Conversation.organization_id == req.organization_id, VIEWS[view], *filters.predicates()]


def conversations(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    assignee = aliased(User)
    cols: list[Any] = [
        Conversation.id.label("id"),
        Conversation.created_at.label("created_at"),
        Conversation.marketplace.label("marketplace"),
        Conversation.channel_id.label("channel_id"),
        Conversation.status.label("status"),
        Conversation.priority.label("priority"),
        Conversation.category.label("category"),
        Conversation.subject.label("subject"),
        Conversation.order_external_id.label("order_id"),
        Conversation.labels.label("labels"),
        Conversation.assignee_id.label("assignee_id"),
        assignee.name.label("assignee_name"),
        Conversation.team_id.label("team_id"),
        Conversation.customer_id.label("customer_id"),
        Customer.display_name.label("customer_name"),
        Customer.external_buyer_id.label("buyer_id"),
        Customer.email.label("customer_email"),
        Customer.phone.label("customer_phone"),
        Conversation.message_count.label("message_count"),
        Conversation.first_inbound_at.label("first_inbound_at"),
        Conversation.last_message_at.label("last_message_at"),
        Conversation.resolved_at.label("resolved_at"),
        Conversation.spam_reason.label("spam_reason"),
    ]
    stmt = (
        select(*cols)
        .select_from(Conversation)
        .outerjoin(
            Customer,
            and_(Customer.id == Conversation.customer_id, Customer.organization_id == Conversation.organization_id),
        )
        .outerjoin(
            assignee,
            and_(assignee.id == Conversation.assignee_id, assignee.organization_id == Conversation.organization_id),
        )
        .where(*_conversation_predicates(req, filters), *_between(Conversation.created_at, start, end))
        .order_by(Conversation.id)
    )
    return Source([c.key for c in cols], stmt, BUYER_MASKS)


def messages(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    author = aliased(User)
    cols: list[Any] = [
        Message.id.label("id"),
        Message.conversation_id.label("conversation_id"),
        Conversation.marketplace.label("marketplace"),
        Conversation.order_external_id.label("order_id"),
        Message.sent_at.label("sent_at"),
        Message.direction.label("direction"),
        Message.author_kind.label("author_kind"),
        Message.author_user_id.label("author_user_id"),
        author.name.label("author_name"),
        Customer.display_name.label("customer_name"),
        Customer.external_buyer_id.label("buyer_id"),
        Message.subject.label("subject"),
        Message.body.label("body"),
        Message.delivery_status.label("delivery_status"),
    ]
    stmt = (
        select(*cols)
        .select_from(Message)
        .join(
            Conversation,
            and_(Conversation.id == Message.conversation_id, Conversation.organization_id == Message.organization_id),
        )
        .outerjoin(
            Customer,
            and_(Customer.id == Conversation.customer_id, Customer.organization_id == Conversation.organization_id),
        )
        .outerjoin(author, and_(author.id == Message.author_user_id, author.organization_id == Message.organization_id))
        .where(Message.organization_id == req.organization_id, *_between(Message.sent_at, start, end))
        .order_by(Message.id)
    )
    if filters:
        stmt = stmt.where(*_conversation_predicates(req, filters))
    masks = {k: v for k, v in BUYER_MASKS.items() if k in ("customer_name", "buyer_id")}
    return Source([c.key for c in cols], stmt, masks)


def cases(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    assignee = aliased(User)
    cols: list[Any] = [
        Case.id.label("id"),
        Case.created_at.label("created_at"),
        Case.kind.label("kind"),
        Case.state.label("state"),
        Case.source.label("source"),
        Case.marketplace.label("marketplace"),
        Case.conversation_id.label("conversation_id"),
        Case.order_external_id.label("order_id"),
        Case.reason.label("reason"),
        Case.currency.label("currency"),
        Case.amount.label("amount"),
        Case.refunded_amount.label("refunded_amount"),
        Case.marketplace_case_id.label("marketplace_case_id"),
        Case.assignee_id.label("assignee_id"),
        assignee.name.label("assignee_name"),
        Customer.display_name.label("customer_name"),
        Customer.external_buyer_id.label("buyer_id"),
        Customer.email.label("customer_email"),
        Customer.phone.label("customer_phone"),
        Case.due_at.label("due_at"),
        Case.marketplace_deadline.label("marketplace_deadline"),
        Case.closed_at.label("closed_at"),
    ]
    stmt = (
        select(*cols)
        .select_from(Case)
        .outerjoin(Customer, and_(Customer.id == Case.customer_id, Customer.organization_id == Case.organization_id))
        .outerjoin(assignee, and_(assignee.id == Case.assignee_id, assignee.organization_id == Case.organization_id))
        .where(Case.organization_id == req.organization_id, *_between(Case.created_at, start, end))
        .order_by(Case.id)
    )
    if filters.get("state"):
        stmt = stmt.where(Case.state.in_(filters["state"]))
    if filters.get("kind"):
        stmt = stmt.where(Case.kind == filters["kind"])
    if filters.get("marketplace"):
        stmt = stmt.where(Case.marketplace == filters["marketplace"])
    return Source([c.key for c in cols], stmt, BUYER_MASKS)


def customers(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    cols: list[Any] = [
        Customer.id.label("id"),
        Customer.created_at.label("created_at"),
        Customer.marketplace.label("marketplace"),
        Customer.external_buyer_id.label("buyer_id"),
        Customer.display_name.label("customer_name"),
        Customer.email.label("customer_email"),
        Customer.phone.label("customer_phone"),
        Customer.merged_into_id.label("merged_into_id"),
        Customer.tier.label("tier"),
        Customer.tags.label("tags"),
        Customer.updated_at.label("updated_at"),
    ]
    stmt = (
        select(*cols)
        .where(Customer.organization_id == req.organization_id, *_between(Customer.created_at, start, end))
        .order_by(Customer.id)
    )
    return Source([c.key for c in cols], stmt, BUYER_MASKS)


def audit_log(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    entity_type, entity_id = audit.split_target(filters.get("target"))
    cols: list[Any] = [
        AuditEntry.id.label("id"),
        AuditEntry.created_at.label("created_at"),
        AuditEntry.actor_type.label("actor_type"),
        AuditEntry.actor_id.label("actor_id"),
        AuditEntry.action.label("action"),
        AuditEntry.entity_type.label("entity_type"),
        AuditEntry.entity_id.label("entity_id"),
        AuditEntry.data.label("data"),
    ]
    stmt = (
        select(*cols)
        .where(
            *audit.predicates(
                req.organization_id,
                actor_type=filters.get("actor_type"),
                actor_id=filters.get("actor_id"),
                action=filters.get("action"),
                entity_type=entity_type,
                entity_id=entity_id,
                since=start,
                until=end,
            )
        )
        .order_by(AuditEntry.id)
    )
    return Source([c.key for c in cols], stmt, {})


def reports(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    """The hourly rollup rows behind every report (api/reports), with averages beside the sums."""
    agent = aliased(User)

    def avg(total: Any, count: Any) -> Any:
        return func.round(total / func.nullif(count, 0))

    cols: list[Any] = [
        MetricRollup.id.label("id"),
        MetricRollup.bucket.label("hour"),
        MetricRollup.marketplace.label("marketplace"),
        MetricRollup.channel_id.label("channel_id"),
        MetricRollup.category.label("category"),
        MetricRollup.agent_id.label("agent_id"),
        agent.name.label("agent_name"),
        MetricRollup.team_id.label("team_id"),
        MetricRollup.automated.label("automated"),
        MetricRollup.replies.label("replies"),
        MetricRollup.first_responses.label("first_responses"),
        avg(MetricRollup.frt_wall_sum, MetricRollup.first_responses).label("first_response_wall_avg_seconds"),
        avg(MetricRollup.frt_business_sum, MetricRollup.first_responses).label("first_response_business_avg_seconds"),
        MetricRollup.resolutions.label("resolutions"),
        MetricRollup.reopened.label("reopened"),
        avg(MetricRollup.resolution_wall_sum, MetricRollup.resolutions).label("resolution_wall_avg_seconds"),
        MetricRollup.sla_met.label("sla_met"),
        MetricRollup.sla_breached.label("sla_breached"),
        MetricRollup.backlog_delta.label("backlog_delta"),
    ]
    stmt = (
        select(*cols)
        .select_from(MetricRollup)
        .outerjoin(
            agent, and_(agent.id == MetricRollup.agent_id, agent.organization_id == MetricRollup.organization_id)
        )
        .where(MetricRollup.organization_id == req.organization_id, *_between(MetricRollup.bucket, start, end))
        .order_by(MetricRollup.id)
    )
    if not req.supervises:
        # An agent sees their own performance only (as GET /v1/reports does).
        stmt = stmt.where(MetricRollup.agent_id == req.user_id)
    if filters.get("agent_id"):
        stmt = stmt.where(MetricRollup.agent_id == uuid.UUID(filters["agent_id"]))
    if filters.get("marketplace"):
        stmt = stmt.where(MetricRollup.marketplace == filters["marketplace"])
    if filters.get("automated") is not None:
        stmt = stmt.where(MetricRollup.automated == filters["automated"])
    return Source([c.key for c in cols], stmt, {})


BUILDERS = {
    "conversations": conversations,
    "messages": messages,
    "cases": cases,
    "customers": customers,
    "audit": audit_log,
    "reports": reports,
}


def source_for(
    kind: str, req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None
) -> Source:
    return BUILDERS[kind](req, filters, start, end)
