from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversation import views
from api.conversation.views import ConversationFilters
from api.conversation.views_repository import (
    COUNT_LIMIT,
    VIEWS,
    FilterShape,
    SearchShape,
    counts_columns,
    search_condition,
    search_shape,
    shape_predicates,
    shaped,
)
from api.kit import changefeed
from api.kit.errors import NotFound
from api.kit.scoped import TENANT_PARAMETER, Tenant, get_scoped, tenant_condition, tenant_parameter
from api.models import Conversation, Customer, Note, Reminder

# What a list item (`ConversationRead`, built by api/conversation/rows.py) needs and nothing more:
# no entity, no deferred or unused columns (search_vector, thread_key, classification...).
LIST_COLUMNS = (
    Conversation.id,
    Conversation.channel_id,
    Conversation.marketplace,
    Conversation.external_thread_id,
    Conversation.subject,
    Conversation.category,
    Conversation.priority,
    Conversation.status,
    Conversation.labels,
    Conversation.assignee_id,
    Conversation.team_id,
    Conversation.unread,
    Conversation.waiting_since,
    Conversation.customer_id,
    Conversation.order_external_id,
    Conversation.item_external_id,
    Conversation.last_message_at,
    Conversation.last_message_preview,
    Conversation.message_count,
    Conversation.has_failed_delivery,
    Conversation.last_delivery_error,
    Conversation.spam_reason,
    Conversation.created_at,
    Conversation.updated_at,
    Conversation.resolved_at,
    Conversation.sla_deadline,
    Conversation.sla_due_soon_at,
    Conversation.snoozed_at,
    Conversation.snoozed_until,
)


async def get(
    session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation:
    stmt = select(Conversation).where(
        Conversation.id == conversation_id, tenant_condition(Conversation, organization_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    conversation = (await session.execute(stmt)).scalar_one_or_none()
    if conversation is None:
        raise NotFound(f"No conversation {conversation_id}.")
    return conversation


async def find(session: AsyncSession, tenant: Tenant, conversation_id: uuid.UUID) -> Conversation | None:
    """The tenant's conversation with this id, or None (work outside a request, where a miss is no 404)."""
    return await get_scoped(session, Conversation, conversation_id, tenant)


async def claim_due_reminders(session: AsyncSession, now: datetime, limit: int) -> list[Reminder]:
    """Follow-up reminders due by `now` and not fired, oldest due first, locked (SKIP LOCKED) for
    firing. Every organization's: the automation loop fires them all."""
    stmt = (
        select(Reminder)
        .where(Reminder.fired_at.is_(None), Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    view: str,
    filters: ConversationFilters,
    after: tuple[Any, ...] | None,
    limit: int,
    sort: str = "last_message",
) -> list[RowMapping]:
    """Keyset-paginated (stable under inserts): newest activity first, or (`deadline`) the soonest
    deadline first, overdue on top, then the conversations with no running clock, newest first.

    Rows of LIST_COLUMNS plus the customer summary, in one statement (see _with_customers). Without a
    search, the statement is built once per shape (view, sort, which filters, which cursor) and then
    only executed with new parameters: building it, and matching its result columns to a cached
    compilation of an equal but new statement, cost more CPU than the rest of the request's SQL work."""
    shape, params = shaped(filters)
    cursor = None if after is None else ("activity" if sort != "deadline" else after[0])
    params.update({TENANT_PARAMETER: organization_id, "page_limit": limit})
    if after is not None:
        params.update({"after_at": after[-2], "after_id": after[-1]})
    if not filters.q:
        return (await _fetch(session, _page_statement(view, sort, shape, cursor), params))[:limit]
    searched, search_params = search_shape(filters.q)
    params.update(search_params)
    if sort != "deadline":
        return await _search_page(session, view, shape, cursor, searched, params, limit)
    stmt = _page_statement(view, sort, shape, cursor, searched)
    return (await _fetch(session, stmt, params, search=True))[:limit]


@lru_cache(maxsize=512)
def _page_statement(
    view: str, sort: str, shape: FilterShape, cursor: str | None, searched: SearchShape | None = None
) -> Executable:
    """The page's statement, built once per shape, its values bound parameters: the organization
    (`tenant_parameter`), the filters (`shape_predicates`), the search's (`search_condition`),
    `page_limit` and, after a cursor, `after_at` and `after_id`. `cursor` is None (first page),
    "activity" (after a (last_message_at, id)) or "deadline" (after an (sla_deadline, id))."""
    base = [*_conditions(view, shape), *([search_condition(searched)] if searched is not None else [])]
    if sort == "deadline":
        return _deadline_page(base, cursor)
    conditions = [*base, *_after_activity(cursor)]
    page_ids = select(Conversation.id).where(and_(*conditions)).order_by(*_inbox_order(Conversation)).limit(_LIMIT)
    return _with_customers(page_ids, _inbox_order)


def _conditions(view: str, shape: FilterShape) -> list[ColumnElement[bool]]:
    return [tenant_parameter(Conversation), VIEWS[view], *shape_predicates(shape)]


_AFTER = tuple_(bindparam("after_at", required=True), bindparam("after_id", required=True))
_LIMIT: BindParameter[int] = bindparam("page_limit", required=True)


def _after_activity(cursor: str | None) -> list[ColumnElement[bool]]:
    return [tuple_(Conversation.last_message_at, Conversation.id) < _AFTER] if cursor else []


def _deadline_page(base: list[Any], cursor: str | None) -> Executable:
    """Two ranges, each an index range scan, in one statement: conversations with a running clock
    by (deadline, id), then those without by inbox order. After a "deadline" cursor the first range
    starts after it; after an "activity" cursor only the second range is left."""
    untimed = [*base, Conversation.sla_deadline.is_(None)]
    if cursor == "activity":
        untimed += _after_activity(cursor)
        page_ids = select(Conversation.id).where(and_(*untimed)).order_by(*_inbox_order(Conversation)).limit(_LIMIT)
        return _with_customers(page_ids, _inbox_order)
    timed = [*base, Conversation.sla_deadline.is_not(None)]
    if cursor == "deadline":
        timed.append(tuple_(Conversation.sla_deadline, Conversation.id) > _AFTER)
    first = select(Conversation.id).where(and_(*timed)).order_by(*_deadline_order(Conversation)).limit(_LIMIT)
    then = select(Conversation.id).where(and_(*untimed)).order_by(*_inbox_order(Conversation)).limit(_LIMIT)
    both = select(union_all(first.subquery().select(), then.subquery().select()).subquery().c.id)
    return _with_customers(both, _deadline_then_activity)


def _deadline_then_activity(t: Any) -> tuple[Any, ...]:
    untimed = t.sla_deadline.is_(None)
    return (
        untimed.asc(),
        t.sla_deadline.asc(),
        case((untimed, t.last_message_at)).desc(),
        case((untimed, t.id)).desc(),
        t.id.asc(),
    )


def _inbox_order(t: Any) -> tuple[Any, ...]:
    return (t.last_message_at.desc(), t.id.desc())


def _deadline_order(t: Any) -> tuple[Any, ...]:
    return (t.sla_deadline.asc(), t.id.asc())


_CUSTOMER_COLUMNS = (
    Customer.id.label("customer_found"),
    Customer.display_name.label("customer_display_name"),
    Customer.marketplace.label("customer_marketplace"),
    Customer.tier.label("customer_tier"),
)


def _with_customers(page_ids: Select[*tuple[Any, ...]], order: Any) -> Executable:
    """The list columns and customer summaries of the rows `page_ids` chooses, in one statement.

    The page is chosen by id alone (index order and LIMIT inside), then joined to its rows and
    their customers: ~50 key lookups whatever plan the page takes, no second round trip. Choosing
    ids rather than all LIST_COLUMNS in the subquery also keeps building the statement cheap:
    SQLAlchemy copies every column a subquery exposes, per request (0.85 ms of CPU for 26, 0.35 ms
    for the whole statement like this). The organization is the statement's `tenant_parameter`."""
    p = page_ids.subquery("page")
    return (
        select(*LIST_COLUMNS, *_CUSTOMER_COLUMNS)
        .join_from(Conversation, p, Conversation.id == p.c.id)
        .outerjoin(Customer, and_(Customer.id == Conversation.customer_id, tenant_parameter(Customer)))
        .order_by(*order(Conversation))
    )


async def _fetch(
    session: AsyncSession, stmt: Executable, params: dict[str, Any] | None = None, *, search: bool = False
) -> list[RowMapping]:
    """One read statement on the session's connection, through Core rather than the ORM.

    The list and the counts are one statement each, so they need no transaction of their own: when
    the request has not started one yet (the usual case, the credential coming from the auth cache),
    the connection is taken in autocommit and the statement runs alone, without the BEGIN and COMMIT
    round trips (two of the three per request before, each a send and a wake-up of the server).
    `Connection.execute` also skips the ORM's result loading, which these rows of plain columns do not
    need. Inside a transaction already begun the statement simply joins it.

    A `search` is planned for its own words (PLAN_PER_CALL), which needs a transaction to scope the
    setting: three round trips more, against searches that take milliseconds to tens of them. The
    setting then holds for the rest of that transaction (the request's, when one was begun already)."""
    if search:
        connection = await session.connection()
        if connection.sync_connection is not None and (
            connection.sync_connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        ):
            # SET LOCAL would only draw a warning there and the search would quietly be planned generically.
            raise RuntimeError("a search cannot join an autocommit read of the same session; search first")
        await connection.execute(PLAN_PER_CALL)
    elif session.in_transaction():
        connection = await session.connection()
    else:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return list((await connection.execute(stmt, params)).mappings())


# A search statement is planned for the values it runs with, every time. asyncpg prepares every statement,
# and PostgreSQL moves a prepared statement to one generic plan after five runs when that plan's estimate
# is no worse than the custom ones'; for a search the estimate is a guess (it cannot know how much a
# LIKE prefix or a text query matches). At 200,000 conversations (benchmarks/inbox_list.py, 2026-12-08)
# the searches had settled on generic plans: an order id prefix took 67 ms (p50, the SQL alone) against
# 14.6 ms planned per call, a word matching 1 % 20 against 7.8 ms, one matching 0.01 % 37 against 17.
# Only searches: the list views are planned per call already (PostgreSQL finds no generic plan as
# cheap), and the other statements gain nothing from paying for their planning each time. LOCAL: the
# setting ends with the transaction and never stays on the pooled connection.
PLAN_PER_CALL = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def customer_summaries(
    session: AsyncSession, organization_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, RowMapping]:
    """`CustomerSummary` columns of these customers of the organization, by id."""
    if not ids:
        return {}
    stmt = select(*_CUSTOMER_COLUMNS).where(tenant_condition(Customer, organization_id), Customer.id.in_(ids))
    return {r["customer_found"]: r for r in await _fetch(session, stmt)}


async def changed_since(
    session: AsyncSession,
    organization_id: uuid.UUID,
    after: tuple[int, uuid.UUID] | None,
    limit: int,
    *,
    updated_since: datetime | None = None,
) -> tuple[list[RowMapping], tuple[int, uuid.UUID]]:
    """The organization's conversations in change order after `after` (see api/kit/changefeed.py),
    and where to resume, as rows of LIST_COLUMNS and `change_xid` (customers: customer_summaries).
    `updated_since` only narrows the first page of a new sync."""
    conditions = [tenant_condition(Conversation, organization_id)]
    if after is None and updated_since is not None:
        conditions.append(Conversation.updated_at >= updated_since)
    return await changefeed.changed_since(
        session, Conversation, conditions, after, limit, columns=(*LIST_COLUMNS, Conversation.change_xid)
    )


async def counts(session: AsyncSession, organization_id: uuid.UUID, filters: ConversationFilters) -> dict[str, int]:
    """Capped counts of every view; like the list, one statement per shape of filters, built once."""
    shape, params = shaped(filters)
    params.update({TENANT_PARAMETER: organization_id, COUNT_LIMIT: views.COUNT_CAP + 1})
    searched = None
    if filters.q:
        searched, search_params = search_shape(filters.q)
        params.update(search_params)
    stmt = _counts_statement(shape, searched)
    return dict((await _fetch(session, stmt, params, search=searched is not None))[0])


@lru_cache(maxsize=256)
def _counts_statement(shape: FilterShape, searched: SearchShape | None = None) -> Executable:
    extra = [*shape_predicates(shape), *([search_condition(searched)] if searched is not None else [])]
    return select(*counts_columns(tenant_parameter(Conversation), extra))


async def notes(session: AsyncSession, organization_id: uuid.UUID, conversation_id: uuid.UUID) -> list[Note]:
    result = await session.execute(
        select(Note)
        .where(tenant_condition(Note, organization_id), Note.conversation_id == conversation_id)
        .order_by(Note.created_at, Note.id)
    )
    return list(result.scalars())


async def for_customer(
    session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID, limit: int
) -> list[Conversation]:
    result = await session.execute(
        select(Conversation)
        .where(tenant_condition(Conversation, organization_id), Conversation.customer_id == customer_id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


# How many of the newest conversations a search first looks through (see _search_page).
SEARCH_WINDOW = 10_000


async def _search_page(
    session: AsyncSession,
    view: str,
    shape: FilterShape,
    cursor: str | None,
    searched: SearchShape,
    params: dict[str, Any],
    limit: int,
) -> list[RowMapping]:
    """Search in two steps, because the planner misjudges multi-word searches whose words are each
    common but rarely together: walking the inbox-order index then took a second at 1M rows.

    1. Look for matches among the newest SEARCH_WINDOW conversations of the view. If that fills the
       page, these are the newest matches overall, since everything outside the window is older.
       The window is read in inbox order and matched as it is read, so the scan stops at the page's
       last match: at 1M conversations a 1 % word takes 2 ms, and a word found nowhere in the window
       3.5 ms. (As `id IN (window)`, it took 12-13 ms whatever the word: PostgreSQL hashed the
       window's ids, then looked up each of the 10,000 conversations again by primary key.)
    2. Otherwise run the full search with the ordering hidden behind an expression, which steers
       PostgreSQL to the full-text index instead of the ordered scan.
    """
    first, full = _search_statements(view, shape, cursor, searched)
    rows = await _fetch(session, first, params, search=True)
    if len(rows) == limit:
        return rows
    # The first statement began the transaction and set its plan mode: the second joins it.
    return await _fetch(session, full, params)


@lru_cache(maxsize=512)
def _search_statements(
    view: str, shape: FilterShape, cursor: str | None, searched: SearchShape
) -> tuple[Executable, Executable]:
    """The two statements of _search_page, built once per shape: their values (the organization, the
    filters, the cursor, the words) are parameters. Building them per request took more CPU than the
    rest of the request's Python work."""
    without_q = [*_conditions(view, shape), *_after_activity(cursor)]
    newest = (
        select(
            Conversation.id, Conversation.last_message_at, Conversation.order_external_id, Conversation.search_vector
        )
        .where(and_(*without_q))
        .order_by(*_inbox_order(Conversation))
        .limit(SEARCH_WINDOW)
        .subquery("recent")
    )
    first = (
        select(newest.c.id).where(search_condition(searched, newest.c)).order_by(*_inbox_order(newest.c)).limit(_LIMIT)
    )
    full = (
        select(Conversation.id)
        .where(and_(*without_q), search_condition(searched))
        .order_by((Conversation.last_message_at + text("interval '0 s'")).desc(), Conversation.id.desc())
        .limit(_LIMIT)
    )
    return _with_customers(first, _inbox_order), _with_customers(full, _inbox_order)


# Snoozes (api/conversation/snooze.py decides when; these run the statements).


async def notify_snooze_loop(session: AsyncSession, channel: str) -> None:
    """NOTIFY the snooze loop (delivered at commit), so it re-reads the soonest wake-up."""
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})


async def wake_due_snoozes(session: AsyncSession, now: datetime, limit: int) -> list[Conversation]:
    """Clear the snoozes due at `now`, at most `limit`, across every organization (the snooze loop's
    sweep), and return the woken conversations as they are now. Rows another worker holds are
    skipped (it wakes them); a woken row no longer matches, so a second run finds nothing to do."""
    due = (
        select(Conversation.id)
        .where(Conversation.snoozed_at.is_not(None), Conversation.snoozed_until <= now)
        .order_by(Conversation.snoozed_until)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    woken = list(
        (
            await session.execute(
                update(Conversation)
                .where(Conversation.id.in_(due.scalar_subquery()), Conversation.snoozed_at.is_not(None))
                .values(snoozed_at=None, snoozed_until=None, snoozed_by_id=None)
                .returning(Conversation.id)
                .execution_options(synchronize_session=False)
            )
        ).scalars()
    )
    if not woken:
        return []
    return list(
        (
            await session.execute(
                select(Conversation).where(Conversation.id.in_(woken)).execution_options(populate_existing=True)
            )
        ).scalars()
    )


async def next_snooze_wake(session: AsyncSession) -> datetime | None:
    """The soonest timed wake-up of any organization's snooze (the loop sleeps until then)."""
    return (
        await session.execute(
            select(Conversation.snoozed_until)
            .where(Conversation.snoozed_at.is_not(None), Conversation.snoozed_until.is_not(None))
            .order_by(Conversation.snoozed_until)
            .limit(1)
        )
    ).scalar()
