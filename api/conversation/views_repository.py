"""The inbox views (modelled on Walmart's Message Center filters) and list filters, as SQL predicates.

The lists, the counts, bulk actions and exports all choose conversations with these; what each view
and filter means is named in api/conversation/views.py, the conditions that implement it live here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, and_, bindparam, false, func, literal_column, or_, select

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


# Each valued filter's condition, from its value: a literal (`predicates`) or a bound parameter of a
# statement built once per shape of filters (`shape_predicates`, the inbox list and counts).
_CONDITIONS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "channel_id": lambda v: Conversation.channel_id == v,
    "marketplace": lambda v: Conversation.marketplace == v,
    "assignee_id": lambda v: Conversation.assignee_id == v,
    "team_id": lambda v: Conversation.team_id == v,
    "status": lambda v: Conversation.status == v,
    "category": lambda v: Conversation.category == v,
    "priority": lambda v: Conversation.priority == v,
    "label": lambda v: Conversation.labels.contains(v),  # v: a one-element array
    "customer_id": lambda v: Conversation.customer_id == v,
}


@dataclass(frozen=True)
class FilterShape:
    """Which filters are set, without their values: the statements of one shape differ only in their
    parameters, so each shape's statement is built once (see api/conversation/repository.py)."""

    valued: tuple[str, ...] = ()
    unassigned: bool = False
    sla_state: str | None = None


def _values(filters: ConversationFilters) -> dict[str, Any]:
    """The valued filters that are set, as their conditions compare them."""
    values = {name: getattr(filters, name) for name in _CONDITIONS if getattr(filters, name)}
    if filters.unassigned:
        values.pop("assignee_id", None)  # "unassigned" wins over an assignee
    if "label" in values:
        values["label"] = [values["label"]]
    return values


def predicates(filters: ConversationFilters, *, with_search: bool = True) -> list[ColumnElement[bool]]:
    """The filters' conditions on Conversation (the view and the organization are the caller's)."""
    shape, params = shaped(filters)
    p = _shape_conditions(shape, lambda name: params[parameter_name(name)])
    if filters.q and with_search:
        p.append(search_predicate(filters.q))
    return p


def parameter_name(filter_name: str) -> str:
    return f"filter_{filter_name}"


def shaped(filters: ConversationFilters) -> tuple[FilterShape, dict[str, Any]]:
    """The filters (search aside) as a shape and the parameters its statement is executed with."""
    values = _values(filters)
    shape = FilterShape(tuple(values), filters.unassigned, filters.sla_state or None)
    return shape, {parameter_name(name): value for name, value in values.items()}


def shape_predicates(shape: FilterShape) -> list[ColumnElement[bool]]:
    """The conditions of a shape, each valued filter a bound parameter named `filter_<name>`."""
    return _shape_conditions(shape, lambda name: bindparam(parameter_name(name), required=True))


def _shape_conditions(shape: FilterShape, value: Callable[[str], Any]) -> list[ColumnElement[bool]]:
    """A shape's conditions, each valued filter compared with `value(name)` (a literal or a parameter)."""
    p = [_CONDITIONS[name](value(name)) for name in shape.valued]
    if shape.unassigned:
        p.append(Conversation.assignee_id.is_(None))
    if shape.sla_state:
        p.append(SLA_STATES[shape.sla_state])
    return p


def search_predicate(q: str, t: Any = Conversation) -> ColumnElement[bool]:
    """Order id prefix, or every query token in the conversation's index (subject, buyer, bodies).

    A query with no searchable token (`!!!`, `--`, spaces) matches no text: an empty AND of terms
    would otherwise be true and list every conversation. It is answered with no rows rather than a
    422 because it is still a valid order-id prefix (checked below), and because the inbox searches
    as the user types, where a first `#` or `-` must not flash an error.

    `t` is the conversations table or a subquery exposing `search_vector` and `order_external_id`.
    The values are bound in the predicate; the inbox's own statements take them as parameters instead
    (search_shape, search_condition), so that each shape of search is built once.
    """
    shape, params = search_shape(q)
    return search_condition(shape, t, lambda name: bindparam(None, params[name], type_=String))


@dataclass(frozen=True)
class SearchShape:
    """What a search's statement depends on besides its values: whether the text has searchable
    terms, and whether it could be an order id prefix (one token, no spaces)."""

    terms: bool
    prefix: bool


# The parameters a search's statement is executed with: the tsquery text and the LIKE pattern.
SEARCH_QUERY = "search_query"
SEARCH_PREFIX = "search_prefix"


def search_shape(q: str) -> tuple[SearchShape, dict[str, Any]]:
    """The search's shape and the parameters (SEARCH_QUERY, SEARCH_PREFIX) its statement runs with."""
    terms = query_terms(q)
    stripped = q.strip()
    prefix = bool(stripped) and " " not in stripped
    params: dict[str, Any] = {}
    if terms:
        params[SEARCH_QUERY] = to_tsquery_text(terms)
    if prefix:
        params[SEARCH_PREFIX] = stripped.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return SearchShape(bool(terms), prefix), params


def search_condition(
    shape: SearchShape, t: Any = Conversation, value: Callable[[str], Any] | None = None
) -> ColumnElement[bool]:
    """The condition of a search shape, its values the parameters SEARCH_QUERY and SEARCH_PREFIX (or
    `value(name)`)."""
    value = value or (lambda name: bindparam(name, type_=String, required=True))
    text_match: ColumnElement[bool] = (
        t.search_vector.op("@@")(func.to_tsquery("simple", value(SEARCH_QUERY))) if shape.terms else false()
    )
    if shape.prefix:
        return or_(t.order_external_id.like(value(SEARCH_PREFIX), escape="\\"), text_match)
    return text_match


# The bound parameter of the counts' cap: executed with the cap + 1 ("more than cap").
COUNT_LIMIT = "count_limit"


def counts_columns(scope: ColumnElement[bool], predicates: list[ColumnElement[bool]]) -> list[Any]:
    """One capped, index-friendly scalar subquery per view, each stopping after `:count_limit` rows;
    `scope` is the organization's condition (`tenant_condition` or `tenant_parameter`)."""
    columns = []
    for name, view in VIEWS.items():
        capped = (
            select(literal_column("1"))
            .select_from(Conversation)
            .where(scope, view, *predicates)
            .limit(bindparam(COUNT_LIMIT, required=True))
            .subquery()
        )
        columns.append(select(func.count()).select_from(capped).scalar_subquery().label(name))
    return columns
