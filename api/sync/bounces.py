"""Applying the bounces a mail connector read: the reply each one names fails with the relay's reason.

Runs in the transaction of the page that carried the bounces (the poll's cursor moves with it), so a
bounce is never lost between reading and applying; applying is idempotent (api.message.outbound.
record_bounce keeps each bounce's id), so a page read again applies nothing twice. A bounce naming
none of our replies is someone else's: it is ingested as the mail it is.
"""

from __future__ import annotations

import logging

from api.channel.connectors.base import Bounce
from api.db import Session
from api.message import repository as message_repository
from api.message.inbound import InboundMessage
from api.message.outbound import record_bounce
from api.models import Channel
from api.sync import repository

log = logging.getLogger(__name__)


async def apply_bounces(session: Session, channel: Channel, bounces: list[Bounce]) -> list[InboundMessage]:
    """Fail the replies the bounces name; returns the mail to ingest instead (bounces of nothing of ours)."""
    unmatched: list[InboundMessage] = []
    for bounce in bounces:
        replies = await message_repository.outbound_by_mail_ids(
            session, channel.organization_id, channel.id, list(bounce.refers_to)
        )
        by_id = {m.external_id: m for m in replies}
        reply = next((by_id[i] for i in bounce.refers_to if i in by_id), None)
        if reply is None:
            if bounce.fallback is not None:
                unmatched.append(bounce.fallback)
            continue
        if not bounce.failed:
            log.info("reply %s: delivery report without a failure (%s)", reply.id, bounce.status)
            continue
        conversation = await repository.conversation_of(
            session, channel.organization_id, reply.conversation_id, lock=True
        )
        changed = await record_bounce(
            session,
            reply,
            conversation,
            channel,
            bounce_id=bounce.bounce_id,
            reason=bounce.reason,
            source=bounce.source,
            status_code=bounce.status,
        )
        if changed:
            log.info("reply %s bounced (%s): %s", reply.id, bounce.source, bounce.reason)
    return unmatched
