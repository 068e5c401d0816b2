"""Issue 18, done when: a Walmart reply refused by the relay comes back as a bounce in the sandbox, and
the product shows it as failed with the reason, in the Failed view, with the clock running again,
while an accepted one is confirmed after the window; the mail connectors do this over TLS with
certificate verification on (and over plain).

Everything real: the sandbox's SMTP server takes the reply (250), its relay refuses it and its
mailbox receives the bounce a moment later; the connector reads it over IMAP; the clocks are the
SLA engine's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from api.kit.outbound import OutboundPolicy
from api.models import SlaClock
from api.sync import delivery
from sandbox import Sandbox
from tests.connectors.helpers import sandbox_config
from tests.sync.conftest import connect, deliver_all, poll
from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime

CARRIER_LINK = "Your parcel is on its way: https://www.ups.com/track?tracknum=1Z999AA10123456784"


@pytest.fixture(params=["plain", "tls"])
async def mail_sb(request: pytest.FixtureRequest, settings, monkeypatch) -> AsyncIterator[Sandbox]:  # type: ignore[no-untyped-def]
    overrides: dict[str, Any] = {"mail_bounce_delay_seconds": 0.3, "seed": 11}
    if request.param == "tls":
        overrides |= {"mail_tls": True, "imaps_port": 0}
    async with Sandbox(sandbox_config(**overrides)) as sandbox:
        if sandbox.mail_tls is not None:
            # The product trusts the sandbox's CA through its CA-file setting; verification stays on.
            monkeypatch.setattr(settings, "outbound_ca_file", sandbox.mail_tls.ca_file)
        yield sandbox


@pytest.fixture
async def mail_rt(app, engine, sessionmaker, settings, mail_sb) -> AsyncIterator[SyncRuntime]:  # type: ignore[no-untyped-def]
    runtime = SyncRuntime(
        engine,
        sessionmaker,
        app.state.cipher,
        outbound=OutboundPolicy(settings.outbound_allowed, ca_file=settings.outbound_ca_file),
    )
    yield runtime
    await runtime.aclose()


async def _conversation(tenant, sb, rt, channel, body: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    before = {c["id"] for c in await _conversations(tenant, channel)}
    sb.inject("walmart", body, category="where_is_my_order")
    outcome = await poll(rt, channel)
    assert outcome.error is None, outcome.error
    [conversation] = [c for c in await _conversations(tenant, channel) if c["id"] not in before]
    return conversation


async def _conversations(tenant, channel) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = await tenant.api.get("/v1/conversations", params={"channel_id": channel["id"], "limit": 100})
    return list(r.json()["items"])


async def _reply(tenant, conversation, body: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await tenant.agent.post(f"/v1/conversations/{conversation['id']}/replies", json={"body": body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _message(tenant, message_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict((await tenant.api.get(f"/v1/messages/{message_id}")).json())


async def _clocks(sessionmaker, conversation_id: str) -> list[SlaClock]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = await session.execute(
            select(SlaClock)
            .where(SlaClock.conversation_id == uuid.UUID(conversation_id), SlaClock.kind.like("marketplace%"))
            .order_by(SlaClock.created_at)
        )
        return list(rows.scalars())


async def _until_bounced(tenant, rt, channel, message_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await poll(rt, channel)
        message = await _message(tenant, message_id)
        if message["delivery_status"] == "failed":
            return message
        await asyncio.sleep(0.1)
    raise AssertionError("no bounce came back")


async def _failed_view(tenant) -> list[str]:  # type: ignore[no-untyped-def]
    return [c["id"] for c in (await tenant.api.get("/v1/conversations", params={"view": "failed"})).json()["items"]]


async def test_refused_reply_bounces_to_failed_with_the_clock_running_and_an_accepted_one_is_confirmed(
    tenant, mail_sb, mail_rt, sessionmaker
):
    sb, rt = mail_sb, mail_rt
    channel = await connect(tenant.api, sb, "walmart", bounce_window_seconds=1.5)
    assert channel["settings"]["imap_security"] == ("ssl" if sb.mail_tls else "none")
    refused = await _conversation(tenant, sb, rt, channel, "Where is my parcel? It is late.")
    waiting_since = refused["waiting_since"]
    assert waiting_since is not None

    # The relay takes the reply (250): sent, awaiting confirmation; the clock keeps running.
    reply = await _reply(tenant, refused, CARRIER_LINK)
    assert [o.status for o in await deliver_all(rt)] == ["accepted"]
    accepted = await _message(tenant, reply["id"])
    assert accepted["delivery_status"] == "accepted" and accepted["confirm_after"] is not None
    [clock] = await _clocks(sessionmaker, refused["id"])
    assert clock.state == "running"

    # A moment later the bounce is in the mailbox; the next poll reads it and fails the reply.
    failed = await _until_bounced(tenant, rt, channel, reply["id"])
    assert "5.7.1" in failed["delivery_error"] and "links to sites outside Walmart" in failed["delivery_error"]
    assert failed["bounced_at"] is not None
    assert await _failed_view(tenant) == [refused["id"]]
    detail = (await tenant.api.get(f"/v1/conversations/{refused['id']}")).json()
    assert detail["has_failed_delivery"] is True and detail["waiting_since"] == waiting_since
    [clock] = await _clocks(sessionmaker, refused["id"])
    assert clock.state == "running" and clock.started_at == datetime.fromisoformat(waiting_since)
    assert datetime.fromisoformat(detail["sla_deadline"]) == clock.due_at
    # The bounce is the reply's outcome, not a conversation of its own.
    assert len(await _conversations(tenant, channel)) == 1
    # The relay did refuse it (sandbox truth): nothing reached the buyer.
    assert not [r for r in sb.state.truth.seller_replies if r.body == CARRIER_LINK]
    assert sb.state.truth.rejections[-1].operation == "reply.dsn"

    # Another conversation: a clean reply is accepted, and confirmed once the window has passed and
    # the mailbox has been read after it; that stops the clock as of the acceptance.
    answered = await _conversation(tenant, sb, rt, channel, "Do you ship to Alaska?")
    good = await _reply(tenant, answered, "Yes, we ship to Alaska within 5 days.")
    assert [o.status for o in await deliver_all(rt)] == ["accepted"]
    assert await delivery.confirm_accepted(rt) == 0  # the window has not passed
    await asyncio.sleep(1.6)
    assert await delivery.confirm_accepted(rt) == 0  # passed, but the mailbox was not read since
    await poll(rt, channel)
    assert await delivery.confirm_accepted(rt) == 1
    sent = await _message(tenant, good["id"])
    assert sent["delivery_status"] == "sent" and sent["bounced_at"] is None
    assert sent["delivered_at"] is not None and sent["delivered_at"] < sent["confirm_after"]
    [clock] = await _clocks(sessionmaker, answered["id"])
    assert clock.state == "met" and clock.stop_reason == "reply"
    assert (await tenant.api.get(f"/v1/conversations/{answered['id']}")).json()["waiting_since"] is None
    assert await _failed_view(tenant) == [refused["id"]]
    assert [r.body for r in sb.state.truth.seller_replies] == ["Yes, we ship to Alaska within 5 days."]


async def test_a_bounce_after_the_window_restarts_the_clock_exactly_once(tenant, mail_sb, mail_rt, sessionmaker):
    """The relay's notice arrives after the reply was confirmed: the reply fails, the clock that the
    confirmation stopped is marked bounced, and one new clock runs from the buyer's message; the
    same notice read again (a mailbox re-read) changes nothing."""
    sb, rt = mail_sb, mail_rt
    sb.state.config.mail_refusals = "notice"
    sb.state.config.mail_bounce_delay_seconds = 1.0
    channel = await connect(tenant.api, sb, "walmart", bounce_window_seconds=0)
    conversation = await _conversation(tenant, sb, rt, channel, "Is the blue one back in stock?")
    reply = await _reply(tenant, conversation, "Tracking: https://www.fedex.com/fedextrack/?trknbr=123456789012")
    assert [o.status for o in await deliver_all(rt)] == ["accepted"]
    await poll(rt, channel)  # read before the notice arrives: nothing bounced yet
    assert await delivery.confirm_accepted(rt) == 1
    [met] = await _clocks(sessionmaker, conversation["id"])
    assert met.state == "met"
    assert (await tenant.api.get(f"/v1/conversations/{conversation['id']}")).json()["waiting_since"] is None

    failed = await _until_bounced(tenant, rt, channel, reply["id"])
    assert "links to sites outside Walmart" in failed["delivery_error"]
    old, new = await _clocks(sessionmaker, conversation["id"])
    assert (old.state, old.stop_reason) == ("stopped", "bounced")
    assert new.state == "running" and new.started_at == old.started_at and new.kind == "marketplace_first_response"
    detail = (await tenant.api.get(f"/v1/conversations/{conversation['id']}")).json()
    assert detail["waiting_since"] is not None and detail["has_failed_delivery"] is True
    assert conversation["id"] in await _failed_view(tenant)

    # The mailbox read again from scratch (a new UIDVALIDITY): the same notice, applied once only.
    async with rt.sessionmaker.begin() as session:
        from api.models import Channel

        row = (await session.execute(select(Channel).where(Channel.id == uuid.UUID(channel["id"])))).scalar_one()
        row.sync_cursor = {**(row.sync_cursor or {}), "poll": {}}
    await poll(rt, channel)
    assert len(await _clocks(sessionmaker, conversation["id"])) == 2
    assert (await _message(tenant, reply["id"]))["delivery_error"] == failed["delivery_error"]
    assert len(await _conversations(tenant, channel)) == 1
