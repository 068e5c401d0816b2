"""Automation throughput: messages/s through classification + routing + auto-reply rules (the worker's
pipeline), beside the ingest-only rate measured in the same run on the same database."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime

from api.auth import service as auth_service
from api.config import Settings
from api.db import create_engine, create_sessionmaker
from api.message.inbound import InboundMessage
from api.message.pipeline import receive
from api.models import AssignmentRule, AutoReplyRule, Channel, Team, TeamMember
from api.template import service as templates
from benchmarks.common import figure, fresh_database, save
from workers.tasks.automation import process_next

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "2000"))
BODIES = [
    "Where is my order? It has not arrived yet.",
    "我想退货，商品有破损",
    "Does it come in blue?",
    "I want a refund, the item is defective",
    "请问什么时候发货？",
    "Hola, ¿dónde está mi pedido?",
]


async def main() -> None:
    url = (await fresh_database("hourglass_bench_automation")).replace("postgresql://", "postgresql+asyncpg://")
    engine = create_engine(url, Settings(), pool_size=4)
    maker = create_sessionmaker(engine)
    async with maker.begin() as s:
        org = await auth_service.create_organization(s, "Bench")
        team = Team(organization_id=org.id, name="Frontline")
        s.add(team)
        await s.flush()
        for i in range(8):
            user = await auth_service.create_user(
                s, org.id, email=f"agent{i}@bench.test", name=f"A{i}", password="bench-password", capacity=100_000
            )
            user.status = "online"
            s.add(TeamMember(organization_id=org.id, team_id=team.id, user_id=user.id))
        channel = Channel(organization_id=org.id, marketplace="walmart", name="W", default_team_id=team.id)
        s.add(channel)
        await templates.ensure_starters(s, org.id)
        await s.flush()
        tmpl = await templates.get_by_starter(s, org.id, "return_request")
        s.add(
            AutoReplyRule(
                organization_id=org.id,
                name="Returns",
                position=1,
                cooldown_minutes=1,
                conditions={"keywords": ["return", "refund", "退货"]},
                actions=[
                    {"type": "send_template", "template_id": str(tmpl.id)},
                    {"type": "add_label", "label": "return"},
                ],
            )
        )
        s.add(
            AssignmentRule(organization_id=org.id, name="All to frontline", position=1, conditions={}, team_id=team.id)
        )
    async with maker() as s:
        channel = await s.get(Channel, channel.id)
    assert channel is not None

    t = time.monotonic()
    for i in range(MESSAGES):
        async with maker.begin() as s:
            await receive(
                s,
                channel,
                InboundMessage(
                    external_message_id=f"m{i}",
                    buyer_external_id=f"b{i % 500}",
                    external_thread_id=f"t{i}",
                    body=BODIES[i % len(BODIES)],
                    sent_at=datetime.now(UTC),
                ),
            )
    ingest_rate = MESSAGES / (time.monotonic() - t)

    t = time.monotonic()
    processed = 0
    while True:
        async with maker.begin() as s:
            if not await process_next(s):
                break
        processed += 1
    pipeline_rate = processed / (time.monotonic() - t)
    await engine.dispose()
    save(
        "automation",
        [
            figure(
                "classification + routing + auto-reply rules (worker pipeline)",
                pipeline_rate,
                "messages/s",
                ingest_rate,
                "ingest-only (same messages, same database, one transaction each)",
            ),
        ],
        {"messages": MESSAGES, "agents": 8, "rules": 1, "processed": processed, "run_id": str(uuid.uuid4())},
    )


if __name__ == "__main__":
    asyncio.run(main())
