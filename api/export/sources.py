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
    C = Conversation
    assignee = aliased(User)
    cols: list[Any] = [
        C.id.label("id"),
        C.created_at.label("created_at"),
        C.marketplace.label("marketplace"),
        C.channel_id.label("channel_id"),
        C.status.label("status"),
        C.priority.label("priority"),
        C.category.label("category"),
        C.subject.label("subject"),
        C.order_external_id.label("order_id"),
        C.labels.label("labels"),
        C.assignee_id.label("assignee_id"),
        assignee.name.label("assignee_name"),
        C.team_id.label("team_id"),
        C.customer_id.label("customer_id"),
        Customer.display_name.label("customer_name"),
        Customer.external_buyer_id.label("buyer_id"),
        Customer.email.label("customer_email"),
        Customer.phone.label("customer_phone"),
        C.message_count.label("message_count"),
        C.first_inbound_at.label("first_inbound_at"),
        C.last_message_at.label("last_message_at"),
        C.resolved_at.label("resolved_at"),
        C.spam_reason.label("spam_reason"),
    ]
    stmt = (
        select(*cols)
        .select_from(C)
        .outerjoin(Customer, and_(Customer.id == C.customer_id, Customer.organization_id == C.organization_id))
        .outerjoin(assignee, and_(assignee.id == C.assignee_id, assignee.organization_id == C.organization_id))
        .where(*_conversation_predicates(req, filters), *_between(C.created_at, start, end))
        .order_by(C.id)
    )
    return Source([c.key for c in cols], stmt, BUYER_MASKS)


def messages(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    M, C = Message, Conversation
    author = aliased(User)
    cols: list[Any] = [
        M.id.label("id"),
        M.conversation_id.label("conversation_id"),
        C.marketplace.label("marketplace"),
        C.order_external_id.label("order_id"),
        M.sent_at.label("sent_at"),
        M.direction.label("direction"),
        M.author_kind.label("author_kind"),
        M.author_user_id.label("author_user_id"),
        author.name.label("author_name"),
        Customer.display_name.label("customer_name"),
        Customer.external_buyer_id.label("buyer_id"),
        M.subject.label("subject"),
        M.body.label("body"),
        M.delivery_status.label("delivery_status"),
    ]
    stmt = (
        select(*cols)
        .select_from(M)
        .join(C, and_(C.id == M.conversation_id, C.organization_id == M.organization_id))
        .outerjoin(Customer, and_(Customer.id == C.customer_id, Customer.organization_id == C.organization_id))
        .outerjoin(author, and_(author.id == M.author_user_id, author.organization_id == M.organization_id))
        .where(M.organization_id == req.organization_id, *_between(M.sent_at, start, end))
        .order_by(M.id)
    )
    if filters:
        stmt = stmt.where(*_conversation_predicates(req, filters))
    masks = {k: v for k, v in BUYER_MASKS.items() if k in ("customer_name", "buyer_id")}
    return Source([c.key for c in cols], stmt, masks)


def cases(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    K = Case
    assignee = aliased(User)
    cols: list[Any] = [
        K.id.label("id"),
        K.created_at.label("created_at"),
        K.kind.label("kind"),
        K.state.label("state"),
        K.source.label("source"),
        K.marketplace.label("marketplace"),
        K.conversation_id.label("conversation_id"),
        K.order_external_id.label("order_id"),
        K.reason.label("reason"),
        K.currency.label("currency"),
        K.amount.label("amount"),
        K.refunded_amount.label("refunded_amount"),
        K.marketplace_case_id.label("marketplace_case_id"),
        K.assignee_id.label("assignee_id"),
        assignee.name.label("assignee_name"),
        Customer.display_name.label("customer_name"),
        Customer.external_buyer_id.label("buyer_id"),
        Customer.email.label("customer_email"),
        Customer.phone.label("customer_phone"),
        K.due_at.label("due_at"),
        K.marketplace_deadline.label("marketplace_deadline"),
        K.closed_at.label("closed_at"),
    ]
    stmt = (
        select(*cols)
        .select_from(K)
        .outerjoin(Customer, and_(Customer.id == K.customer_id, Customer.organization_id == K.organization_id))
        .outerjoin(assignee, and_(assignee.id == K.assignee_id, assignee.organization_id == K.organization_id))
        .where(K.organization_id == req.organization_id, *_between(K.created_at, start, end))
        .order_by(K.id)
    )
    if filters.get("state"):
        stmt = stmt.where(K.state.in_(filters["state"]))
    if filters.get("kind"):
        stmt = stmt.where(K.kind == filters["kind"])
    if filters.get("marketplace"):
        stmt = stmt.where(K.marketplace == filters["marketplace"])
    return Source([c.key for c in cols], stmt, BUYER_MASKS)


def customers(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    U = Customer
    cols: list[Any] = [
        U.id.label("id"),
        U.created_at.label("created_at"),
        U.marketplace.label("marketplace"),
        U.external_buyer_id.label("buyer_id"),
        U.display_name.label("customer_name"),
        U.email.label("customer_email"),
        U.phone.label("customer_phone"),
        U.merged_into_id.label("merged_into_id"),
        U.tier.label("tier"),
        U.tags.label("tags"),
        U.updated_at.label("updated_at"),
    ]
    stmt = (
        select(*cols)
        .where(U.organization_id == req.organization_id, *_between(U.created_at, start, end))
        .order_by(U.id)
    )
    return Source([c.key for c in cols], stmt, BUYER_MASKS)


def audit_log(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    A = AuditEntry
    entity_type, entity_id = audit.split_target(filters.get("target"))
    cols: list[Any] = [
        A.id.label("id"),
        A.created_at.label("created_at"),
        A.actor_type.label("actor_type"),
        A.actor_id.label("actor_id"),
        A.action.label("action"),
        A.entity_type.label("entity_type"),
        A.entity_id.label("entity_id"),
        A.data.label("data"),
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
        .order_by(A.id)
    )
    return Source([c.key for c in cols], stmt, {})


def reports(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    """The hourly rollup rows behind every report (api/reports), with averages beside the sums."""
    R = MetricRollup
    agent = aliased(User)

    def avg(total: Any, count: Any) -> Any:
        return func.round(total / func.nullif(count, 0))

    cols: list[Any] = [
        R.id.label("id"),
        R.bucket.label("hour"),
        R.marketplace.label("marketplace"),
        R.channel_id.label("channel_id"),
        R.category.label("category"),
        R.agent_id.label("agent_id"),
        agent.name.label("agent_name"),
        R.team_id.label("team_id"),
        R.automated.label("automated"),
        R.replies.label("replies"),
        R.first_responses.label("first_responses"),
        avg(R.frt_wall_sum, R.first_responses).label("first_response_wall_avg_seconds"),
        avg(R.frt_business_sum, R.first_responses).label("first_response_business_avg_seconds"),
        R.resolutions.label("resolutions"),
        R.reopened.label("reopened"),
        avg(R.resolution_wall_sum, R.resolutions).label("resolution_wall_avg_seconds"),
        R.sla_met.label("sla_met"),
        R.sla_breached.label("sla_breached"),
        R.backlog_delta.label("backlog_delta"),
    ]
    stmt = (
        select(*cols)
        .select_from(R)
        .outerjoin(agent, and_(agent.id == R.agent_id, agent.organization_id == R.organization_id))
        .where(R.organization_id == req.organization_id, *_between(R.bucket, start, end))
        .order_by(R.id)
    )
    if not req.supervises:
        # An agent sees their own performance only (as GET /v1/reports does).
        stmt = stmt.where(R.agent_id == req.user_id)
    if filters.get("agent_id"):
        stmt = stmt.where(R.agent_id == uuid.UUID(filters["agent_id"]))
    if filters.get("marketplace"):
        stmt = stmt.where(R.marketplace == filters["marketplace"])
    if filters.get("automated") is not None:
        stmt = stmt.where(R.automated == filters["automated"])
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
