from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from api.kit.time import utc_now
from api.models import IdempotencyRecord
from workers.tasks.housekeeping import purge_expired


async def test_purges_only_expired_idempotency_records(sessionmaker):
    async with sessionmaker.begin() as s:
        for key, age in (("old", timedelta(hours=30)), ("fresh", timedelta(hours=1))):
            await s.execute(
                insert(IdempotencyRecord).values(
                    principal="p" * 64,
                    key=key,
                    method="POST",
                    path="/x",
                    request_digest="d" * 64,
                    created_at=utc_now() - age,
                )
            )
    async with sessionmaker.begin() as s:
        result = await purge_expired(s, timedelta(hours=24))
    assert result["idempotency_keys"] == 1
    async with sessionmaker() as s:
        keys = (await s.execute(select(IdempotencyRecord.key))).scalars().all()
        assert keys == ["fresh"]
        assert (await s.execute(select(func.count()).select_from(IdempotencyRecord))).scalar_one() == 1


async def test_purges_published_outbox_rows_after_a_month(sessionmaker, tenant):
    from api.models import OutboxEvent

    async with sessionmaker.begin() as s:
        for age, published in ((40, True), (40, False), (5, True)):
            s.add(
                OutboxEvent(
                    organization_id=tenant.org_id,
                    event_type="note.created",
                    payload={},
                    created_at=utc_now() - timedelta(days=age),
                    published_at=utc_now() - timedelta(days=age) if published else None,
                )
            )
    async with sessionmaker.begin() as s:
        result = await purge_expired(s, timedelta(hours=24))
    assert result["outbox_events"] == 1  # the unpublished one is never dropped


async def test_idempotent_responses_are_stored_encrypted(tenant, sessionmaker):
    r = await tenant.admin.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["orders:read"]}, headers={"Idempotency-Key": "secret-1"}
    )
    secret = r.json()["key"]
    async with sessionmaker() as s:
        stored = (await s.execute(select(IdempotencyRecord.response_body))).scalars().all()
    assert stored and all(secret.encode() not in body for body in stored)
    again = await tenant.admin.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["orders:read"]}, headers={"Idempotency-Key": "secret-1"}
    )
    assert again.json()["key"] == secret and again.headers["idempotent-replayed"] == "true"
