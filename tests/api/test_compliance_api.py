"""The compliance linter at the API: live checks while typing, and enforcement on replies."""

from tests.helpers import make_channel, push


async def test_reply_with_outside_link_is_refused_with_reasons(tenant):
    channel = await make_channel(tenant.api, marketplace="amazon")
    msg = await push(tenant.api, channel["id"])
    text = "Please see https://my-shop.example/returns for details."
    r = await tenant.agent.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": text})
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"].endswith("compliance-violation")
    link = next(v for v in problem["violations"] if v["code"] == "external_link")
    assert text[link["start"] : link["end"]] == "https://my-shop.example/returns"
    assert problem["errors"][0]["field"] == "body.body"
    # Nothing was queued.
    out = await tenant.api.get("/v1/messages", params={"direction": "outbound"})
    assert out.json()["items"] == []


async def test_walmart_us_order_requires_english(tenant):
    channel = await make_channel(tenant.api, marketplace="walmart")
    await tenant.api.put("/v1/orders/WM-1", json={"marketplace": "walmart", "ship_to_country": "US"})
    msg = await push(tenant.api, channel["id"], order_id="WM-1")
    r = await tenant.agent.post(
        f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "您好，您的订单已经发货了，请耐心等待。"}
    )
    assert r.status_code == 422
    assert "not_english" in {v["code"] for v in r.json()["violations"]}
    ok = await tenant.agent.post(
        f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Hello, your order has shipped."}
    )
    assert ok.status_code == 201


async def test_check_endpoint_for_typing(tenant):
    r = await tenant.agent.post("/v1/compliance/check", json={"text": "email me at a@b.com", "marketplace": "amazon"})
    assert r.status_code == 200
    body = r.json()
    assert body["blocking"] is True
    assert [v["code"] for v in body["violations"]] == ["email_address"]
    r = await tenant.agent.post("/v1/compliance/check", json={"text": "Thanks!", "marketplace": "amazon"})
    assert r.json() == {"blocking": False, "violations": []}
    r = await tenant.agent.post("/v1/compliance/check", json={"text": "x"})
    assert r.status_code == 422
    rules = await tenant.agent.get("/v1/compliance/rules/amazon")
    assert "external_link" in {x["code"] for x in rules.json()}
