"""The inbox: views, counts, filters, search (Chinese included), pagination, triage, spam."""

import asyncio

from tests.helpers import make_channel, push


async def test_views_and_counts(tenant):
    channel = await make_channel(tenant.api)
    a = await push(tenant.api, channel["id"])
    b = await push(tenant.api, channel["id"])
    c = await push(tenant.api, channel["id"], order_id=None)
    await tenant.agent.post(f"/v1/conversations/{a['conversation_id']}/read")
    await tenant.agent.patch(f"/v1/conversations/{b['conversation_id']}", json={"category": "walmart_customer_care"})
    await tenant.agent.post(f"/v1/conversations/{c['conversation_id']}/spam", json={"reason": "fraud"})

    counts = (await tenant.api.get("/v1/conversations/counts")).json()
    assert counts == {
        "cap": 10_000,
        "all": 2,
        "unread": 1,
        "response_needed": 2,
        "customer_care": 1,
        "failed": 0,
        "spam": 1,
        "snoozed": 0,
    }
    ids = lambda r: {x["id"] for x in r.json()["items"]}  # noqa: E731
    assert ids(await tenant.api.get("/v1/conversations", params={"view": "unread"})) == {b["conversation_id"]}
    assert ids(await tenant.api.get("/v1/conversations", params={"view": "spam"})) == {c["conversation_id"]}
    assert c["conversation_id"] not in ids(await tenant.api.get("/v1/conversations"))


async def test_spam_rules(tenant):
    channel = await make_channel(tenant.api)
    order_msg = await push(tenant.api, channel["id"], order_id="111-0000000-0000001")
    r = await tenant.agent.post(f"/v1/conversations/{order_msg['conversation_id']}/spam", json={"reason": "spam"})
    assert r.status_code == 409 and "order" in r.json()["detail"]
    presale = await push(tenant.api, channel["id"])
    r = await tenant.agent.post(f"/v1/conversations/{presale['conversation_id']}/spam", json={"reason": "nonsense"})
    assert r.status_code == 422
    r = await tenant.agent.post(f"/v1/conversations/{presale['conversation_id']}/spam", json={"reason": "spam"})
    assert r.json()["spam_reason"] == "spam"
    # Replying brings it back.
    await tenant.agent.post(f"/v1/conversations/{presale['conversation_id']}/replies", json={"body": "Hello!"})
    r = await tenant.api.get("/v1/conversations", params={"view": "all"})
    assert presale["conversation_id"] in {x["id"] for x in r.json()["items"]}
    # Replied conversations can no longer be flagged.
    r = await tenant.agent.post(f"/v1/conversations/{presale['conversation_id']}/spam", json={"reason": "spam"})
    assert r.status_code == 409


async def test_an_automatic_acknowledgement_does_not_prevent_flagging_spam(tenant):
    # Out-of-hours spam gets the acknowledgement too; in the morning the agent must still flag it.
    channel = await make_channel(tenant.api)
    presale = await push(tenant.api, channel["id"], body="Cheap followers, visit my site")
    r = await tenant.api.post(
        f"/v1/conversations/{presale['conversation_id']}/replies",
        json={"body": "Thanks, we will reply soon.", "author_kind": "auto"},
    )
    assert r.status_code == 201, r.text
    r = await tenant.agent.post(f"/v1/conversations/{presale['conversation_id']}/spam", json={"reason": "spam"})
    assert r.status_code == 200 and r.json()["spam_reason"] == "spam", r.text


async def test_a_conversation_of_marketplace_notices_only_cannot_be_replied_to(tenant):
    channel = await make_channel(tenant.api)
    notice = await push(
        tenant.api, channel["id"], author_kind="system", body="Your listing was updated.", external_thread_id="n-1"
    )
    r = await tenant.agent.post(f"/v1/conversations/{notice['conversation_id']}/replies", json={"body": "Thanks"})
    assert r.status_code == 409 and r.json()["errors"][0]["reason"] == "marketplace notices only", r.text
    queued = (await tenant.api.get("/v1/messages", params={"direction": "outbound"})).json()["items"]
    assert queued == []  # refused before anything was queued
    # Once a buyer writes in the thread, it can be answered.
    await push(tenant.api, channel["id"], external_thread_id="n-1", body="Is it in stock?")
    r = await tenant.agent.post(f"/v1/conversations/{notice['conversation_id']}/replies", json={"body": "Yes"})
    assert r.status_code == 201, r.text


async def test_search_order_subject_name_and_chinese(tenant):
    channel = await make_channel(tenant.api)
    zh = await push(tenant.api, channel["id"], body="你好，我想退货，商品有破损。", subject="退货申请")
    en = await push(
        tenant.api,
        channel["id"],
        body="The lamp arrived broken",
        subject="Damaged lamp",
        buyer={"external_id": "b-77", "name": "Margarita Alvarez"},
        order_id="200012345678901",
    )

    async def found(q):
        r = await tenant.api.get("/v1/conversations", params={"q": q})
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]}

    assert await found("退货") == {zh["conversation_id"]}
    assert await found("破损") == {zh["conversation_id"]}
    assert await found("lamp broken") == {en["conversation_id"]}
    assert await found("margarita") == {en["conversation_id"]}
    assert await found("2000123") == {en["conversation_id"]}  # order id prefix
    assert await found("退款") == set()
    # Query syntax characters are data, never tsquery operators (and never a 500).
    r = await tenant.api.get("/v1/conversations", params={"q": "'\"&|!():*"})
    assert r.status_code == 200


async def test_cursor_pagination_is_complete_and_stable(tenant):
    channel = await make_channel(tenant.api)
    created = set()
    for i in range(7):
        m = await push(tenant.api, channel["id"], sent_at=f"2026-11-01T00:00:0{i}+00:00")
        created.add(m["conversation_id"])
    seen: list[str] = []
    cursor = None
    first_page = True
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        r = (await tenant.api.get("/v1/conversations", params=params)).json()
        seen += [x["id"] for x in r["items"]]
        if first_page:  # a message arriving mid-pagination does not shift later pages
            await push(tenant.api, channel["id"], sent_at="2026-11-02T00:00:00+00:00")
            first_page = False
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7 and set(seen) == created
    bad = await tenant.api.get("/v1/conversations", params={"cursor": "garbage!"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.cursor"
    too_big = await tenant.api.get("/v1/conversations", params={"limit": 201})
    assert too_big.status_code == 422


async def test_filters_and_triage_updates(tenant):
    channel = await make_channel(tenant.api)
    other = await make_channel(tenant.api, marketplace="walmart")
    a = await push(tenant.api, channel["id"])
    b = await push(tenant.api, other["id"])
    r = await tenant.agent.patch(
        f"/v1/conversations/{a['conversation_id']}",
        json={"assignee_id": str(tenant.agent_id), "priority": "high", "labels": ["vip", "退货"], "status": "pending"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["labels"] == ["vip", "退货"]
    q = lambda **p: tenant.api.get("/v1/conversations", params=p)  # noqa: E731
    assert [x["id"] for x in (await q(assignee=str(tenant.agent_id))).json()["items"]] == [a["conversation_id"]]
    assert [x["id"] for x in (await q(assignee="none")).json()["items"]] == [b["conversation_id"]]
    assert [
        x["id"] for x in (await tenant.agent.get("/v1/conversations", params={"assignee": "me"})).json()["items"]
    ] == [a["conversation_id"]]
    assert [x["id"] for x in (await q(marketplace="walmart")).json()["items"]] == [b["conversation_id"]]
    assert [x["id"] for x in (await q(priority="high", label="退货")).json()["items"]] == [a["conversation_id"]]
    assert [x["id"] for x in (await q(status="pending")).json()["items"]] == [a["conversation_id"]]
    r = await tenant.agent.patch(f"/v1/conversations/{a['conversation_id']}", json={"assignee_id": str(tenant.org_id)})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.assignee_id"
    r = await tenant.agent.patch(f"/v1/conversations/{a['conversation_id']}", json={"status": "closed"})
    assert r.status_code == 422


async def test_detail_notes_order_and_audit(tenant):
    channel = await make_channel(tenant.api)
    await tenant.api.put(
        "/v1/orders/ORD-9",
        json={
            "marketplace": "api",
            "status": "shipped",
            "currency": "USD",
            "total_amount": "19.99",
            "items": [{"title": "Desk lamp", "quantity": 1, "unit_price": "19.99", "sku": "L-1"}],
            "shipments": [{"carrier": "UPS", "tracking_number": "1Z999", "tracking_url": "https://ups.example/1Z999"}],
        },
    )
    m = await push(tenant.api, channel["id"], order_id="ORD-9")
    r = await tenant.agent.post(
        f"/v1/conversations/{m['conversation_id']}/notes",
        json={"body": "Called the buyer on WhatsApp", "kind": "offline_contact"},
    )
    assert r.status_code == 201
    detail = (await tenant.agent.get(f"/v1/conversations/{m['conversation_id']}")).json()
    assert detail["order"]["items"][0]["title"] == "Desk lamp"
    assert detail["order"]["shipments"][0]["tracking_number"] == "1Z999"
    assert detail["notes"][0]["kind"] == "offline_contact"
    assert detail["messages"][0]["body"] == m["body"]
    assert detail["customer_profile"]["display_name"].startswith("Buyer ")
    assert detail["customer"]["id"] == detail["customer_profile"]["id"]
    audit = (await tenant.admin.get("/v1/audit", params={"entity_type": "conversation"})).json()
    assert "note.created" in {e["action"] for e in audit["items"]}


async def test_concurrent_pushes_to_one_thread_create_one_conversation(tenant):
    channel = await make_channel(tenant.api)
    results = await asyncio.gather(
        *[
            tenant.api.post(
                f"/v1/channels/{channel['id']}/messages",
                json={
                    "external_message_id": f"c-{i}",
                    "external_thread_id": "same",
                    "buyer": {"external_id": "b"},
                    "body": f"msg {i}",
                    "sent_at": "2026-11-01T00:00:00+00:00",
                },
            )
            for i in range(10)
        ]
    )
    assert all(r.status_code == 201 for r in results)
    assert len({r.json()["conversation_id"] for r in results}) == 1
    conv = (await tenant.api.get(f"/v1/conversations/{results[0].json()['conversation_id']}")).json()
    assert conv["message_count"] == 10


async def test_counts_stop_at_the_cap(tenant, monkeypatch):
    import api.conversation.endpoints as endpoints
    import api.conversation.views as views

    monkeypatch.setattr(views, "COUNT_CAP", 2)
    monkeypatch.setattr(endpoints, "COUNT_CAP", 2)
    channel = await make_channel(tenant.api)
    for _ in range(4):
        await push(tenant.api, channel["id"])
    counts = (await tenant.api.get("/v1/conversations/counts")).json()
    assert counts["cap"] == 2 and counts["all"] == 3 and counts["spam"] == 0  # 3 = "more than 2"


async def test_search_falls_back_beyond_the_newest_window(tenant, monkeypatch):
    import api.conversation.repository as repository

    monkeypatch.setattr(repository, "SEARCH_WINDOW", 2)
    channel = await make_channel(tenant.api)
    old = await push(tenant.api, channel["id"], body="ceramic vase cracked", sent_at="2026-01-01T00:00:00+00:00")
    for i in range(3):
        await push(tenant.api, channel["id"], body=f"newer message {i}", sent_at=f"2026-06-0{i + 1}T00:00:00+00:00")
    r = await tenant.api.get("/v1/conversations", params={"q": "vase cracked"})
    assert [c["id"] for c in r.json()["items"]] == [old["conversation_id"]]


async def test_search_pages_through_the_newest_window_in_inbox_order(tenant, monkeypatch):
    """The window step (matches among the newest SEARCH_WINDOW conversations, read in inbox order)
    answers each page it can fill, the full search the rest: every match once, newest first, page
    after page, and each page from the step expected of it."""
    import api.conversation.repository as repository

    monkeypatch.setattr(repository, "SEARCH_WINDOW", 4)
    statements: list[int] = []
    fetch = repository._fetch

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        statements[-1] += 1
        return await fetch(*args, **kwargs)

    monkeypatch.setattr(repository, "_fetch", counted)
    channel = await make_channel(tenant.api)
    matching = []
    for day in range(1, 10):
        body = "a lamp, all fine" if day in (3, 7) else "the vase arrived cracked"
        pushed = await push(tenant.api, channel["id"], body=body, sent_at=f"2026-06-{day:02d}T00:00:00+00:00")
        if day not in (3, 7):
            matching.append(pushed["conversation_id"])
    seen: list[str] = []
    params: dict[str, str | int] = {"q": "vase", "limit": 2}
    for _ in range(10):
        statements.append(0)
        page = (await tenant.api.get("/v1/conversations", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == list(reversed(matching))  # days 9, 8, 6, 5, 4, 2, 1
    # Each page's window (the 4 newest after its cursor: days 9-6, 7-4, 4-1) holds the 3 matches a page of
    # 2 reads (2, and one more to know there is a next page); the last one's (day 1 alone) does not, and
    # the full search answers it.
    assert statements == [1, 1, 1, 2]
