"""The inbox list, sync feed and counts go from rows to JSON (api/conversation/rows.py) without ORM
entities or a Pydantic model per row. The JSON must stay what `ConversationRead` writes, field for
field and byte for byte: the generated frontend client and ERPs read it."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asyncpg.pgproto.pgproto import UUID as AsyncpgUUID
from sqlalchemy import event, select, text, update

from api.conversation import repository, rows, service
from api.conversation.schemas import ConversationPage, ConversationRead, ConversationSyncPage, ViewCounts
from api.conversation.views import COUNT_CAP
from api.customer.schemas import CustomerSummary
from api.kit.time import utc_now
from api.models import Conversation, Customer
from tests.helpers import make_channel, push

NIL = uuid.UUID(int=0)
NOW = datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=UTC)
UNICODE = 'Ünïcødé 退货 🚚 "quoted" back\\slash \u2028 line\tsep <b>&amp;</b> \x01'


def _row(**overrides: Any) -> dict[str, Any]:
    """A row as repository.LIST_COLUMNS (plus the joined customer columns) returns it."""
    base: dict[str, Any] = {
        "id": uuid.uuid4(),
        "channel_id": uuid.uuid4(),
        "marketplace": "walmart",
        "external_thread_id": "t-1",
        "subject": "Where is my order?",
        "category": "order_status",
        "priority": "normal",
        "status": "open",
        "labels": ["vip"],
        "assignee_id": uuid.uuid4(),
        "team_id": None,
        "unread": True,
        "waiting_since": NOW - timedelta(hours=3),
        "customer_id": None,
        "order_external_id": "111-3958185-1645065",
        "item_external_id": None,
        "last_message_at": NOW - timedelta(minutes=1),
        "last_message_preview": "Hello",
        "message_count": 3,
        "has_failed_delivery": False,
        "last_delivery_error": None,
        "spam_reason": None,
        "created_at": NOW - timedelta(days=2),
        "updated_at": NOW,
        "resolved_at": None,
        "sla_deadline": None,
        "sla_due_soon_at": None,
        "snoozed_at": None,
        "snoozed_until": None,
        **rows.NO_CUSTOMER,
    }
    base.update(overrides)
    return base


def _with_customer(**overrides: Any) -> dict[str, Any]:
    cid = uuid.uuid4()
    return _row(
        customer_id=cid,
        customer_found=cid,
        customer_display_name=overrides.pop("name", "Zoë 王"),
        customer_marketplace="amazon",
        customer_tier="high_value",
        **overrides,
    )


VARIED_ROWS = [
    _row(),
    _with_customer(),
    _with_customer(name=UNICODE, subject=UNICODE, last_message_preview=UNICODE, labels=[UNICODE, "返品", "b"]),
    _row(
        external_thread_id=None,
        labels=None,
        assignee_id=None,
        waiting_since=None,
        order_external_id=None,
        item_external_id=None,
        last_message_preview="",
        subject="",
        message_count=0,
    ),
    _row(labels=[], spam_reason="fraud", status="resolved", resolved_at=NOW, has_failed_delivery=True, unread=False),
    # SLA: every state, and timestamps with and without microseconds.
    _row(sla_deadline=NOW + timedelta(hours=5), sla_due_soon_at=NOW + timedelta(hours=1)),  # ok
    _row(sla_deadline=NOW + timedelta(hours=5), sla_due_soon_at=None),  # ok, no amber time
    _row(sla_deadline=NOW + timedelta(minutes=5), sla_due_soon_at=NOW - timedelta(minutes=1)),  # due_soon
    _row(sla_deadline=NOW, sla_due_soon_at=NOW - timedelta(hours=1)),  # overdue at the very instant
    _row(
        sla_deadline=datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
        sla_due_soon_at=datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
        last_message_at=datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
    ),
    _row(snoozed_at=NOW, snoozed_until=NOW + timedelta(hours=3)),  # snoozed until a time
    _row(snoozed_at=NOW, snoozed_until=None),  # snoozed until the buyer writes
    _row(team_id=uuid.uuid4(), priority="urgent", category="walmart_customer_care", message_count=2**31 - 1),
    # What asyncpg really returns for uuid columns: its own UUID subclass.
    _with_customer(
        id=AsyncpgUUID(str(uuid.uuid4())), channel_id=AsyncpgUUID(str(uuid.uuid4())), team_id=AsyncpgUUID(str(NIL))
    ),
    # A failed reply, explained (api/channel/failures.py).
    _row(has_failed_delivery=True, last_delivery_error="400 355007: Invalid or unrecognized conversation_id value."),
]


def _as_model(row: dict[str, Any], now: datetime) -> ConversationRead:
    """The path the list used to take: an ORM entity, then `service._read`, then the model."""
    fields = {k: v for k, v in row.items() if k in Conversation.__mapper__.columns}
    c = Conversation(**fields)
    customer = None
    if row["customer_found"] is not None:
        customer = CustomerSummary(
            id=row["customer_found"],
            display_name=row["customer_display_name"],
            marketplace=row["customer_marketplace"],
            tier=row["customer_tier"],
        )
    data = service._read(c, customer)
    data["sla_state"] = service.sla_service.state_at(c.sla_deadline, c.sla_due_soon_at, now)
    return ConversationRead.model_validate(data)


@pytest.mark.parametrize("row", VARIED_ROWS)
def test_a_row_serialises_exactly_as_the_model(row: dict[str, Any]) -> None:
    item = rows.list_item(row, NOW)
    model = _as_model(row, NOW)
    body = bytes(rows.json_response(item).body)
    assert json.loads(body) == model.model_dump(mode="json")  # same values ...
    assert list(item) == list(ConversationRead.model_fields)  # ... in the same order
    assert body == model.model_dump_json().encode()  # ... and the same bytes


def test_a_page_serialises_exactly_as_the_page_model() -> None:
    items = [rows.list_item(r, NOW) for r in VARIED_ROWS]
    models = [_as_model(r, NOW) for r in VARIED_ROWS]
    for cursor in (None, "abc.def"):
        body = rows.json_response({"items": items, "next_cursor": cursor}).body
        assert body == ConversationPage(items=models, next_cursor=cursor).model_dump_json().encode()
    body = rows.json_response({"items": items, "next_cursor": "x", "has_more": True}).body
    assert body == ConversationSyncPage(items=models, next_cursor="x", has_more=True).model_dump_json().encode()


def test_the_sla_state_is_the_one_the_filters_use() -> None:
    states = [rows.list_item(r, NOW)["sla_state"] for r in VARIED_ROWS[5:10]]
    assert states == ["ok", "ok", "due_soon", "overdue", "overdue"]


async def _varied_inbox(tenant, sessionmaker) -> list[str]:  # type: ignore[no-untyped-def]
    """Conversations through the real ingest, then edited into every shape a list item can take."""
    channel = await make_channel(tenant.api)
    a = await push(
        tenant.api, channel["id"], subject=UNICODE, body=UNICODE, buyer={"external_id": "b1", "name": UNICODE}
    )
    b = await push(tenant.api, channel["id"], order_id="111-0000000-0000001")
    c = await push(tenant.api, channel["id"], order_id=None)
    d = await push(tenant.api, channel["id"])
    await tenant.agent.patch(
        f"/v1/conversations/{a['conversation_id']}",
        json={"labels": ["vip", "返品"], "priority": "urgent", "assignee_id": str(tenant.agent_id)},
    )
    await tenant.agent.post(f"/v1/conversations/{b['conversation_id']}/read")
    await tenant.agent.post(f"/v1/conversations/{c['conversation_id']}/spam", json={"reason": "fraud"})
    now = utc_now()
    async with sessionmaker.begin() as s:
        await s.execute(  # due soon
            update(Conversation)
            .where(Conversation.id == b["conversation_id"])
            .values(sla_deadline=now + timedelta(minutes=30), sla_due_soon_at=now - timedelta(minutes=1))
        )
        await s.execute(  # overdue, without a customer
            update(Conversation)
            .where(Conversation.id == d["conversation_id"])
            .values(sla_deadline=now - timedelta(minutes=1), sla_due_soon_at=None, customer_id=None)
        )
    return [x["conversation_id"] for x in (a, b, c, d)]


async def _synced(client, want: set[str]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Sync pages until every wanted conversation came. The feed holds back changes while any
    transaction is open on the PostgreSQL server (other test runs share it): a few calls, at most."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(300):
        r = await client.get("/v1/conversations/sync", params={"cursor": cursor} if cursor else {})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if want <= {i["id"] for i in items}:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"the feed did not deliver {want}: {items}")


async def _model_items(sessionmaker, org_id, ids) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        found = list((await s.execute(select(Conversation).where(Conversation.id.in_(ids)))).scalars())
        models = await service.read_many(s, org_id, found)
    return {str(m.id): m.model_dump(mode="json") for m in models}


async def test_the_list_and_the_sync_feed_answer_what_the_model_would(tenant, sessionmaker):
    ids = await _varied_inbox(tenant, sessionmaker)
    expected = await _model_items(sessionmaker, tenant.org_id, ids)
    for params in ({"view": "all"}, {"view": "spam"}, {"sort": "deadline"}, {"q": "退货"}, {"view": "all", "limit": 1}):
        r = await tenant.api.get("/v1/conversations", params=params)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
        assert r.json()["items"], params
        for item in r.json()["items"]:
            # sla_state is computed at read time; none of these rows is near a boundary.
            assert item == expected[item["id"]], params
            assert list(item) == list(ConversationRead.model_fields)
    synced = await _synced(tenant.api, set(ids))
    assert {i["id"] for i in synced} == set(ids)
    for item in synced:
        assert item == expected[item["id"]]
    shapes = {i["id"]: i for i in synced}
    assert shapes[ids[0]]["customer"]["display_name"] == UNICODE and shapes[ids[0]]["labels"] == ["vip", "返品"]
    assert shapes[ids[1]]["sla_state"] == "due_soon" and shapes[ids[3]]["sla_state"] == "overdue"
    assert shapes[ids[3]]["customer"] is None and shapes[ids[2]]["spam_reason"] == "fraud"


async def test_a_customer_of_another_organization_is_never_joined(tenant, other_tenant, sessionmaker):
    (mine,) = (await _varied_inbox(tenant, sessionmaker))[:1]
    channel = await make_channel(other_tenant.api)
    theirs = await push(other_tenant.api, channel["id"])
    async with sessionmaker.begin() as s:
        foreign = await s.execute(select(Conversation.customer_id).where(Conversation.id == theirs["conversation_id"]))
        await s.execute(update(Conversation).where(Conversation.id == mine).values(customer_id=foreign.scalar_one()))
    listed = {i["id"]: i for i in (await tenant.api.get("/v1/conversations")).json()["items"]}
    synced = {i["id"]: i for i in await _synced(tenant.api, {mine})}
    assert listed[mine]["customer"] is None and synced[mine]["customer"] is None


async def test_counts_answer_what_the_model_would(tenant, sessionmaker):
    await _varied_inbox(tenant, sessionmaker)
    r = await tenant.api.get("/v1/conversations/counts")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    expected = ViewCounts(
        cap=COUNT_CAP, all=3, unread=2, response_needed=3, customer_care=0, failed=0, spam=1, snoozed=0
    )
    assert r.content == expected.model_dump_json().encode()


async def test_the_list_builds_no_entities_and_runs_one_statement(tenant, sessionmaker, app):
    """The regression this module exists for: a page of the inbox is one statement (the customer
    summaries joined to it) and hydrates no ORM object."""
    await _varied_inbox(tenant, sessionmaker)
    statements: list[str] = []
    loaded: list[object] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM conversations" in statement or "FROM customers" in statement:
            statements.append(statement)

    def on_load(target, context):  # type: ignore[no-untyped-def]
        loaded.append(target)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(Conversation, "load", on_load)
    event.listen(Customer, "load", on_load)
    try:
        # (A search that fills its page within the newest conversations is one statement too.)
        for params in ({"view": "all"}, {"sort": "deadline"}, {"q": "Hello", "limit": 1}):
            statements.clear()
            r = await tenant.api.get("/v1/conversations", params=params)
            assert r.status_code == 200 and r.json()["items"], params
            assert len(statements) == 1, (params, statements)
        statements.clear()
        assert (await tenant.api.get("/v1/conversations/counts")).status_code == 200
        assert len(statements) == 1
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(Conversation, "load", on_load)
        event.remove(Customer, "load", on_load)
    assert loaded == []


def test_list_columns_are_exactly_what_an_item_reads() -> None:
    """A column added to ConversationRead must be added to the select (and the other way round)."""
    selected = {c.key for c in repository.LIST_COLUMNS} | set(rows.NO_CUSTOMER)
    item = rows.list_item(_with_customer(), NOW)
    assert set(item) == set(ConversationRead.model_fields)
    row = _with_customer()
    assert set(row) == selected


async def test_the_list_and_counts_run_without_a_transaction(tenant, sessionmaker, app):
    """With the credential in the auth cache, the page and the counts are each one statement on an
    autocommit connection: no BEGIN and COMMIT round trips around them (api/conversation/repository.py).
    A search is the exception: its transaction scopes the setting that plans it per call."""
    await _varied_inbox(tenant, sessionmaker)
    levels: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM conversations" in statement:
            levels.append(conn.get_execution_options().get("isolation_level", "transaction"))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        for path, params in (
            ("/v1/conversations", {"view": "all"}),
            ("/v1/conversations", {"sort": "deadline"}),
            ("/v1/conversations/counts", {}),
        ):
            # The same call just before: the credential is then surely cached (its TTL is seconds).
            assert (await tenant.api.get(path, params=params)).status_code == 200
            levels.clear()
            assert (await tenant.api.get(path, params=params)).status_code == 200
            assert levels and set(levels) == {"AUTOCOMMIT"}, (path, params, levels)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


async def test_a_search_run_many_times_is_still_planned_for_its_words(tenant, sessionmaker, app):
    """PostgreSQL moves a prepared statement to one generic plan after five runs when that plan looks no
    worse; for a search it cannot know how much a word or an order prefix matches, and the generic plans
    it settled on were 2-4x slower at 200,000 conversations. Searches are planned per call
    (repository.PLAN_PER_CALL, scoped to their transaction): after sixteen of each kind, none ran a
    generic plan, and the setting did not outlive them."""
    await _varied_inbox(tenant, sessionmaker)
    words = (
        *("Hello", "111-39", "order", "退货", "where", "ship", "refund", "111-3958185"),
        *("hello", "111-3", "orders", "退", "where is", "shipping", "refunds", "111-395"),
    )
    for params in ({}, {"sort": "deadline"}):
        for q in words:
            assert (await tenant.api.get("/v1/conversations", params={**params, "q": q})).status_code == 200
    for q in words:
        assert (await tenant.api.get("/v1/conversations/counts", params={"q": q})).status_code == 200
    async with app.state.engine.connect() as conn:
        assert (await conn.exec_driver_sql("SHOW plan_cache_mode")).scalar() == "auto"
        plans = (
            await conn.exec_driver_sql(
                "SELECT count(*), coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
                "FROM pg_prepared_statements "
                "WHERE statement LIKE '%search_vector%' AND statement NOT LIKE '%pg_prepared_statements%'"
            )
        ).one()
    # The requests ran one after another, on this pooled connection or, if a background task opened a
    # second one meanwhile, on the two by turns: either way each search statement ran here more than
    # the five times after which PostgreSQL considers a generic plan.
    assert plans[0] >= 3 and plans[1] == 0 and plans[2] >= 3 * 6, plans


async def test_a_search_refuses_to_join_an_autocommit_read(tenant, sessionmaker):
    """Its plan mode is SET LOCAL, which an autocommit connection would ignore with a warning: a search
    after an autocommit read on the same session fails loudly instead of running generic plans."""
    from api.conversation.views import ConversationFilters

    async with sessionmaker() as session:
        await repository.customer_summaries(session, tenant.org_id, {uuid.uuid4()})
        with pytest.raises(RuntimeError, match="autocommit"):
            await repository.page(session, tenant.org_id, "all", ConversationFilters(q="hello"), None, 10)
    async with sessionmaker() as session:  # searching first is fine, and later reads join its transaction
        await repository.page(session, tenant.org_id, "all", ConversationFilters(q="hello"), None, 10)
        await repository.customer_summaries(session, tenant.org_id, {uuid.uuid4()})
        assert (await session.execute(text("SHOW plan_cache_mode"))).scalar() == "force_custom_plan"
        await session.rollback()
        assert (await session.execute(text("SHOW plan_cache_mode"))).scalar() == "auto"
