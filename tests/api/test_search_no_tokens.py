"""A search with no searchable token (only punctuation or spaces) matches nothing, instead of
every conversation; word, Chinese and order-id prefix searches keep working."""

from api.kit.search import query_terms
from tests.helpers import make_channel, push


async def test_a_query_without_tokens_matches_nothing(tenant):
    channel = await make_channel(tenant.api)
    zh = await push(tenant.api, channel["id"], body="你好，我想退货。", subject="退货申请")
    order = await push(tenant.api, channel["id"], body="Where is it?", order_id="111-3958185-1645065")
    dashed = await push(tenant.api, channel["id"], body="hi", order_id="--7")

    async def found(q, **params):
        r = await tenant.api.get("/v1/conversations", params={"q": q, **params})
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]}

    for q in ("!!!", "  ", "'\"&|!():*", "—", "?"):
        assert query_terms(q) == []
        assert await found(q) == set(), q
        assert await found(q, sort="deadline") == set(), q
        counts = (await tenant.api.get("/v1/conversations/counts", params={"q": q})).json()
        assert counts["all"] == 0, (q, counts)
    # Punctuation is still a valid order-id prefix: it finds the ids that start with it.
    assert await found("--") == {dashed["conversation_id"]}
    assert await found("退货") == {zh["conversation_id"]}
    assert await found("111-39") == {order["conversation_id"]}
    assert await found("3958185") == {order["conversation_id"]}
    assert await found("!!! 退货") == {zh["conversation_id"]}  # punctuation beside a word is ignored
