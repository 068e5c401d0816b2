"""Delivery under faults, counted against the sandbox's truth: 429 storms (Retry-After honoured),
5xx outages that end in a visible failure and a retry that delivers once, timeouts after the work,
and a worker that dies mid-send."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.sync import delivery
from tests.sync.conftest import connect, deliver_all, poll
from workers.sync_runtime import WorkerSyncRuntime as SyncRuntime

ALL = ["ebay", "shopee", "tiktok", "amazon", "walmart"]
FAST = {"delivery_max_attempts": 3, "delivery_backoff_seconds": 0.05, "timeout_seconds": 1}


async def _conversation_with_buyer(tenant, sb, rt, marketplace, **settings):
    if marketplace in ("amazon", "walmart"):
        settings = {"bounce_window_seconds": 0, **settings}  # confirmed at the next read of the mailbox
    channel = await connect(tenant.api, sb, marketplace, **{**FAST, **settings})
    thread, _ = sb.inject(marketplace, f"Where is my {marketplace} order?", category="where_is_my_order")
    await poll(rt, channel)
    [conversation] = (await tenant.api.get("/v1/conversations", params={"channel_id": channel["id"]})).json()["items"]
    return channel, thread, conversation


async def _reply(tenant, conversation, body):
    r = await tenant.agent.post(f"/v1/conversations/{conversation['id']}/replies", json={"body": body})
    assert r.status_code == 201, r.text
    return r.json()


async def _until_final(rt, message_id, tenant, seconds=20.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        await deliver_all(rt)
        message = (await tenant.api.get(f"/v1/messages/{message_id}")).json()
        if message["delivery_status"] in ("sent", "failed"):
            return message
        if message["delivery_status"] == "accepted":
            # A mail relay took it: sent once the mailbox was read after the window with no bounce.
            await poll(rt, {"id": message["channel_id"]})
            await delivery.confirm_accepted(rt)
            continue
        await asyncio.sleep(0.05)
    raise AssertionError("no final outcome")


def _copies(sb, marketplace, body):
    return [r for r in sb.state.truth.seller_replies if r.marketplace == marketplace and r.body == body]


@pytest.mark.parametrize("marketplace", ALL)
async def test_outage_ends_failed_and_visible_then_retry_delivers_once(tenant, sb, rt, marketplace):
    """Done-when: a forced marketplace outage ends with every reply delivered or visibly failed with
    a retry; after the outage the retry delivers exactly one copy."""
    channel, thread, conversation = await _conversation_with_buyer(tenant, sb, rt, marketplace)
    if marketplace in ("amazon", "walmart"):
        sb.set_fault(marketplace, smtp_outage=True)
    else:
        sb.set_fault(marketplace, error_rate=1.0, error_status=503)
    body = f"Sorry for the wait, your {marketplace} parcel ships today."
    reply = await _reply(tenant, conversation, body)
    # While it retries, the agent sees the attempt count and the marketplace's error, not a silent queue.
    await deliver_all(rt)
    retrying = (await tenant.api.get(f"/v1/messages/{reply['id']}")).json()
    assert retrying["delivery_status"] == "queued" and retrying["delivery_attempts"] == 1, retrying
    assert "503" in retrying["delivery_error"] or "421" in retrying["delivery_error"]
    failed = await _until_final(rt, reply["id"], tenant)
    assert failed["delivery_status"] == "failed"
    assert failed["delivery_error"] and ("503" in failed["delivery_error"] or "421" in failed["delivery_error"])
    listed = (await tenant.api.get("/v1/conversations", params={"view": "failed"})).json()["items"]
    assert [c["id"] for c in listed] == [conversation["id"]]
    waiting = (await tenant.api.get(f"/v1/conversations/{conversation['id']}")).json()
    assert waiting["waiting_since"] is not None  # a failed reply answers nobody
    channel_status = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    assert channel_status["backlog"]["failed_replies"] == 1

    sb.clear_faults()
    assert (await tenant.agent.post(f"/v1/messages/{reply['id']}/retry")).status_code == 200
    sent = await _until_final(rt, reply["id"], tenant)
    assert sent["delivery_status"] == "sent"
    assert [(r.thread_id, r.body) for r in _copies(sb, marketplace, body)] == [(thread.id, body)]
    assert (await tenant.api.get("/v1/conversations", params={"view": "failed"})).json()["items"] == []
    answered = (await tenant.api.get(f"/v1/conversations/{conversation['id']}")).json()
    assert answered["waiting_since"] is None


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_429_storm_honours_retry_after_and_delivers_once(tenant, sb, rt, sessionmaker, marketplace):
    _, _, conversation = await _conversation_with_buyer(tenant, sb, rt, marketplace, delivery_max_attempts=10)
    sb.set_fault(marketplace, throttle_next=3, retry_after_seconds=1)
    body = "Thanks for your patience."
    reply = await _reply(tenant, conversation, body)

    # Order and outcome, never a stopwatch: after each 429 the reply is re-queued for no earlier
    # than the rejection plus Retry-After, and the marketplace sees the next attempt only after
    # that instant. The delivery backoff (0.05 s) is shorter than Retry-After, so it is the header
    # that sets the schedule.
    scheduled = []
    for attempt in (1, 2, 3):
        outcomes = await _attempt(rt)
        assert [o.status for o in outcomes] == ["retry"]
        throttle = _throttles(sb, marketplace)[-1]
        assert len(_throttles(sb, marketplace)) == attempt
        message = await _stored(sessionmaker, reply["id"])
        assert message.delivery_status == "queued" and message.delivery_attempts == attempt
        next_attempt = datetime.fromisoformat(message.meta["next_attempt_at"])
        assert next_attempt >= throttle.at + timedelta(seconds=1)
        scheduled.append(next_attempt)
    sent = await _until_final(rt, reply["id"], tenant)
    assert sent["delivery_status"] == "sent"
    [copy] = _copies(sb, marketplace, body)  # exactly once
    attempts_seen = [t.at for t in _throttles(sb, marketplace)] + [copy.at]
    assert attempts_seen == sorted(attempts_seen)
    assert all(seen >= due for seen, due in zip(attempts_seen[1:], scheduled, strict=True))


def _throttles(sb, marketplace):
    return [r for r in sb.state.truth.rejections if r.marketplace == marketplace and r.status == 429]


async def _attempt(rt, seconds=20.0):
    """The next delivery attempt, waiting (bounded) until the reply falls due."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not (outcomes := await deliver_all(rt)):
        assert asyncio.get_running_loop().time() < deadline, "the reply never fell due again"
        await asyncio.sleep(0.05)
    return outcomes


async def _stored(sessionmaker, message_id):
    from api.models import Message

    async with sessionmaker() as session:
        return await session.get(Message, uuid.UUID(message_id))


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_timeout_after_the_work_is_recorded_not_resent(tenant, sb, rt, marketplace):
    _, _, conversation = await _conversation_with_buyer(tenant, sb, rt, marketplace, delivery_max_attempts=5)
    sb.set_fault(marketplace, timeout_next=1, timeout_mode="after", timeout_seconds=3)
    body = "It left our warehouse this morning."
    reply = await _reply(tenant, conversation, body)
    sent = await _until_final(rt, reply["id"], tenant)
    assert sent["delivery_status"] == "sent"
    [copy] = _copies(sb, marketplace, body)
    assert sent["external_id"] == copy.message_id


async def test_permanent_refusal_fails_at_once(tenant, sb, rt, sessionmaker):
    channel = await connect(tenant.api, sb, "ebay", **FAST)
    sb.inject("ebay", "Our policies changed.", conversation_type="FROM_EBAY")
    await poll(rt, channel)
    [conversation] = (await tenant.api.get("/v1/conversations")).json()["items"]
    # The API refuses a reply to marketplace notices before queueing it...
    r = await tenant.agent.post(f"/v1/conversations/{conversation['id']}/replies", json={"body": "ok"})
    assert r.status_code == 409, r.text
    # ...and one queued anyway (say, before that rule existed) fails at once at eBay, never retried.
    from api.message.outbound import queue_reply
    from api.models import Conversation

    async with sessionmaker.begin() as session:
        row = await session.get(Conversation, uuid.UUID(conversation["id"]))
        await queue_reply(session, None, row, "ok")
    [outcome] = await deliver_all(rt)
    assert outcome.status == "failed" and "FROM_EBAY" in outcome.detail
    assert sb.state.truth.seller_replies == []


@pytest.mark.parametrize("marketplace", ["shopee", "amazon"])
async def test_a_worker_dying_mid_send_is_recovered_without_a_second_copy(
    tenant, sb, rt, engine, sessionmaker, app, marketplace
):
    """Worker A claims and sends, then dies before recording (its lease connection closes). Worker B
    re-queues the reply as ambiguous; for an API marketplace it finds the sent copy and records it."""
    _, _, conversation = await _conversation_with_buyer(tenant, sb, rt, marketplace)
    body = "Replying before the crash."
    reply = await _reply(tenant, conversation, body)
    dying = SyncRuntime(engine, sessionmaker, app.state.cipher, outbound=rt.outbound)
    [claimed] = await delivery.claim(dying, 10)
    assert (await tenant.api.get(f"/v1/messages/{reply['id']}")).json()["delivery_status"] == "sending"
    assert await delivery.recover_orphans(rt) == 0  # A is alive: hands off
    # A sends, then is killed before recording the outcome.
    from sqlalchemy import select

    from api.models import Channel, Conversation
    from api.sync.targets import reply_target

    async with sessionmaker() as s:
        conv = (
            await s.execute(select(Conversation).where(Conversation.id == uuid.UUID(conversation["id"])))
        ).scalar_one()
        channel = (await s.execute(select(Channel).where(Channel.id == conv.channel_id))).scalar_one()
        target = await reply_target(s, conv, claimed)
    connector = dying.connector(channel)
    await connector.send_reply(target, body)
    await dying.aclose()  # the process dies: its advisory locks go with its connection

    assert await delivery.recover_orphans(rt) == 1
    recovered = (await tenant.api.get(f"/v1/messages/{reply['id']}")).json()
    assert recovered["delivery_status"] == "queued"
    sent = await _until_final(rt, reply["id"], tenant)
    assert sent["delivery_status"] == "sent"
    copies = _copies(sb, marketplace, body)
    if marketplace == "amazon":
        # A relay cannot be asked what it received: at-least-once, the same Message-ID both times.
        assert len(copies) == 2
    else:
        assert len(copies) == 1 and sent["external_id"] == copies[0].message_id


async def test_polling_backs_off_on_a_429_storm_and_loses_nothing(tenant, sb, rt):
    channel = await connect(tenant.api, sb, "ebay")
    for i in range(5):
        sb.inject("ebay", f"Question {i}")
    sb.set_fault("ebay", throttle_next=2, retry_after_seconds=30)
    failed = await poll(rt, channel)
    assert failed.error and "429" in failed.error
    status = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    wait = datetime.fromisoformat(status["next_poll_at"]) - datetime.now(UTC)
    assert timedelta(seconds=28) < wait <= timedelta(seconds=31)  # Retry-After wins over the short backoff
    assert (await poll(rt, channel)).error  # forced anyway (as POST /sync does): the second 429
    ok = await poll(rt, channel)
    assert ok.error is None and ok.created == 5
    expected = sb.state.truth.buyer_message_ids(marketplace="ebay")
    got = (await tenant.api.get("/v1/messages", params={"direction": "inbound"})).json()["items"]
    assert sorted(m["external_id"] for m in got) == sorted(expected)


async def test_replies_in_one_conversation_leave_in_order(tenant, sb, rt):
    _, thread, conversation = await _conversation_with_buyer(tenant, sb, rt, "shopee")
    first = await _reply(tenant, conversation, "First: we checked your order.")
    await _reply(tenant, conversation, "Second: it ships tomorrow.")
    claimed = await delivery.claim(rt, 10)
    assert [str(c) for c in claimed] == [first["id"]]  # the second waits for the first
    await delivery.deliver(rt, claimed[0])
    await deliver_all(rt)
    bodies = [r.body for r in sb.state.truth.seller_replies if r.thread_id == thread.id]
    assert bodies == ["First: we checked your order.", "Second: it ships tomorrow."]


async def test_a_refused_message_is_retried_not_dropped_and_a_poison_one_is_skipped_visibly(
    tenant, sb, rt, monkeypatch
):
    """A message the database refuses (e.g. a race) keeps the cursor back until it goes in; only one
    refused on five successive reads is skipped, and the channel's status says so."""
    from sqlalchemy.exc import IntegrityError

    from api.sync import inbound, polling

    channel = await connect(tenant.api, sb, "shopee")
    _, flaky = sb.inject("shopee", "First question")
    _, poison = sb.inject("shopee", "Second question")
    _, fine = sb.inject("shopee", "Third question")
    refusals = {flaky.id: 2, poison.id: 99}
    real = inbound.receive_many

    async def refusing(session, channel_row, messages):
        # A batch holding a refused message is refused; its attempts are counted message by message.
        held = [m.external_message_id for m in messages if refusals.get(m.external_message_id, 0) > 0]
        if held:
            if len(messages) == 1:
                refusals[held[0]] -= 1
            raise IntegrityError("INSERT ...", {}, Exception("simulated refusal"))
        return await real(session, channel_row, messages)

    monkeypatch.setattr(inbound, "receive_many", refusing)

    async def ids():
        items = (await tenant.api.get("/v1/messages", params={"direction": "inbound"})).json()["items"]
        return {m["external_id"] for m in items}

    first = await poll(rt, channel)
    assert first.error and "refused by the database" in first.error
    assert await ids() == {fine.id}  # kept; the cursor did not move past the refused ones
    outcomes = []
    for _ in range(polling.MAX_REFUSALS):
        outcomes.append(await poll(rt, channel))
        if flaky.id in await ids():
            break
    assert outcomes[-1].error  # the race cleared while the poison message still held the page back
    while (await poll(rt, channel)).error:
        pass
    assert await ids() == {fine.id, flaky.id}  # nothing lost but the message refused five times
    status = (await tenant.api.get(f"/v1/channels/{channel['id']}")).json()["sync"]
    assert poison.id in status["last_error"] and "skipped after 5 refusals" in status["last_error"]
