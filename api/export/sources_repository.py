"""The SELECT behind each kind of export (api/export/sources.py says which of its columns carry buyer
data and which filters apply).

Every statement is scoped to the organization and ordered by a unique key, so the writer can stream it
through a server-side cursor (api/export/repository.py `stream_batches`); none is ever materialised
in Python. The label of each column is its name in the file."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from api.conversation.views import ConversationFilters
from api.conversation.views_repository import VIEWS, predicates
from api.kit.scoped import readable_columns, tenant_condition
from api.models import AuditEntry, Case, Conversation, Customer, Message, MetricRollup, User
from api.ops import audit_repository

# What the writer streams: an export's SELECT (the service layer holds it without naming SQLAlchemy).
ExportStatement: TypeAlias = Select[Any]


@dataclass(frozen=True)
class ExportQuery:
    """One export's SELECT and the names of its columns, in order."""

    columns: list[str]
    statement: ExportStatement


# The inbox's filters for a conversation or message export: a view name and the list's predicates.
ConversationFilter = tuple[str, ConversationFilters]


def _query(cols: list[Any], stmt: ExportStatement) -> ExportQuery:
    return ExportQuery([c.key for c in cols], stmt)


def _between(column: Any, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    p: list[ColumnElement[bool]] = []
    if start is not None:
        p.append(column >= start)
    if end is not None:
        p.append(column < end)
    return p


def _view_predicates(chosen: ConversationFilter) -> list[ColumnElement[bool]]:
    view, filters = chosen
    return [VIEWS[view], *predicates(filters)]


def _conversation_predicates(organization_id: uuid.UUID, chosen: ConversationFilter) -> list[ColumnElement[bool]]:
    return [tenant_condition(Conversation, organization_id), *_view_predicates(chosen)]


def conversations(
    organization_id: uuid.UUID, chosen: ConversationFilter, start: datetime | None, end: datetime | None
) -> ExportQuery:
    """The organization's conversations the inbox filter matches, created in [start, end), by id."""
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
        readable_columns(Conversation, organization_id, *cols)
        .outerjoin(
            Customer,
            and_(Customer.id == Conversation.customer_id, Customer.organization_id == Conversation.organization_id),
        )
        .outerjoin(
            assignee,
            and_(assignee.id == Conversation.assignee_id, assignee.organization_id == Conversation.organization_id),
        )
        .where(*_view_predicates(chosen), *_between(Conversation.created_at, start, end))
        .order_by(Conversation.id)
    )
    return _query(cols, stmt)


def messages(
    organization_id: uuid.UUID, chosen: ConversationFilter | None, start: datetime | None, end: datetime | None
) -> ExportQuery:
    """The organization's messages sent in [start, end), of the conversations the inbox filter
    matches (all conversations without one), by id."""
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
        readable_columns(Message, organization_id, *cols)
        .join(
            Conversation,
            and_(Conversation.id == Message.conversation_id, Conversation.organization_id == Message.organization_id),
        )
        .outerjoin(
            Customer,
            and_(Customer.id == Conversation.customer_id, Customer.organization_id == Conversation.organization_id),
        )
        .outerjoin(author, and_(author.id == Message.author_user_id, author.organization_id == Message.organization_id))
        .where(*_between(Message.sent_at, start, end))
        .order_by(Message.id)
    )
    if chosen is not None:
        stmt = stmt.where(*_conversation_predicates(organization_id, chosen))
    return _query(cols, stmt)


def cases(
    organization_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    *,
    states: list[str] | None,
    kind: str | None,
    marketplace: str | None,
) -> ExportQuery:
    """The organization's cases opened in [start, end), of these states, kind and marketplace, by id."""
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
        readable_columns(Case, organization_id, *cols)
        .outerjoin(Customer, and_(Customer.id == Case.customer_id, Customer.organization_id == Case.organization_id))
        .outerjoin(assignee, and_(assignee.id == Case.assignee_id, assignee.organization_id == Case.organization_id))
        .where(*_between(Case.created_at, start, end))
        .order_by(Case.id)
    )
    if states:
        stmt = stmt.where(Case.state.in_(states))
    if kind:
        stmt = stmt.where(Case.kind == kind)
    if marketplace:
        stmt = stmt.where(Case.marketplace == marketplace)
    return _query(cols, stmt)


def customers(organization_id: uuid.UUID, start: datetime | None, end: datetime | None) -> ExportQuery:
    """The organization's customers first seen in [start, end), by id."""
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
        readable_columns(Customer, organization_id, *cols)
        .where(*_between(Customer.created_at, start, end))
        .order_by(Customer.id)
    )
    return _query(cols, stmt)


def audit_log(
    organization_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    *,
    actor_type: str | None,
    actor_id: str | None,
    action: str | None,
    entity_type: str | None,
    entity_id: str | None,
) -> ExportQuery:
    """The organization's audit entries in [start, end) with the audit log's filters
    (`api.ops.audit_repository.predicates`, which carry the organization), by id."""
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
            *audit_repository.predicates(
                organization_id,
                actor_type=actor_type,
                actor_id=actor_id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                since=start,
                until=end,
            )
        )
        .order_by(AuditEntry.id)
    )
    return _query(cols, stmt)


def report_rollups(
    organization_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    *,
    own_agent_id: uuid.UUID | None,
    agent_id: uuid.UUID | None,
    marketplace: str | None,
    automated: bool | None,
) -> ExportQuery:
    """The organization's hourly rollup rows in [start, end) (api/reports), with averages beside the
    sums, by id. `own_agent_id` limits them to one agent's own figures (an agent's export);
    `agent_id`, `marketplace` and `automated` are the requested filters."""
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
        readable_columns(MetricRollup, organization_id, *cols)
        .outerjoin(
            agent, and_(agent.id == MetricRollup.agent_id, agent.organization_id == MetricRollup.organization_id)
        )
        .where(*_between(MetricRollup.bucket, start, end))
        .order_by(MetricRollup.id)
    )
    if own_agent_id is not None:
        stmt = stmt.where(MetricRollup.agent_id == own_agent_id)
    if agent_id is not None:
        stmt = stmt.where(MetricRollup.agent_id == agent_id)
    if marketplace:
        stmt = stmt.where(MetricRollup.marketplace == marketplace)
    if automated is not None:
        stmt = stmt.where(MetricRollup.automated == automated)
    return _query(cols, stmt)
