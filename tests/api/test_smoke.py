from tests.helpers import make_channel, push


async def test_readyz(client):
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_erp_round_trip(tenant):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"], order_id="111-3958185-1645065", body="Where is my order?")
    conv_id = msg["conversation_id"]

    r = await tenant.api.get("/v1/conversations", params={"view": "response_needed"})
    assert [c["id"] for c in r.json()["items"]] == [conv_id]
    r = await tenant.api.get("/v1/conversations", params={"q": "111-3958185"})
    assert [c["id"] for c in r.json()["items"]] == [conv_id]

    r = await tenant.agent.post(f"/v1/conversations/{conv_id}/replies", json={"body": "It ships today."})
    assert r.status_code == 201, r.text
    reply = r.json()
    assert reply["delivery_status"] == "queued"

    r = await tenant.api.get("/v1/messages", params={"direction": "outbound", "delivery_status": "queued"})
    assert [m["id"] for m in r.json()["items"]] == [reply["id"]]
    r = await tenant.api.post(
        f"/v1/messages/{reply['id']}/delivery", json={"status": "sent", "external_message_id": "out-1"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["delivery_status"] == "sent"

    r = await tenant.api.get("/v1/conversations", params={"view": "response_needed"})
    assert r.json()["items"] == []


async def test_every_response_carries_server_time(client):
    import time

    before = int(time.time() * 1000)
    r = await client.get("/healthz")
    after = int(time.time() * 1000) + 1  # the header is whole milliseconds; the clock read is not
    # Order, not a tolerance: the server's clock was read while the request was in flight.
    assert before <= int(r.headers["x-server-time"]) <= after
