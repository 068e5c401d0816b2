"""A week of history for the demo's dashboard and reports (issue 13): buyer messages of the last
seven days on every store, answered by the demo agents after realistic delays (some first by an
automatic acknowledgement, some late, a few left waiting), some resolved. Everything goes through
the real ingest pipeline and outbound path, backdated, so the rollups fold it like any late data.
Idempotent: the messages' ids are fixed, a second run finds them and adds nothing."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from api.auth.principal import ROLE_SCOPES, Principal
from api.kit.time import utc_now
from api.message import outbound, pipeline
from api.message.inbound import InboundMessage
from api.models import Channel, User

DAYS = 7
PER_DAY = 4
QUESTIONS = (
    ("Where is my order?", "It has not arrived yet, can you check the tracking?"),
    ("Item arrived damaged", "The box was crushed and the lamp is broken."),
    ("我的订单什么时候发货？", "已经三天了还没有发货，请帮忙查一下。"),
    ("Wrong size", "I ordered a medium but received a large."),
)


async def backfill(session, organization_id, agent_emails: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Returns how many buyer messages were added (0 on a second run)."""
    rng = random.Random(13)
    agents = [
        u
        for u in (
            await session.execute(
                select(User).where(User.organization_id == organization_id, User.email.in_(agent_emails))
            )
        ).scalars()
    ]
    channels = list(
        (
            await session.execute(
                select(Channel).where(Channel.organization_id == organization_id).order_by(Channel.name)
            )
        ).scalars()
    )
    if not agents or not channels:
        return 0
    now = utc_now()
    added = 0
    for channel in channels:
        for day in range(DAYS, 0, -1):
            for i in range(PER_DAY):
                subject, body = QUESTIONS[(day + i) % len(QUESTIONS)]
                sent_at = now - timedelta(days=day, hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
                key = f"demo-history-{channel.id}-{day}-{i}"
                # receive_many: a second run's replay (another sent_at) is reported, not refused.
                (decision,) = await pipeline.receive_many(
                    session,
                    channel,
                    [
                        InboundMessage(
                            external_message_id=key,
                            external_thread_id=key,
                            buyer_external_id=f"demo-history-buyer-{day}-{i}",
                            buyer_name=f"Buyer {day}{i}",
                            subject=subject,
                            body=body,
                            sent_at=sent_at,
                        )
                    ],
                )
                if not decision.created or decision.conversation is None:
                    continue
                added += 1
                conversation = decision.conversation
                if rng.random() < 0.15:
                    continue  # left waiting: the backlog and the breaches
                if rng.random() < 0.4:
                    ack = await outbound.queue_reply(
                        session, None, conversation, "Thanks, we received your message.", author_kind="auto"
                    )
                    await outbound.record_delivery(
                        session, None, ack, conversation, channel, status="sent",
                        delivered_at=sent_at + timedelta(seconds=30),
                    )  # fmt: skip
                agent = agents[(day + i) % len(agents)]
                principal = Principal(
                    organization_id=organization_id,
                    scopes=ROLE_SCOPES[agent.role],
                    user_id=agent.id,
                    role=agent.role,
                    name=agent.name,
                )
                conversation.assignee_id = agent.id
                delay = timedelta(minutes=rng.choice((8, 20, 45, 90, 180, 600, 1500)))
                reply = await outbound.queue_reply(session, principal, conversation, "Thanks for waiting: sorted.")
                await outbound.record_delivery(
                    session, principal, reply, conversation, channel, status="sent", delivered_at=sent_at + delay
                )
                if rng.random() < 0.6:
                    conversation.status = "resolved"
                    conversation.resolved_at = sent_at + delay + timedelta(hours=1)
                await session.flush()
    return added
