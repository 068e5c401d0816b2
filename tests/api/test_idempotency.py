"""Idempotency-Key on POST: replay, mismatch (422), in flight (409)."""

from sqlalchemy.dialects.postgresql import insert

from api.kit.crypto import token_digest
from api.models import IdempotencyRecord
from tests.helpers import inbound, make_channel


async def test_same_key_same_body_replays(tenant):
    channel = await make_channel(tenant.api)
    payload = inbound()
    h = {"Idempotency-Key": "k-1"}
    first = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload, headers=h)
    second = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=payload, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"


async def test_reply_with_key_creates_one_message(tenant):
    channel = await make_channel(tenant.api)
    msg = (await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound())).json()
    h = {"Idempotency-Key": "reply-1"}
    for _ in range(3):
        r = await tenant.api.post(f"/v1/conversations/{msg['conversation_id']}/replies", json={"body": "Hi"}, headers=h)
        assert r.status_code == 201
    out = await tenant.api.get("/v1/messages", params={"direction": "outbound"})
    assert len(out.json()["items"]) == 1


async def test_same_key_other_body_is_422(tenant):
    channel = await make_channel(tenant.api)
    h = {"Idempotency-Key": "k-2"}
    await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(), headers=h)
    r = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(), headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_key_in_flight_is_409(tenant, sessionmaker):
    async with sessionmaker.begin() as s:
        await s.execute(
            insert(IdempotencyRecord).values(
                principal=token_digest(tenant.api_key),
                key="busy",
                method="POST",
                path="/v1/channels",
                request_digest="x" * 64,
            )
        )
    channel_body = {"marketplace": "api", "name": "x"}
    r = await tenant.api.post("/v1/channels", json=channel_body, headers={"Idempotency-Key": "busy"})
    # Different digest from the in-flight record: the mismatch wins over "in flight".
    assert r.status_code == 422
    import hashlib

    digest = hashlib.sha256(b"POST\n/v1/channels?\n" + b'{"marketplace":"api","name":"x"}').hexdigest()
    async with sessionmaker.begin() as s:
        await s.execute(
            insert(IdempotencyRecord).values(
                principal=token_digest(tenant.api_key),
                key="busy2",
                method="POST",
                path="/v1/channels",
                request_digest=digest,
            )
        )
    r = await tenant.api.post(
        "/v1/channels",
        content=b'{"marketplace":"api","name":"x"}',
        headers={"Idempotency-Key": "busy2", "content-type": "application/json"},
    )
    assert r.status_code == 409 and r.headers["retry-after"] == "1"


async def test_keys_are_scoped_per_credential(tenant):
    channel = await make_channel(tenant.api)
    h = {"Idempotency-Key": "shared"}
    a = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=inbound(), headers=h)
    b = await tenant.admin.post("/v1/channels", json={"marketplace": "api", "name": "y"}, headers=h)
    assert a.status_code == 201 and b.status_code == 201
