"""The inbox views (modelled on Walmart's Message Center filters) and list filters, as SQL predicates.

The lists, the counts, bulk actions and exports all choose conversations with these; what each view
and filter means is named in api/conversation/views.py, the conditions that implement it live here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, func, literal_column, or_, select

from api.kit.scoped import tenant_condition
from api.kit.search import query_terms, to_tsquery_text
from api.models import Conversation

if TYPE_CHECKING:
    from api.conversation.views import ConversationFilters

# Written to match the partial indexes' predicates exactly (bare booleans, a literal category):
# `unread IS true` or a bound parameter would keep PostgreSQL from using them (measured at 1M
# conversations: the failed view went from a 418 ms sequential scan to 0.2 ms).
# A snoozed conversation leaves every list but "snoozed" until it wakes; the partial indexes say so too
# (migration 0017), so counts stay index-only scans.
_AWAKE = Conversation.snoozed_at.is_(None)
VIEWS: dict[str, ColumnElement[bool]] = {
    "all": and_(Conversation.spam_reason.is_(None), _AWAKE),
    "unread": and_(Conversation.unread, Conversation.spam_reason.is_(None), _AWAKE),
    "response_needed": and_(Conversation.waiting_since.is_not(None), Conversation.spam_reason.is_(None), _AWAKE),
    "customer_care": and_(
        Conversation.category == literal_column("'walmart_customer_care'"), Conversation.spam_reason.is_(None), _AWAKE
    ),
    "failed": and_(Conversation.has_failed_delivery, _AWAKE),
    "spam": and_(Conversation.spam_reason.is_not(None), _AWAKE),
    "snoozed": Conversation.snoozed_at.is_not(None),
}


_now = func.now()
# Evaluated in the database at query time, matching sla.service.state_at.
SLA_STATES: dict[str, ColumnElement[bool]] = {
    "none": Conversation.sla_deadline.is_(None),
    "ok": and_(
        Conversation.sla_deadline > _now,
        or_(Conversation.sla_due_soon_at.is_(None), Conversation.sla_due_soon_at > _now),
    ),
    "due_soon": and_(Conversation.sla_due_soon_at <= _now, Conversation.sla_deadline > _now),
    "overdue": Conversation.sla_deadline <= _now,
}


def predicates(filters: ConversationFilters, *, with_search: bool = True) -> list[ColumnElement[bool]]:
    """The filters' conditions on Conversation (the view and the organization are the caller's)."""
    p: list[ColumnElement[bool]] = []
    if filters.channel_id:
        p.append(Conversation.channel_id == filters.channel_id)
    if filters.marketplace:
        p.append(Conversation.marketplace == filters.marketplace)
    if filters.unassigned:
        p.append(Conversation.assignee_id.is_(None))
    elif filters.assignee_id:
        p.append(Conversation.assignee_id == filters.assignee_id)
    if filters.team_id:
        p.append(Conversation.team_id == filters.team_id)
    if filters.status:
        p.append(Conversation.status == filters.status)
    if filters.category:
        p.append(Conversation.category == filters.category)
    if filters.priority:
        p.append(Conversation.priority == filters.priority)
    if filters.label:
        p.append(Conversation.labels.contains([filters.label]))
    if filters.customer_id:
        p.append(Conversation.customer_id == filters.customer_id)
    if filters.sla_state:
        p.append(SLA_STATES[filters.sla_state])
    if filters.q and with_search:
        p.append(search_predicate(filters.q))
    return p


def search_predicate(q: str) -> ColumnElement[bool]:
    """Order id prefix, or every query token in the conversation's index (subject, buyer, bodies).

    A query with no searchable token (`!!!`, `--`, spaces) matches no text: an empty AND of terms
    would otherwise be true and list every conversation. It is answered with no rows rather than a
    422 because it is still a valid order-id prefix (checked below), and because the inbox searches
    as the user types, where a first `#` or `-` must not flash an error.
    """
    terms = query_terms(q)
    text_match: ColumnElement[bool] = (
        Conversation.search_vector.op("@@")(func.to_tsquery("simple", to_tsquery_text(terms))) if terms else false()
    )
    stripped = q.strip()
    if stripped and " " not in stripped:
        escaped = stripped.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return or_(Conversation.order_external_id.like(escaped + "%", escape="\\"), text_match)
    return text_match


def counts_columns(organization_id: Any, predicates: list[ColumnElement[bool]], cap: int) -> list[Any]:
    """One capped (at `cap` + 1, "more than cap"), index-friendly scalar subquery per view."""
    columns = []
    for name, view in VIEWS.items():
        capped = (
            select(literal_column("1"))
            .select_from(Conversation)
            .where(tenant_condition(Conversation, organization_id), view, *predicates)
            .limit(cap + 1)
            .subquery()
        )
        columns.append(select(func.count()).select_from(capped).scalar_subquery().label(name))
    return columns
