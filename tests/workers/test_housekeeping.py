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
