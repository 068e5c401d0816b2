"""Read marks made in Hourglass go to the marketplace (eBay, Shopee, TikTok read calls; IMAP \\Seen
for mail relays). Conversations marked read since a watermark are sent after each successful poll;
the marketplace calls are idempotent, so a repeat costs a call, never a wrong state."""

from __future__ import annotations

from api.channel.connectors.base import Connector
from api.channel.connectors.window import parse_time
from api.kit.time import utc_now
from api.models import Channel
from api.sync import repository, state
from api.sync.runtime import SyncRuntime
from api.sync.targets import reply_target

BATCH = 20


async def push_read_marks(rt: SyncRuntime, channel: Channel, connector: Connector) -> None:
    if type(connector).mark_read is Connector.mark_read:
        return  # the marketplace has no read call
    async with rt.sessionmaker() as session:
        current = await repository.sync_cursor_of(session, channel.id)
    watermark = parse_time((current or {}).get("read_watermark"))
    if watermark is None:
        # Start from now: marks made before the channel synced are not replayed.
        async with rt.sessionmaker.begin() as session:
            await state.patch(session, channel.id, {"read_watermark": state.iso(utc_now())})
        return
    async with rt.sessionmaker() as session:
        rows = await repository.conversations_read_since(session, channel, watermark, BATCH)
        targets = [(c.updated_at, await reply_target(session, c, c.id)) for c in rows]
    reached = watermark
    try:
        for updated_at, target in targets:
            await connector.mark_read(target)
            reached = updated_at
    finally:
        if reached != watermark:
            async with rt.sessionmaker.begin() as session:
                await state.patch(session, channel.id, {"read_watermark": state.iso(reached)})
