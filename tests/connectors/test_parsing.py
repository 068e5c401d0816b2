"""Pure parsing: each marketplace's quirks, without a network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from api.channel.connectors import ebay, shopee, tiktok
from api.channel.connectors.amazon import buyer_words
from api.channel.connectors.amazon import parse_relay_mail as amazon_mail
from api.channel.connectors.email import EmailConnector
from api.channel.connectors.http import retry_after_seconds
from api.channel.connectors.mail.parse import html_to_text, parse_mail
from api.channel.connectors.walmart import order_upsert, relay_alias
from api.channel.connectors.walmart import parse_relay_mail as walmart_mail
from api.channel.connectors.window import PollWindow
from api.sync.delivery import retry_delay
from api.sync.state import backoff, next_poll

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def mail(sender: str, subject: str, text: str, html: str | None = None, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "care@shop.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = headers.pop("message_id", "<m1@relay.example>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


# -- eBay ---------------------------------------------------------------------------------------------


def test_ebay_reads_both_spellings_of_the_sender():
    conversation = {
        "conversationId": "c1",
        "conversationTitle": "Mug",
        "referenceType": "LISTING",
        "referenceId": "110",
    }
    detail = {
        "messageId": "m1",
        "senderUsername": "buyer_1",
        "messageBody": "hi",
        "createdDate": "2026-03-01T10:00:00.000Z",
    }
    pushed = {**detail, "senderUserName": "buyer_1"}
    pushed.pop("senderUsername")
    a = ebay.to_inbound(conversation, detail, "FROM_MEMBERS")
    b = ebay.to_inbound(conversation, pushed, "FROM_MEMBERS")
    assert a.buyer_external_id == b.buyer_external_id == "buyer_1"
    assert a.digest() == b.digest()  # a push and a poll of one message are the same message
    assert a.item_id == "110" and a.subject == "Mug" and a.author_kind == "buyer"


def test_ebay_system_mail_is_system_and_never_waits():
    message = ebay.to_inbound(
        {"conversationId": "c2"}, {"messageId": "m2", "messageBody": "Policy update"}, "FROM_EBAY"
    )
    assert message.author_kind == "system" and message.auto_submitted and message.category == "platform_notice"


def test_ebay_push_names_the_conversation_and_skips_the_sellers_own():
    envelope = {
        "metadata": {"topic": "NEW_MESSAGE"},
        "notification": {"notificationId": "n1", "data": {"conversationId": "c9", "senderUserName": "buyer"}},
    }
    parsed = ebay.parse_push(json.dumps(envelope).encode(), "shop")
    assert parsed.threads == [("c9", "FROM_MEMBERS")]
    envelope["notification"]["data"]["senderUserName"] = "Shop"
    assert ebay.parse_push(json.dumps(envelope).encode(), "shop").threads == []
    assert ebay.parse_push(b'{"metadata":{"topic":"ITEM_SOLD"},"notification":{"data":{}}}', "shop").threads == []


# -- Shopee -------------------------------------------------------------------------------------------


def test_shopee_int64_ids_stay_exact_strings():
    raw = (
        b'{"shop_id":947042923,"code":10,"timestamp":1726044722,"msg_id":"","data":{"type":"message",'
        b'"content":{"message_id":2302748948493123953,"from_id":165105353,"to_id":947151379,"message_type":"text",'
        b'"content":{"text":"Baik kak"},"conversation_id":709122092476686867,"created_timestamp":1726044721,'
        b'"source_content":{"order_sn":"240915ABCD1234"}}}}'
    )
    parsed = shopee.parse_push(raw)
    [message] = parsed.messages
    assert message.external_message_id == "2302748948493123953"  # not 2302748948493123800
    assert message.external_thread_id == "709122092476686867"
    assert message.order_id == "240915ABCD1234" and message.metadata["to_id"] == "165105353"
    assert message.sent_at == datetime.fromtimestamp(1726044721, UTC)
    # Signed with the app's partner key, so a push for another shop of the app verifies too: refused.
    assert len(shopee.parse_push(raw, shop_id="947042923").messages) == 1
    assert shopee.parse_push(raw, shop_id="111").messages == []


def test_shopee_push_of_the_shops_own_message_and_notifications():
    raw = json.dumps(
        {
            "code": 10,
            "data": {
                "type": "message",
                "content": {
                    "message_id": "1",
                    "from_id": 5,
                    "conversation_id": "9",
                    "created_timestamp": 1,
                    "content": {"text": "x"},
                },
            },
        }
    ).encode()
    assert shopee.parse_push(raw, shop_user_id="5").messages == []
    # Without the shop's user id, the sending shop tells: our own message is never a buyer's.
    ours = json.loads(raw)
    ours["data"]["content"] |= {"from_id": 6, "from_shop_id": 77}
    assert shopee.parse_push(json.dumps(ours).encode(), shop_id="77").messages == []
    assert len(shopee.parse_push(json.dumps(ours).encode(), shop_id="78").messages) == 1
    assert shopee.parse_push(b'{"code":10,"data":{"type":"notification"}}').fetch
    assert shopee.parse_push(b'{"code":3,"data":{}}').messages == []


def test_shopee_message_kinds_read_as_text():
    assert shopee.message_text({"url": "https://x/img.jpg"}, "image") == "[image] https://x/img.jpg"
    assert shopee.message_text({"order_sn": "A1"}, "order") == "[order A1]"


# -- TikTok -------------------------------------------------------------------------------------------


def test_tiktok_content_is_a_json_string():
    data = {
        "conversation_id": "7494",
        "message_id": "7495",
        "type": "TEXT",
        "content": '{"content":"444"}',
        "create_time": 1644412885,
        "sender": {"im_user_id": "77", "role": "BUYER"},
    }
    [message] = tiktok.parse_push(json.dumps({"type": 14, "tts_notification_id": "1", "data": data}).encode()).messages
    assert message.body == "444" and message.buyer_external_id == "77" and message.external_thread_id == "7494"
    # Only BUYER senders wait for an answer: the shop's agents and bots are echoes, others notices.
    for role, expected in (("CUSTOMER_SERVICE", None), ("ROBOT", None), ("SYSTEM", "system"), ("BUYER", "buyer")):
        parsed = tiktok.to_inbound("7494", data | {"sender": {"im_user_id": "1", "role": role}})
        assert (parsed.author_kind if parsed else None) == expected, role
    other_shop = json.dumps({"type": 14, "tts_notification_id": "2", "shop_id": "9", "data": data}).encode()
    assert tiktok.parse_push(other_shop, shop_id="8").messages == []
    assert len(tiktok.parse_push(other_shop, shop_id="9").messages) == 1
    polled = tiktok.to_inbound(
        "7494",
        {
            **{k: v for k, v in data.items() if k != "message_id"},
            "id": "7495",
            "content": '{"content": "444"}',
            "sender": {**data["sender"], "nickname": "Al"},
        },
    )
    assert polled is not None and polled.digest() == message.digest()


def test_tiktok_echo_of_the_shops_message_is_not_a_buyer_message():
    data = {
        "conversation_id": "1",
        "message_id": "2",
        "type": "TEXT",
        "content": '{"content":"ok"}',
        "create_time": 1,
        "sender": {"im_user_id": "9", "role": "SHOP"},
    }
    assert tiktok.parse_push(json.dumps({"type": 14, "data": data}).encode()).messages == []
    assert tiktok.parse_push(b'{"type":13,"data":{"conversation_id":"1"}}').messages == []


def test_tiktok_cards_carry_the_order_as_system_messages():
    card = tiktok.to_inbound(
        "1",
        {
            "id": "3",
            "type": "BUYER_ENTER_FROM_ORDER",
            "content": '{"order_id":"576"}',
            "create_time": 5,
            "sender": {"im_user_id": "8", "role": "BUYER"},
        },
    )
    assert card is not None and card.order_id == "576" and card.author_kind == "system"
    assert tiktok.decode_content("not json") == {"content": "not json"}


def test_tiktok_signature_follows_the_guide():
    params = {"app_key": "k", "timestamp": "1", "shop_cipher": "c", "sign": "x", "access_token": "t"}
    assert tiktok.api_sign("s", "/p", params, "{}") == tiktok.api_sign(
        "s", "/p", {"timestamp": "1", "shop_cipher": "c", "app_key": "k"}, "{}"
    )


# -- Amazon relay -------------------------------------------------------------------------------------

AMAZON_BODY = """------------- Begin message -------------

Where is my package?

------------- End message -------------

Order ID: 111-3958185-1645065
Item: Mug
ASIN: B0C1234567

To mark this message as no response needed, click here: https://sellercentral.amazon.com/gp/communication-manager/no-response-needed.html?msg=AF9&c=1

[commMgrTok:AF9E104T7W2Q2]
"""


def test_amazon_relay_alias_order_words_and_no_response_link():
    raw = mail(
        '"Alisa - Amazon Marketplace" <sz2y5ywh1qg1vhx+133a066e@marketplace.amazon.com>',
        "Order delivery inquiry from Amazon customer Alisa (Order: 111-3958185-1645065)",
        AMAZON_BODY,
    )
    message = amazon_mail(parse_mail(raw))
    assert message is not None
    assert message.buyer_external_id == "sz2y5ywh1qg1vhx+133a066e@marketplace.amazon.com"
    assert message.buyer_name == "Alisa" and message.order_id == "111-3958185-1645065"
    assert message.body == "Where is my package?" and message.item_id == "B0C1234567"
    assert message.external_thread_id is None  # threads by order and buyer
    assert message.metadata["no_response_needed_url"].endswith("msg=AF9&c=1")
    assert message.metadata["comm_token"] == "AF9E104T7W2Q2" and message.author_kind == "buyer"


def test_amazon_presale_threads_by_mail_thread_and_notices_are_system():
    raw = mail(
        "Bo - Amazon Marketplace <b1@marketplace.amazon.com>",
        "Product details inquiry from Amazon customer Bo",
        "Does it fit?",
        message_id="<p2@x>",
        References="<p1@x>",
    )
    message = amazon_mail(parse_mail(raw))
    assert message is not None and message.external_thread_id == "<p1@x>" and message.order_id is None
    notice = amazon_mail(parse_mail(mail("seller-notification@amazon.com", "Policy", "FYI")))
    assert notice is not None and notice.author_kind == "system"
    assert buyer_words("no markers here\n\nTo mark this message as no response needed, click") == "no markers here"


# -- Walmart relay ------------------------------------------------------------------------------------


def test_walmart_buyer_care_and_escalations():
    buyer = walmart_mail(
        parse_mail(
            mail(
                "Ann Lee <pc-0123456789abcdef0123456789abcdef@relay.walmart.com>",
                "Question about order #697468372144791",
                "Is it shipped?\n\n----\n\nPurchase Order #: 697468372144791\n\nResponses must be in English",
            )
        )
    )
    assert buyer is not None and buyer.order_id == "697468372144791" and buyer.body == "Is it shipped?"
    assert buyer.category is None and buyer.labels == ()
    care = walmart_mail(
        parse_mail(
            mail(
                "Walmart Customer Care <marketplacecare@walmart.com>",
                "Walmart Customer Care: Case 1 - PO #123456789",
                "Customer says not received",
            )
        )
    )
    assert care is not None and care.category == "walmart_customer_care" and care.order_id == "123456789"
    bbb = walmart_mail(
        parse_mail(
            mail("partnerescalations@walmart.com", "URGENT: Better Business Bureau complaint - PO #123456789", "...")
        )
    )
    ag = walmart_mail(
        parse_mail(mail("partnerescalations@walmart.com", "URGENT: Attorney General complaint - PO #123456789", "..."))
    )
    assert bbb is not None and bbb.labels == ("bbb_complaint",)
    assert ag is not None and ag.labels == ("attorney_general_complaint",)
    notice = walmart_mail(parse_mail(mail("noreply@walmart.com", "Your item report is ready", "...")))
    assert notice is not None and notice.author_kind == "system"


def test_walmart_orders_api_customer_email_becomes_the_relay_alias():
    assert relay_alias("0123456789ABCDEF0123456789ABCDEF@relay.walmart.com") == (
        "pc-0123456789abcdef0123456789abcdef@relay.walmart.com"
    )
    fields = order_upsert(
        {
            "purchaseOrderId": "1",
            "orderDate": 1_700_000_000_000,
            "orderLines": {
                "orderLine": [
                    {
                        "item": {"productName": "Lamp", "sku": "L1"},
                        "orderLineQuantity": {"amount": "2"},
                        "charges": {"charge": [{"chargeAmount": {"amount": 20.0}}]},
                        "orderLineStatuses": {
                            "orderLineStatus": [
                                {
                                    "status": "Shipped",
                                    "trackingInfo": {
                                        "carrierName": {"carrier": "UPS"},
                                        "trackingNumber": "1Z",
                                        "trackingURL": "https://ups/1Z",
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
        }
    )
    assert fields["status"] == "shipped" and fields["items"][0]["unit_price"] == 10.0
    assert fields["shipments"][0]["tracking_number"] == "1Z"


# -- generic mail ------------------------------------------------------------------------------------


def test_auto_submitted_mail_is_system_and_html_is_text():
    connector = EmailConnector({"seller_email": "me@shop.example", "imap_host": "x", "smtp_host": "y"}, {})
    auto = connector.to_inbound(
        parse_mail(mail("bot@else.example", "Out of office", "away", Auto_Submitted="auto-replied"))
    )
    assert auto is not None and auto.author_kind == "system" and auto.auto_submitted
    bulk = parse_mail(mail("list@else.example", "News", "x", Precedence="bulk"))
    assert bulk.auto_submitted
    # Machine mail that does not say so: bounces and old-style autoresponders never get an auto-reply.
    assert parse_mail(mail("MAILER-DAEMON@relay.example", "Undelivered Mail", "x")).auto_submitted
    assert parse_mail(mail("a@b.example", "Re: hi", "x", Return_Path="<>")).auto_submitted
    assert parse_mail(mail("a@b.example", "Re: hi", "x", X_Autoreply="yes")).auto_submitted
    assert not parse_mail(mail("buyer@b.example", "Re: hi", "x", Return_Path="<buyer@b.example>")).auto_submitted
    html_only = EmailMessage()
    html_only["From"] = "a@b.example"
    html_only["Message-ID"] = "<h@b>"
    html_only.set_content("<p>Hello<br>there</p><script>alert(1)</script>", subtype="html")
    parsed = parse_mail(html_only.as_bytes())
    assert parsed.text == "Hello\nthere" and "script" not in parsed.text
    assert html_to_text("<b>a &amp; b</b>") == "a & b"


def test_mail_without_message_id_gets_a_stable_one():
    raw = b"From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse_mail(raw).message_id == parse_mail(raw).message_id


def test_hostile_headers_never_stop_parsing_and_never_break_a_reply():
    # Headers the structured parser chokes on (IndexError / AttributeError inside the email package),
    # and an encoded subject that decodes to a line break.
    raw = (
        b"From: <@>\r\nTo: <\r\nCc: a@[\r\nSubject: =?utf-8?q?Refund=0AInjected:_header?=\r\n"
        b"Message-ID: <h1@relay.example>\r\nDate: not a date\r\n\r\nplease help\r\n"
    )
    parsed = parse_mail(raw)
    assert parsed.message_id == "<h1@relay.example>" and parsed.text == "please help"
    assert "\n" not in parsed.subject and "\r" not in parsed.subject and parsed.date is None


def test_a_header_read_again_is_parsed_once_and_reads_as_the_standard_library_reads_it():
    from email import policy
    from email.parser import BytesParser

    from api.channel.connectors.mail import parse as mail_parse

    msg = EmailMessage()
    msg["From"] = "=?utf-8?b?5Lmw5a62?= <buyer@relay.example>"
    msg["To"] = "seller@shop.example"
    msg["Subject"] = "=?utf-8?q?Where_is_my_order=3F?="
    msg["Message-ID"] = "<p1@relay.example>"
    msg["Date"] = "Mon, 07 Dec 2026 10:00:00 +0000"
    msg.set_content("where is it?")
    # A Content-Type longer than any header kept for reuse: parsed each time, still a structured header.
    long_params = {f"x{i}": "y" * 20 for i in range(60)}
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="label.pdf", params=long_params)
    raw = msg.as_bytes()

    mail_parse._parsed_header.cache_clear()
    first = parse_mail(raw)
    reused = mail_parse._parsed_header.cache_info().hits
    assert reused > 0  # Content-Type and friends, read many times within one mail
    assert parse_mail(raw) == first
    assert mail_parse._parsed_header.cache_info().hits > reused  # and across mails
    assert first.from_name == "买家" and first.subject == "Where is my order?"
    assert [(a.filename, a.declared_type) for a in first.attachments] == [("label.pdf", "application/pdf")]

    ours = BytesParser(policy=mail_parse._READING).parsebytes(raw)
    standard = BytesParser(policy=policy.default).parsebytes(raw)
    for name in ("From", "To", "Subject", "Date", "Message-ID", "Content-Type"):
        assert str(ours[name]) == str(standard[name])
    ours_parts = [(p.get_content_type(), p.get_filename()) for p in ours.walk()]
    assert ours_parts == [(p.get_content_type(), p.get_filename()) for p in standard.walk()]


def test_a_mail_that_cannot_be_read_is_kept_as_a_placeholder():
    from api.channel.connectors.mail.connector import unreadable

    placeholder = unreadable(7, 42, b"From: x\r\n\r\n\xff\xfe<script>", ValueError("boom"))
    assert placeholder.external_message_id == "<unreadable-7-42@hourglass.invalid>"  # stable across re-reads
    assert "unreadable" in placeholder.labels and "ValueError" in placeholder.body
    assert "<script>" in placeholder.body and placeholder.body_html is None  # shown as text, never rendered


def test_retry_after_is_capped_and_never_overflows():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("1e12") == 24 * 3600.0
    assert retry_after_seconds("inf") is None and retry_after_seconds("nan") is None
    assert retry_after_seconds("-5") == 0.0
    assert retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT", NOW) == 24 * 3600.0


# -- cursors and backoff ----------------------------------------------------------------------------------


def test_poll_window_overlaps_and_resumes():
    window = PollWindow({}, {"backfill_hours": 1, "overlap_seconds": 60}, NOW)
    assert window.start == NOW - timedelta(hours=1)
    window.done("c1", "m1", NOW - timedelta(minutes=5))
    partial = window.cursor(complete=False)
    resumed = PollWindow(partial, {"overlap_seconds": 60}, NOW + timedelta(minutes=1))
    assert resumed.start == window.start and resumed.known("c1", "m1") and not resumed.known("c1", "m2")
    complete = resumed.cursor(complete=True)
    assert complete["since"] == (NOW - timedelta(minutes=5)).isoformat()
    nxt = PollWindow(complete, {"overlap_seconds": 60}, NOW)
    assert nxt.start == NOW - timedelta(minutes=6)  # the overlap re-reads the last minute
    # A message stamped a year ahead (a skewed or hostile clock) cannot move the window past now.
    skewed = PollWindow(complete, {"overlap_seconds": 60}, NOW)
    skewed.done("c2", "m9", NOW + timedelta(days=365))
    assert skewed.cursor(complete=True)["since"] == NOW.isoformat()


def test_retry_after_and_backoff():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(NOW + timedelta(seconds=30)), now=NOW) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_delay(1, 30.0) == 30.0  # never sooner than Retry-After
    assert 1.6 <= retry_delay(1, None) <= 2.4 and retry_delay(20, None) <= 720
    assert backoff(10, 1, None) == timedelta(seconds=20)
    assert backoff(10, 30, None) == timedelta(minutes=15)
    assert backoff(10, 0, 120) == timedelta(seconds=120)


def test_polls_keep_their_interval_from_start_to_start():
    # A 2 s channel whose poll took 300 ms is polled again 2 s after the last one began, not 2.3 s.
    assert next_poll(NOW, NOW + timedelta(milliseconds=300), 2.0, more=False) == NOW + timedelta(seconds=2)
    # A poll longer than the interval does not schedule the next one in the past...
    assert next_poll(NOW, NOW + timedelta(seconds=5), 2.0, more=False) == NOW + timedelta(seconds=5)
    # ...and while the marketplace has more pages, the next page is read at once.
    assert next_poll(NOW, NOW + timedelta(seconds=1), 60.0, more=True) == NOW + timedelta(seconds=1)


async def test_a_whole_connector_call_is_bounded_not_just_each_phase():
    import asyncio

    import pytest

    from api.channel.connectors.base import Transient, within

    assert await within(1.0, asyncio.sleep(0, result="ok"), "fast") == "ok"
    with pytest.raises(Transient, match="sending took longer than 0 s") as caught:
        await within(0.05, asyncio.sleep(5), "sending", ambiguous=True)
    assert caught.value.ambiguous  # it may have reached the marketplace: look before resending
