"""GET /v1/conversations/sync: the change feed ERPs mirror conversations from. It must never miss a
conversation that changes while (or after) a client pages, however concurrent transactions commit."""

import asyncio
import random
import uuid

from sqlalchemy import text

from tests.helpers import make_channel, push


async def _conversations(tenant, n):
    channel = await make_channel(tenant.api)
    return [(await push(tenant.api, channel["id"]))["conversation_id"] for _ in range(n)]


async def _page(client, cursor=None, limit=100, **params):
    r = await client.get(
        "/v1/conversations/sync", params={"limit": limit, **({"cursor": cursor} if cursor else {}), **params}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"], "the feed always says where to resume"
    return body


async def _collect(client, cursor, want, limit=100):
    """Items from the feed until `want` conversations came and the feed says nothing more is ready.

    The feed holds back changes of transactions still open anywhere on the PostgreSQL server (other
    test runs share it), so a change can take a few calls to appear; it is never skipped."""
    items = []
    for _ in range(300):
        page = await _page(client, cursor, limit=limit)
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if len({x["id"] for x in items}) >= want and not page["has_more"]:
            return items, cursor
        if not page["has_more"]:
            await asyncio.sleep(0.05)
    raise AssertionError(f"the feed did not deliver {want} conversations: {items}")


async def _set_label(session, conversation_id, label):
    await session.execute(
        text("UPDATE conversations SET labels = ARRAY[:label]::varchar(64)[] WHERE id = :id"),
        {"label": label, "id": uuid.UUID(conversation_id)},
    )


async def test_first_sync_then_only_changes(tenant, sessionmaker):
    ids = await _conversations(tenant, 5)
    items, cursor = await _collect(tenant.api, None, 5, limit=2)
    seen = [x["id"] for x in items]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert (await _page(tenant.api, cursor))["items"] == []  # caught up: nothing new
    async with sessionmaker.begin() as s:
        await _set_label(s, ids[2], "changed")
    changed, cursor = await _collect(tenant.api, cursor, 1)
    assert [x["id"] for x in changed] == [ids[2]] and changed[0]["labels"] == ["changed"]
    # A change through the API moves it too (the trigger stamps every write, ORM or SQL).
    r = await tenant.api.patch(f"/v1/conversations/{ids[4]}", json={"priority": "high"})
    assert r.status_code == 200, r.text
    after_patch, _ = await _collect(tenant.api, cursor, 1)
    assert [x["id"] for x in after_patch] == [ids[4]]


async def test_a_transaction_that_commits_late_is_not_skipped(tenant, sessionmaker):
    """The case a timestamp or sequence cursor gets wrong: transaction A writes first and commits
    last; B writes later and commits first. A client that read B's change and moved past it must
    still receive A's."""
    a_row, b_row = await _conversations(tenant, 2)
    _, cursor = await _collect(tenant.api, None, 2)
    async with sessionmaker() as a, sessionmaker() as b:
        await a.begin()
        await _set_label(a, a_row, "from-a")  # A takes its transaction id now
        await b.begin()
        await _set_label(b, b_row, "from-b")
        await b.commit()
        meanwhile = await _page(tenant.api, cursor)
        # B's change waits behind A, which is still running: delivering it now would move the
        # cursor past A's position.
        assert meanwhile["items"] == [] and not meanwhile["has_more"]
        cursor = meanwhile["next_cursor"]
        await a.commit()
    done, _ = await _collect(tenant.api, cursor, 2)
    assert {x["id"]: x["labels"] for x in done} == {a_row: ["from-a"], b_row: ["from-b"]}


async def test_paging_while_rows_change_concurrently_misses_nothing(tenant, sessionmaker):
    ids = await _conversations(tenant, 24)
    rnd = random.Random(17)
    latest = {}  # conversation -> the label of its last committed change
    mirror = {}  # what the client has: conversation -> label
    cursor = None
    version = 0
    held = None  # a transaction kept open across pages, committed later
    for round_ in range(30):
        page = await _page(tenant.api, cursor, limit=3)
        for item in page["items"]:
            mirror[item["id"]] = item["labels"][0] if item["labels"] else None
        cursor = page["next_cursor"]
        # Between pages: rows behind and ahead of the cursor change, in committed transactions...
        async with sessionmaker.begin() as s:
            # (not the row the open transaction holds locked: that would wait for it forever)
            for row in rnd.sample([i for i in ids if held is None or i != held[1]], 3):
                version += 1
                await _set_label(s, row, f"v{version}")
                latest[row] = f"v{version}"
        # ...and in one that stays open for a few pages and commits out of order.
        if held is None and round_ % 6 == 1:
            held_row = rnd.choice(ids)
            version += 1
            held = (sessionmaker(), held_row, f"v{version}", round_ + 3)
            await held[0].begin()
            await _set_label(held[0], held_row, held[2])
        elif held is not None and round_ == held[3]:
            await held[0].commit()
            await held[0].close()
            latest[held[1]] = held[2]
            held = None
    if held is not None:
        await held[0].commit()
        await held[0].close()
        latest[held[1]] = held[2]
    async with sessionmaker() as s:
        truth = dict((await s.execute(text("SELECT id::text, labels[1] FROM conversations"))).all())
    for _ in range(300):  # drain, until the held-back tail (other servers' transactions) arrives
        page = await _page(tenant.api, cursor, limit=3)
        for item in page["items"]:
            mirror[item["id"]] = item["labels"][0] if item["labels"] else None
        cursor = page["next_cursor"]
        if not page["has_more"] and mirror == truth:
            break
        if not page["has_more"]:
            await asyncio.sleep(0.05)
    assert set(mirror) == set(ids)
    assert {row: mirror[row] for row in latest} == latest
    assert mirror == truth


async def test_updated_since_starts_a_sync_and_cannot_resume_one(tenant, sessionmaker):
    old, new = await _conversations(tenant, 2)
    async with sessionmaker.begin() as s:
        await s.execute(
            text("UPDATE conversations SET updated_at = '2020-01-01' WHERE id = :id"), {"id": uuid.UUID(old)}
        )
    for _ in range(300):
        page = await _page(tenant.api, updated_since="2025-01-01T00:00:00Z")
        if page["items"]:
            break
        await asyncio.sleep(0.05)
    assert [x["id"] for x in page["items"]] == [new]
    r = await tenant.api.get(
        "/v1/conversations/sync", params={"cursor": page["next_cursor"], "updated_since": "2025-01-01T00:00:00Z"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.updated_since"


async def test_the_feed_is_per_organization(tenant, other_tenant):
    mine = await _conversations(tenant, 2)
    await _conversations(other_tenant, 2)
    items, _ = await _collect(tenant.api, None, 2)
    assert sorted(x["id"] for x in items) == sorted(mine)


async def _collect_messages(client, cursor, want, **params):
    items = []
    for _ in range(300):
        r = await client.get("/v1/messages/sync", params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if len({x["id"] for x in items}) >= want and not page["has_more"]:
            return items, cursor
        if not page["has_more"]:
            await asyncio.sleep(0.05)
    raise AssertionError(f"the feed did not deliver {want} messages: {items}")


async def test_the_message_feed_delivers_late_commits_and_binds_its_filters(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    first, second = [await push(tenant.api, channel["id"]) for _ in range(2)]
    items, cursor = await _collect_messages(tenant.api, None, 2, direction="inbound")
    assert {x["id"] for x in items} == {first["id"], second["id"]}
    edit = text("UPDATE messages SET no_response_needed = true WHERE id = :id")
    async with sessionmaker() as a, sessionmaker() as b:
        await a.begin()
        await a.execute(edit, {"id": uuid.UUID(first["id"])})  # writes first, commits last
        await b.begin()
        await b.execute(edit, {"id": uuid.UUID(second["id"])})
        await b.commit()
        r = await tenant.api.get("/v1/messages/sync", params={"cursor": cursor, "direction": "inbound"})
        assert r.json()["items"] == []
        cursor = r.json()["next_cursor"]
        await a.commit()
    done, cursor = await _collect_messages(tenant.api, cursor, 2, direction="inbound")
    assert {x["id"]: x["no_response_needed"] for x in done} == {first["id"]: True, second["id"]: True}
    other = await tenant.api.get("/v1/messages/sync", params={"cursor": cursor})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "query.cursor"
