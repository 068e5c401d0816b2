"""Routing a team's queue at shift start: conversations/s assigned by the shift sweep's distribution
(api/assignment/queue.py: team lock, on-shift loads, queue claim, one batched write, audit and
events), beside one raw set-based UPDATE assigning the same rows in the same run (the floor of
writing the assignments at all). Checks that nobody ends above capacity."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from api.assignment import queue
from api.auth import service as auth_service
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.message.inbound import InboundMessage
from api.message.pipeline import receive
from api.models import Channel, Conversation, Shift, Team, TeamMember, User
from benchmarks.common import figure, fresh_database, save

QUEUE = int(os.environ.get("BENCH_SHIFT_QUEUE", "2000"))
AGENTS = int(os.environ.get("BENCH_SHIFT_AGENTS", "25"))
CAPACITY = int(os.environ.get("BENCH_SHIFT_CAPACITY", str(max(1, QUEUE * 3 // 4 // AGENTS))))


async def main() -> None:
    url = (await fresh_database("hourglass_bench_shift_routing")).replace("postgresql://", "postgresql+asyncpg://")
    engine = create_engine(url, Settings(), pool_size=4)
    maker = create_sessionmaker(engine)
    now = datetime.now(UTC)
    async with maker.begin() as s:
        org = await auth_service.create_organization(s, "Bench")
        team = Team(organization_id=org.id, name="Night")
        s.add(team)
        await s.flush()
        start = now - timedelta(minutes=1)  # the shift has just started
        for i in range(AGENTS):
            user = await auth_service.create_user(
                s, org.id, email=f"agent{i}@bench.test", name=f"A{i}", password="bench-password", capacity=CAPACITY
            )
            user.status = "online"
            s.add(TeamMember(organization_id=org.id, team_id=team.id, user_id=user.id))
            s.add(
                Shift(
                    organization_id=org.id,
                    team_id=team.id,
                    user_id=user.id,
                    time_zone="UTC",
                    on_date=start.date(),
                    start_time=start.time().replace(microsecond=0),
                    duration_minutes=480,
                    handover_minutes=30,
                )
            )
        channel = Channel(organization_id=org.id, marketplace="walmart", name="W", default_team_id=team.id)
        s.add(channel)
    async with maker() as s:
        channel = await s.get(Channel, channel.id)
    assert channel is not None
    for i in range(QUEUE):  # queued overnight: ingested, never routed (nobody was on shift)
        async with maker.begin() as s:
            await receive(
                s,
                channel,
                InboundMessage(
                    external_message_id=f"m{i}",
                    buyer_external_id=f"b{i}",
                    external_thread_id=f"t{i}",
                    body="Where is my order?",
                    sent_at=datetime.now(UTC),
                ),
            )

    t = time.monotonic()
    async with maker.begin() as s:
        result = await queue.distribute_team(s, team.id, datetime.now(UTC))
    elapsed = time.monotonic() - t
    async with maker() as s:
        loads = (
            (
                await s.execute(
                    select(func.count())
                    .select_from(Conversation)
                    .where(Conversation.assignee_id.is_not(None))
                    .group_by(Conversation.assignee_id)
                )
            )
            .scalars()
            .all()
        )
        capacities = (await s.execute(select(User.capacity).where(User.organization_id == org.id))).scalars().all()
    over = sum(1 for n in loads if n > max(capacities))
    assert over == 0, "an agent ended above capacity"
    assert result.assigned == min(QUEUE, AGENTS * CAPACITY), result

    # The floor: the same rows assigned again with one raw UPDATE (round-robin by row number).
    async with maker.begin() as s:
        await s.execute(text("UPDATE conversations SET assignee_id = NULL"))
    t = time.monotonic()
    async with maker.begin() as s:
        await s.execute(
            text(
                """
                WITH q AS (SELECT id, row_number() OVER (ORDER BY last_message_at) AS n FROM conversations
                           WHERE team_id = :team ORDER BY last_message_at LIMIT :n),
                     a AS (SELECT user_id, row_number() OVER (ORDER BY user_id) - 1 AS k FROM team_members
                           WHERE team_id = :team)
                UPDATE conversations SET assignee_id = a.user_id, updated_at = now()
                FROM q JOIN a ON a.k = (q.n % :agents) WHERE conversations.id = q.id
                """
            ),
            {"team": team.id, "n": result.assigned, "agents": AGENTS},
        )
    raw = time.monotonic() - t
    await engine.dispose()
    save(
        "shift_routing",
        [
            figure(
                "queue distributed at shift start (within capacity, audited, events)",
                result.assigned / elapsed,
                "conversations/s",
                result.assigned / raw,
                "one raw set-based UPDATE of the same rows",
            ),
        ],
        {
            "queued": QUEUE,
            "agents": AGENTS,
            "capacity": CAPACITY,
            "assigned": result.assigned,
            "left_queued": result.left_queued,
            "above_capacity": over,
            "run_id": str(uuid.uuid4()),
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
