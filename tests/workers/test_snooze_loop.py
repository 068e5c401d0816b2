"""The snooze loop's step: wakes what is due, then sleeps until the next wake-up (at most MAX_SLEEP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.models import Conversation
from tests.helpers import make_channel, push
from workers.tasks.snooze import MAX_SLEEP, snooze_step


async def test_step_wakes_due_snoozes_and_sleeps_until_the_next(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    due = (await push(tenant.api, channel["id"]))["conversation_id"]
    later = (await push(tenant.api, channel["id"]))["conversation_id"]
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    for cid in (due, later):
        assert (await tenant.agent.post(f"/v1/conversations/{cid}/snooze", json={"until": soon})).status_code == 200
    step = snooze_step(sessionmaker)
    assert await step() == MAX_SLEEP.total_seconds()  # the next wake-up is an hour away
    # Make the first one due, as the passing of time would.
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == due)
            .values(snoozed_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await step() == MAX_SLEEP.total_seconds()
    assert (await tenant.agent.get(f"/v1/conversations/{due}")).json()["snoozed"] is False
    assert (await tenant.agent.get(f"/v1/conversations/{later}")).json()["snoozed"] is True
