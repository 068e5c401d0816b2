"""What a connector hands in is stored even when the marketplace sent text PostgreSQL cannot hold.

The REST API refuses NUL and lone surrogates with a 422 (tests/api/test_input_edges.py); a marketplace
payload or a mail cannot be refused, so `InboundMessage` cleans it before it reaches the database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from api.message.inbound import InboundMessage
from api.models import Channel, Message
from api.sync.inbound import ingest_batch
from tests.helpers import make_channel


def test_clean_values_are_kept_as_they_are() -> None:
    metadata = {"k": ["v", {"n": 1}]}
    m = InboundMessage(
        external_message_id="m-1", buyer_external_id="b", body="hello", sent_at=datetime.now(UTC), metadata=metadata
    )
    assert m.metadata is metadata and m.body == "hello"


def test_nul_and_lone_surrogates_are_cleaned_at_any_depth() -> None:
    m = InboundMessage(
        external_message_id="m\x00-2",
        buyer_external_id="b\x00",
        body="broken\x00 text \ud800",
        subject="s\x00",
        sent_at=datetime.now(UTC),
        metadata={"key\x00": ["v\x00", {"deep\udfff": "x"}]},
        attachments=[{"name": "a\x00.jpg"}],
        labels=("l\x00",),
    )
    assert m.external_message_id == "m-2" and m.buyer_external_id == "b"
    assert m.body == "broken text \ufffd" and m.subject == "s"
    assert m.metadata == {"key": ["v", {"deep\ufffd": "x"}]}
    assert m.attachments == [{"name": "a.jpg"}] and m.labels == ("l",)


async def test_a_connector_message_with_nul_is_stored(tenant, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    channel = await make_channel(tenant.api)
    message = InboundMessage(
        external_message_id="nul-1",
        buyer_external_id="buyer\x00-1",
        body="Where is my order?\x00",
        subject="Order\x00",
        sent_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        metadata={"raw\x00": "x\x00"},
    )
    async with sessionmaker.begin() as s:
        ch = await s.get(Channel, uuid.UUID(channel["id"]))
        assert ch is not None
        tally = await ingest_batch(s, ch, [message], isolate=True)
    assert not tally.refused
    async with sessionmaker() as s:
        stored = (await s.execute(select(Message).where(Message.external_id == "nul-1"))).scalar_one()
    assert stored.body == "Where is my order?" and stored.subject == "Order" and stored.meta == {"raw": "x"}
