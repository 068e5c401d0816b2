"""Each connector against a real sandbox: quirks, token refresh, typed errors, duplicates avoided."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.channel.connectors import amazon, ebay
from api.channel.connectors.amazon import AmazonConnector
from api.channel.connectors.base import (
    AuthError,
    Connector,
    ConnectorError,
    Permanent,
    RateLimited,
    ReplyTarget,
    Transient,
)
from api.channel.connectors.registry import build
from api.channel.connectors.walmart import WalmartConnector
from api.kit.outbound import OutboundPolicy
from api.message.inbound import InboundMessage
from sandbox import Sandbox
from tests.connectors.helpers import channel_body, sandbox_allowed, sandbox_config, sandbox_outbound


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(sandbox_config()) as sandbox:
        yield sandbox


def make(sb: Sandbox, marketplace: str, saved: list[dict[str, Any]] | None = None, **settings: Any) -> Connector:
    body = channel_body(sb, marketplace, **{"timeout_seconds": 2, **settings})

    async def save(credentials: dict[str, Any]) -> None:
        if saved is not None:
            saved.append(credentials)

    outbound = sandbox_outbound(sb)
    return build(marketplace, body["settings"], body["credentials"], save_credentials=save, outbound=outbound)


def target(m: InboundMessage, **overrides: Any) -> ReplyTarget:
    values: dict[str, Any] = {
        "message_id": uuid.uuid4(),
        "external_thread_id": m.external_thread_id,
        "order_id": m.order_id,
        "item_id": m.item_id,
        "buyer_external_id": m.buyer_external_id,
        "buyer_email": m.buyer_email,
        "buyer_name": m.buyer_name,
        "subject": m.subject,
        "last_inbound_external_id": m.external_message_id,
        "last_inbound_meta": m.metadata,
        "references": (m.external_message_id,),
    }
    values.update(overrides)
    return ReplyTarget(**values)


async def first_buyer_message(connector: Connector) -> InboundMessage:
    result = await connector.fetch({})
    return next(m for m in result.messages if m.author_kind == "buyer")


# -- eBay ---------------------------------------------------------------------------------------------


async def test_ebay_long_conversation_pages_with_offsets_multiple_of_limit(sb):
    thread, _ = sb.inject("ebay", "Question 0")
    for i in range(1, 61):
        sb.inject("ebay", f"Question {i}", thread_id=thread.id)
    connector = make(sb, "ebay")
    result = await connector.fetch({})
    assert [m.body for m in result.messages] == [f"Question {i}" for i in range(61)]
    assert not [r for r in sb.state.truth.rejections if r.error_code == "355008"]
    await connector.aclose()


async def test_ebay_refreshes_an_expired_user_token_and_saves_it(sb):
    sb.inject("ebay", "Hello?")
    sb.state.clock.advance(3 * 3600)  # user tokens last 2 hours
    saved: list[dict[str, Any]] = []
    connector = make(sb, "ebay", saved)
    old = connector.credentials["access_token"]
    assert len((await connector.fetch({})).messages) == 1
    assert saved and saved[-1]["access_token"] != old
    await connector.aclose()


async def test_ebay_system_mail_is_never_answered(sb):
    sb.inject("ebay", "We updated our policies.", conversation_type="FROM_EBAY")
    connector = make(sb, "ebay")
    [notice] = (await connector.fetch({})).messages
    assert notice.author_kind == "system"
    with pytest.raises(Permanent, match="FROM_EBAY"):
        await connector.send_reply(target(notice), "thanks")
    assert not sb.state.truth.seller_replies and not sb.state.truth.rejections
    await connector.aclose()


async def test_ebay_push_signature(sb):
    connector = make(sb, "ebay")
    body = json.dumps(
        {"metadata": {"topic": "NEW_MESSAGE"}, "notification": {"data": {}}}, separators=(",", ":")
    ).encode()
    header = sb.state.ebay_key.signature_header(body)
    assert await connector.verify_push({"x-ebay-signature": header}, body, "")
    assert not await connector.verify_push({"x-ebay-signature": header}, body + b" ", "")
    assert not await connector.verify_push({"x-ebay-signature": base64.b64encode(b"{}").decode()}, body, "")
    # The key was fetched with an application token (client-credentials grant), as getPublicKey asks.
    assert any(client == connector.credentials["client_id"] for _, client in ebay._APP_TOKENS)

    def forged(kid: str) -> str:
        claim = json.loads(base64.b64decode(header)) | {"kid": kid}
        return base64.b64encode(json.dumps(claim).encode()).decode()

    # A kid goes into the key URL: path tricks are refused without any call to eBay.
    assert not await connector.verify_push({"x-ebay-signature": forged("../../sell/account")}, body, "")
    # An unknown kid: eBay says 404 once; the answer is remembered, so a flood costs one call.
    assert not await connector.verify_push({"x-ebay-signature": forged("no-such-key")}, body, "")
    assert (connector.base, "no-such-key") in ebay._UNKNOWN_KEYS
    assert not await connector.verify_push({"x-ebay-signature": forged("no-such-key")}, body, "")
    await connector.aclose()


# -- Shopee -------------------------------------------------------------------------------------------


async def test_shopee_refresh_rotates_and_saves_both_tokens(sb):
    sb.inject("shopee", "Ada stok?")
    sb.state.clock.advance(5 * 3600)  # access tokens last 4 hours
    saved: list[dict[str, Any]] = []
    connector = make(sb, "shopee", saved)
    old = dict(connector.credentials)
    assert len((await connector.fetch({})).messages) == 1
    assert saved[-1]["access_token"] != old["access_token"] and saved[-1]["refresh_token"] != old["refresh_token"]
    await connector.aclose()


async def test_shopee_auto_reply_goes_out_as_one_and_ids_are_strings(sb):
    sb.inject("shopee", "Hello")
    connector = make(sb, "shopee")
    message = await first_buyer_message(connector)
    sent = await connector.send_reply(target(message, author_kind="auto"), "We will answer soon.")
    assert sent.external_id.isdigit()
    [reply] = sb.state.truth.seller_replies
    assert reply.operation == "shopee.send_autoreply_message" and reply.counts_as_reply is False
    await connector.aclose()


# -- TikTok -------------------------------------------------------------------------------------------


async def test_tiktok_discovers_the_shop_cipher_and_reopens_a_closed_conversation(sb):
    sb.inject("tiktok", "Is the charger included?")
    saved: list[dict[str, Any]] = []
    body = channel_body(sb, "tiktok", timeout_seconds=2)
    credentials = {k: v for k, v in body["credentials"].items() if k != "shop_cipher"}

    async def save(creds: dict[str, Any]) -> None:
        saved.append(creds)

    connector = build("tiktok", body["settings"], credentials, save_credentials=save, outbound=sandbox_outbound(sb))
    message = await first_buyer_message(connector)
    assert saved and saved[0]["shop_cipher"] == sb.store("tiktok").credentials["shop_cipher"]
    assert message.metadata.get("buyer_user_id")
    sb.state.clock.advance(8 * 86400)  # unanswered for 7 days: the conversation closed
    sent = await connector.send_reply(target(message), "Yes, it is.")
    assert sent.external_id
    assert [r.body for r in sb.state.truth.seller_replies] == ["Yes, it is."]
    # Eight days on, the 7-day token had expired too (refreshed), and the send was refused once, then reopened.
    assert [r.error_code for r in sb.state.truth.rejections] == ["105002", "45109001"]
    # A buyer message that first came by webhook carries no buyer user id: the conversation list
    # supplies it, and the reply still reaches the (reopened) conversation.
    sb.state.clock.advance(8 * 86400)
    pushed = dict(message.metadata)
    pushed.pop("buyer_user_id")
    sent = await connector.send_reply(target(message, last_inbound_meta=pushed), "Still here to help.")
    assert sent.external_id and sb.state.truth.seller_replies[-1].body == "Still here to help."
    await connector.aclose()


async def test_tiktok_sensitive_content_is_permanent(sb):
    sb.inject("tiktok", "hi")
    connector = make(sb, "tiktok")
    message = await first_buyer_message(connector)
    with pytest.raises(Permanent) as caught:
        await connector.send_reply(target(message), "add me on whatsapp")
    assert caught.value.code == "45101006"
    await connector.aclose()


# -- typed errors and duplicates ----------------------------------------------------------------------------


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_throttles_and_5xx_are_typed(sb, marketplace):
    sb.inject(marketplace, "hi")
    connector = make(sb, marketplace)
    sb.set_fault(marketplace, throttle_next=1, retry_after_seconds=7)
    with pytest.raises(RateLimited) as throttled:
        await connector.fetch({})
    assert throttled.value.retry_after == 7
    sb.set_fault(marketplace, error_next=1, error_status=503)
    with pytest.raises(Transient) as failed:
        await connector.fetch({})
    assert not isinstance(failed.value, RateLimited) and failed.value.status == 503
    await connector.aclose()


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_a_timeout_after_the_work_is_found_not_resent(sb, marketplace):
    sb.inject(marketplace, "Where is it?")
    connector = make(sb, marketplace, timeout_seconds=0.5)
    message = await first_buyer_message(connector)
    reply_to = target(message)
    started = datetime.now(UTC) - timedelta(minutes=2)
    sb.set_fault(marketplace, timeout_next=1, timeout_mode="after", timeout_seconds=2)
    with pytest.raises(Transient) as timed_out:
        await connector.send_reply(reply_to, "It ships today.")
    assert timed_out.value.ambiguous
    found = await connector.find_sent(reply_to, "It ships today.", started)
    assert found is not None
    assert [r.message_id for r in sb.state.truth.seller_replies] == [found.external_id]
    assert await connector.find_sent(reply_to, "Something else", started) is None
    await connector.aclose()


async def test_read_marks_reach_each_marketplace(sb):
    for marketplace in ("ebay", "shopee", "tiktok", "amazon", "walmart"):
        sb.inject(marketplace, "hello")
        connector = make(sb, marketplace)
        message = await first_buyer_message(connector)
        await connector.mark_read(target(message))
        await connector.aclose()
    marked = {r.marketplace for r in sb.state.truth.reads}
    assert marked == {"ebay", "shopee", "tiktok", "amazon", "walmart"}


# -- mail relays (each test over plain and over TLS, certificates verified) ----------------------------------


@pytest.fixture(params=["plain", "tls"])
async def mail_sb(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    """A sandbox whose mail servers speak plain, or TLS (implicit TLS for IMAP, STARTTLS for SMTP)
    with a certificate from a generated CA the connector trusts through its CA-file setting."""
    overrides: dict[str, Any] = {"mail_bounce_delay_seconds": 0.2}
    if request.param == "tls":
        overrides |= {"mail_tls": True, "imaps_port": 0}
    async with Sandbox(sandbox_config(**overrides)) as sandbox:
        yield sandbox


async def test_mail_connectors_read_and_reply_over_the_configured_transport(mail_sb):
    sb = mail_sb
    for marketplace in ("amazon", "walmart"):
        sb.inject(marketplace, "Is it waterproof?")
        connector = make(sb, marketplace, sent_mailbox="Sent")
        assert connector.settings["imap_security"] == ("ssl" if sb.mail_tls else "none")
        info = await connector.check_credentials()
        assert info["messages"] == 1
        message = await first_buyer_message(connector)
        sent = await connector.send_reply(target(message), "Yes, fully.")
        # A 250 is an acceptance, not a delivery: the relay may still bounce it.
        assert sent.awaiting_confirmation and sent.external_id.startswith("<")
        await connector.mark_read(target(message))
        await connector.aclose()
        # A copy went to the mailbox's Sent folder by IMAP APPEND, as a mail client files one.
        account = sb.state.mail.account_for_store(sb.store(marketplace).id)
        assert account is not None
        [copy] = account.mailboxes["Sent"].items
        assert sent.external_id.encode() in copy.raw and "\\Seen" in copy.flags
    assert [r.body for r in sb.state.truth.seller_replies] == ["Yes, fully.", "Yes, fully."]
    assert {r.marketplace for r in sb.state.truth.reads} == {"amazon", "walmart"}


async def test_tls_is_verified_never_skipped():
    """Without the sandbox's CA the connector refuses the server (no fallback to clear or unverified)."""
    async with Sandbox(sandbox_config(mail_tls=True, imaps_port=0)) as sb:
        await _tls_is_verified(sb)


async def _tls_is_verified(sb: Sandbox) -> None:
    sb.inject("walmart", "hello")
    untrusting = make(sb, "walmart")
    untrusting.outbound = OutboundPolicy(sandbox_allowed(sb))
    with pytest.raises(Transient) as refused:
        await untrusting.fetch({})
    assert refused.value.status == "tls"
    # IMAP with STARTTLS on the plain port (LOGIN is disabled there until the session is secured).
    starttls = make(sb, "walmart", imap_security="starttls", imap_port=sb.imap_port)
    assert [m.body for m in (await starttls.fetch({})).messages] == ["hello"]
    cleartext = make(sb, "walmart", imap_security="none", imap_port=sb.imap_port)
    with pytest.raises(AuthError, match="PRIVACYREQUIRED"):
        await cleartext.fetch({})
    plain_smtp = make(sb, "walmart", smtp_security="none")
    message = (await starttls.fetch({})).messages[0]
    with pytest.raises(ConnectorError, match=r"530|STARTTLS|AUTH"):
        await plain_smtp.send_reply(target(message), "in clear?")
    for connector in (untrusting, starttls, cleartext, plain_smtp):
        await connector.aclose()
    assert not sb.state.truth.seller_replies


async def test_amazon_refuses_mail_from_an_unregistered_sender_in_session(mail_sb):
    sb = mail_sb
    sb.state.config.mail_refusals = "session"
    sb.inject("amazon", "Is it waterproof?")
    connector = make(sb, "amazon", seller_email="someone-else@brightnest.example")
    message = await first_buyer_message(connector)
    with pytest.raises(Permanent, match="550"):
        await connector.send_reply(target(message), "Yes")
    await connector.aclose()


@pytest.mark.parametrize("mode", ["dsn", "notice"])
async def test_a_refusal_that_comes_back_later_is_read_as_a_bounce_of_that_reply(mail_sb, mode):
    """Accepted with 250, then a bounce in the mailbox a moment later: the connector reports it as a
    bounce naming the reply's Message-ID (not as a buyer message)."""
    sb = mail_sb
    sb.state.config.mail_refusals = mode
    sb.inject("walmart", "Where is my parcel?")
    connector = make(sb, "walmart")
    first = await connector.fetch({})
    [message] = first.messages
    sent = await connector.send_reply(target(message), "Track it at https://www.ups.com/track?n=1Z999")
    assert sent.awaiting_confirmation and not sb.state.truth.seller_replies
    for _ in range(50):
        later = await connector.fetch(first.cursor)
        if later.bounces:
            break
        await asyncio.sleep(0.1)
    assert later.messages == []
    [bounce] = later.bounces
    assert bounce.failed and bounce.refers_to[0] == sent.external_id
    assert bounce.source == ("dsn" if mode == "dsn" else "relay-notice")
    assert bounce.status == "5.7.1" and "links to sites outside Walmart" in bounce.reason
    assert bounce.fallback is not None  # ingested as mail only if it names none of our replies
    await connector.aclose()


async def test_mail_faults_are_typed(mail_sb):
    sb = mail_sb
    sb.inject("walmart", "Where is my order?")
    connector = make(sb, "walmart")
    message = await first_buyer_message(connector)
    sb.set_fault("walmart", smtp_tempfail_next=1)
    with pytest.raises(Transient, match="451"):
        await connector.send_reply(target(message), "Today")
    sb.set_fault("walmart", smtp_outage=True)
    with pytest.raises(Transient):
        await connector.send_reply(target(message), "Today")
    sb.set_fault("walmart", smtp_outage=False, imap_outage=True)
    with pytest.raises(Transient):
        await connector.fetch({})
    sb.clear_faults()
    wrong = make(sb, "walmart")
    wrong.credentials["imap_password"] = "nope"
    with pytest.raises(AuthError):
        await wrong.fetch({})
    await connector.send_reply(target(message), "Today")
    assert [r.body for r in sb.state.truth.seller_replies] == ["Today"]


async def test_imap_cursor_is_incremental_and_survives_a_new_uidvalidity(mail_sb):
    sb = mail_sb
    sb.inject("amazon", "one")
    connector = make(sb, "amazon")
    first = await connector.fetch({})
    sb.inject("amazon", "two")
    second = await connector.fetch(first.cursor)
    assert [m.body for m in second.messages] == ["two"]
    again = await connector.fetch({**second.cursor, "uidvalidity": 1})  # mailbox recreated: re-read by date
    assert sorted(m.body for m in again.messages) == ["one", "two"]
    await connector.aclose()


async def test_amazon_sp_api_sends_proactive_messages_which_are_not_replies(sb):
    store = sb.store("amazon")
    order = next(o for o in sb.state.catalog.orders_for_store(store) if o.status == "Shipped")
    connector = make(sb, "amazon")
    assert isinstance(connector, AmazonConnector)
    actions = await connector.messaging_actions(order.order_id)
    assert "confirmDeliveryDetails" in actions
    await connector.send_proactive(order.order_id, "confirmDeliveryDetails", "Your parcel arrives Friday.")
    [sent] = sb.state.truth.seller_replies
    assert sent.operation == "amazon.confirmDeliveryDetails" and sent.counts_as_reply is False
    await connector.aclose()


async def test_walmart_orders_and_response_rate(sb):
    connector = make(sb, "walmart")
    assert isinstance(connector, WalmartConnector)
    assert await connector.response_rate(30) is None  # nothing measured yet: 204
    orders = await connector.orders_since(datetime.now(UTC) - timedelta(days=365), limit=7)
    assert len(orders) == len(sb.state.catalog.orders_for_store(sb.store("walmart")))
    sb.inject("walmart", "Where is my order?", age_seconds=3 * 86400)
    rate = await connector.response_rate(30)
    assert rate is not None and rate["overallRate"] == 0.0
    await connector.aclose()


async def test_amazon_sp_api_backs_off_on_its_own_when_429_says_nothing(sb, monkeypatch):
    store = sb.store("amazon")
    order = next(o for o in sb.state.catalog.orders_for_store(store) if o.status != "Cancelled")
    connector = make(sb, "amazon")
    assert isinstance(connector, AmazonConnector)
    # Spend the usage plan's burst of five: the next call is throttled, with no Retry-After.
    for _ in range(5):
        await connector.messaging_actions(order.order_id)
    started = time.monotonic()
    actions = await connector.messaging_actions(order.order_id)
    waited = time.monotonic() - started
    assert "unexpectedProblem" in actions
    throttles = [r for r in sb.state.truth.rejections if r.status == 429]
    assert throttles and not any(r.injected for r in throttles)
    assert waited >= 0.9  # it waited about the plan's refill interval before trying again
    # Throttled every time: a few doubling waits (shortened here), then RateLimited carrying the
    # wait it chose itself, for the caller's schedule.
    monkeypatch.setattr(amazon, "SP_REFILL_SECONDS", 0.05)
    sb.set_fault("amazon", throttle_next=10)
    with pytest.raises(RateLimited) as caught:
        await connector.messaging_actions(order.order_id)
    assert caught.value.retry_after is not None and caught.value.retry_after >= 0.05 * 2**amazon.SP_THROTTLE_RETRIES
    assert sum(1 for r in sb.state.truth.rejections if r.injected) == 1 + amazon.SP_THROTTLE_RETRIES
    await connector.aclose()


def test_sp_backoff_doubles_with_bounded_jitter():
    rng = random.Random(1)
    waits = [amazon.sp_backoff(n, rng) for n in range(4)]
    for n, wait in enumerate(waits):
        assert 2**n <= wait <= 2**n * 1.25
    assert amazon.sp_backoff(50, rng) <= 64 * 1.25  # capped: never an absurd wait


async def test_ebay_token_without_the_message_scope_is_missing_scope_not_retried(sb):
    from api.channel.connectors.base import MissingScope, in_our_words

    sb.inject("ebay", "Hello?")
    store = sb.store("ebay")
    narrow = ["https://api.ebay.com/oauth/api_scope/sell.inventory"]
    # Only the access token lacks the scope: one refresh asking for it mends the channel.
    connector = make(sb, "ebay")
    connector.credentials["access_token"] = sb.mint_token(store, "user", scopes=narrow).token
    assert len((await connector.fetch({})).messages) == 1
    await connector.aclose()

    # The seller never consented to it (refresh token without it): MissingScope naming the scope.
    connector = make(sb, "ebay")
    connector.credentials["access_token"] = sb.mint_token(store, "user", scopes=narrow).token
    connector.credentials["refresh_token"] = sb.mint_token(store, "refresh", scopes=narrow).token
    before = len(sb.state.truth.rejections)
    with pytest.raises(MissingScope) as caught:
        await connector.fetch({})
    assert caught.value.scopes == (ebay.SCOPE,)
    assert isinstance(caught.value, AuthError) and isinstance(caught.value, Permanent)
    # One 403, one refused refresh (invalid_scope), then it stopped.
    refused = [(r.status, r.error_code) for r in sb.state.truth.rejections[before:]]
    assert refused == [(403, "1100"), (400, "invalid_scope")]
    assert in_our_words(caught.value, "eBay") == (
        "the eBay token lacks the permission https://api.ebay.com/oauth/api_scope/commerce.message: "
        "reconnect the store granting it"
    )

    # No refresh possible at all (only an access token): the 403 itself is MissingScope.
    connector.credentials.pop("refresh_token")
    with pytest.raises(MissingScope):
        await connector.check_credentials()
    await connector.aclose()
