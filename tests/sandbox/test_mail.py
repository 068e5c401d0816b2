"""The Amazon and Walmart mail relays: IMAP read with stdlib imaplib, SMTP replies with smtplib."""

from __future__ import annotations

import asyncio
import email
import imaplib
import re
import smtplib
from email import policy
from email.message import EmailMessage

import pytest

from tests.sandbox.helpers import running

pytestmark = pytest.mark.asyncio


def imap_login(port: int, user: str, password: str) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, password)
    return client


def reply(sender: str, to: str, body: str, in_reply_to: str | None, subject: str = "Re: your message") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return msg


def send(port: int, user: str, password: str, message: EmailMessage, mechanism: str | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        if mechanism == "LOGIN":
            smtp.ehlo()
            smtp.user, smtp.password = user, password
            smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
        else:
            smtp.login(user, password)  # PLAIN, the first mechanism smtplib prefers that the server offers
        smtp.send_message(message)


async def test_imap_search_fetch_and_mark_seen() -> None:
    async with running() as sb:
        store = sb.store("amazon")
        creds = store.credentials
        order = sb.state.catalog.orders_for_store(store)[0]
        thread, message = sb.inject(
            "amazon", "Where is my order? 我的包裹到哪了？", order_id=order.order_id, category="where_is_my_order"
        )
        sb.inject("amazon", "Is this dishwasher safe?")

        def read() -> dict[str, object]:
            client = imap_login(sb.imap_port, creds["imap_username"], creds["imap_password"])
            try:
                status, data = client.select("INBOX")
                assert status == "OK" and data == [b"2"]
                uidvalidity = client.response("UIDVALIDITY")[1][0]
                _, all_uids = client.uid("SEARCH", "ALL")
                _, unseen = client.uid("SEARCH", "UNSEEN")
                _, since = client.uid("SEARCH", "SINCE", "01-Jan-2020")
                _, by_uid = client.uid("SEARCH", "UID", "2:*")
                _, headers = client.uid(
                    "FETCH",
                    "1",
                    "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)])",
                )
                _, full = client.uid("FETCH", "1", "(BODY.PEEK[])")
                _, still_unseen = client.uid("SEARCH", "UNSEEN")
                client.uid("STORE", "1", "+FLAGS", "(\\Seen)")
                _, after = client.uid("SEARCH", "UNSEEN")
                _, flags = client.uid("FETCH", "1", "(FLAGS)")
                return {
                    "uidvalidity": uidvalidity,
                    "all": all_uids[0],
                    "unseen": unseen[0],
                    "since": since[0],
                    "by_uid": by_uid[0],
                    "headers": headers,
                    "full": full[0][1],
                    "still_unseen": still_unseen[0],
                    "after": after[0],
                    "flags": flags[0],
                }
            finally:
                client.logout()

        result = await asyncio.to_thread(read)
        assert result["uidvalidity"] is not None
        assert result["all"] == b"1 2" and result["unseen"] == b"1 2" and result["since"] == b"1 2"
        assert result["by_uid"] == b"2"
        meta, header_block = result["headers"][0]
        assert b"UID 1" in meta and b"RFC822.SIZE" in meta and b"INTERNALDATE" in meta
        assert b"FLAGS ()" in meta
        assert b"@marketplace.amazon.com" in header_block and b"Subject:" in header_block

        parsed = email.message_from_bytes(result["full"], policy=policy.default)
        alias = sb.state.buyer(thread.buyer_id).address
        assert parsed["From"].addresses[0].addr_spec == alias
        assert parsed["From"].addresses[0].display_name.endswith("- Amazon Marketplace")
        assert str(parsed["Subject"]) == (
            f"Order delivery inquiry from Amazon customer "
            f"{sb.state.buyer(thread.buyer_id).name} (Order: {order.order_id})"
        )
        assert parsed["Message-ID"] == message.mail_message_id
        text = parsed.get_body(("plain",)).get_content()
        assert "我的包裹到哪了" in text
        assert "/gp/communication-manager/no-response-needed.html?msg=" in text
        assert re.search(r"\[commMgrTok:[A-Z0-9]+\]\s*$", text)

        # Fetching with PEEK left it unseen; STORE +FLAGS \Seen marked it.
        assert result["still_unseen"] == b"1 2" and result["after"] == b"2"
        assert b"\\Seen" in result["flags"]
        assert [r.operation for r in sb.state.truth.reads] == ["imap.seen"]
        assert sb.state.thread(thread.id).messages[0].read


async def test_imap_rejects_bad_login_and_uid_star_quirk() -> None:
    async with running() as sb:
        creds = sb.store("walmart").credentials
        for n in range(3):
            sb.inject("walmart", f"Question {n}")

        def run() -> tuple[bytes, list[bytes]]:
            with pytest.raises(imaplib.IMAP4.error):
                imap_login(sb.imap_port, creds["imap_username"], "wrong")
            client = imap_login(sb.imap_port, creds["imap_username"], creds["imap_password"])
            client.select("INBOX", readonly=True)
            # RFC 3501: `100:*` still includes the highest UID even when it is below 100.
            _, data = client.uid("FETCH", "100:*", "(UID)")
            _, status = client.status("INBOX", "(MESSAGES UIDNEXT UNSEEN)")
            client.logout()
            return data[0], status

        last, status = await asyncio.to_thread(run)
        assert b"UID 3" in last
        assert status == [b"INBOX (MESSAGES 3 UIDNEXT 4 UNSEEN 3)"]
        assert [r.error_code for r in sb.state.truth.rejections] == ["AUTHENTICATIONFAILED"]


async def test_imap_literals_and_idle_over_raw_socket() -> None:
    async with running() as sb:
        creds = sb.store("amazon").credentials
        reader, writer = await asyncio.open_connection("127.0.0.1", sb.imap_port)
        assert (await reader.readline()).startswith(b"* OK")
        password = creds["imap_password"].encode()
        # A synchronising literal: the server must answer "+" before the client sends it.
        writer.write(b'a1 LOGIN "%s" {%d}\r\n' % (creds["imap_username"].encode(), len(password)))
        await writer.drain()
        assert (await reader.readline()).startswith(b"+")
        writer.write(password + b"\r\n")
        assert b"a1 OK" in await reader.readline()
        writer.write(b"a2 SELECT INBOX\r\n")
        while not (line := await reader.readline()).startswith(b"a2 "):
            pass
        assert b"OK" in line
        writer.write(b"a3 IDLE\r\n")
        await writer.drain()
        assert (await reader.readline()).startswith(b"+")
        sb.inject("amazon", "Hello, any update on shipping?")
        assert await asyncio.wait_for(reader.readline(), 5) == b"* 1 EXISTS\r\n"
        writer.write(b"DONE\r\n")
        assert b"a3 OK" in await reader.readline()
        # A non-synchronising literal (LITERAL+) inside FETCH's attribute list is not needed, but a
        # literal-bearing FETCH response is: the body comes back as {n} bytes.
        writer.write(b"a4 UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n")
        await writer.drain()
        first = await reader.readline()
        size = int(re.search(rb"\{(\d+)\}", first).group(1))
        literal = await reader.readexactly(size)
        assert literal.startswith(b"Subject: Product details inquiry from Amazon customer")
        writer.write(b"a5 LOGOUT\r\n")
        await writer.drain()
        writer.close()


async def test_smtp_reply_is_recorded_against_the_thread() -> None:
    async with running() as sb:
        store = sb.store("amazon")
        creds = store.credentials
        order = sb.state.catalog.orders_for_store(store)[1]
        thread, message = sb.inject(
            "amazon", "Has my order shipped?", order_id=order.order_id, category="where_is_my_order"
        )
        alias = sb.state.buyer(thread.buyer_id).address
        answer = reply(creds["seller_email"], alias, "It shipped today with UPS.", message.mail_message_id)
        await asyncio.to_thread(send, sb.smtp_port, creds["smtp_username"], creds["smtp_password"], answer)
        [record] = sb.state.truth.seller_replies
        assert record.thread_id == thread.id and record.channel == "smtp"
        assert record.auth_login == creds["smtp_username"]
        assert record.matched_by == "in-reply-to" and record.in_reply_to == message.mail_message_id
        assert record.body == "It shipped today with UPS."
        assert sb.state.thread(thread.id).last_message().direction == "seller"


async def test_amazon_rejects_replies_not_from_the_registered_address() -> None:
    # In-session refusal mode (the default bounces later: tests/sandbox/test_mail_bounces.py).
    async with running(mail_refusals="session") as sb:
        creds = sb.store("amazon").credentials
        thread, message = sb.inject("amazon", "Do you have this in blue?")
        alias = sb.state.buyer(thread.buyer_id).address
        wrong = reply("someone@gmail.example", alias, "Yes!", message.mail_message_id)
        with pytest.raises(smtplib.SMTPDataError) as raised:
            await asyncio.to_thread(send, sb.smtp_port, creds["smtp_username"], creds["smtp_password"], wrong)
        assert raised.value.smtp_code == 550
        assert not sb.state.truth.seller_replies
        [rejection] = sb.state.truth.rejections
        assert (rejection.channel, rejection.status, rejection.error_code) == ("smtp", 550, "5.7.1")

        # An approved sender is accepted.
        sb.store("amazon").credentials["approved_senders"] = ["agent@brightnest-home-us.example"]
        ok = reply("agent@brightnest-home-us.example", alias, "Yes, blue is in stock.", message.mail_message_id)
        await asyncio.to_thread(send, sb.smtp_port, creds["smtp_username"], creds["smtp_password"], ok)
        assert len(sb.state.truth.seller_replies) == 1


async def test_smtp_requires_auth_and_known_recipients() -> None:
    async with running(mail_refusals="session") as sb:
        creds = sb.store("walmart").credentials
        thread, _ = sb.inject("walmart", "Where is my stuff?")
        relay = sb.state.buyer(thread.buyer_id).address
        assert relay is not None and re.fullmatch(r"pc-[0-9a-f]{32}@relay\.walmart\.com", relay)

        def unauthenticated() -> None:
            with smtplib.SMTP("127.0.0.1", sb.smtp_port) as smtp:
                smtp.sendmail(creds["seller_email"], [relay], b"Subject: hi\r\n\r\nhello")

        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            await asyncio.to_thread(unauthenticated)
        assert refused.value.smtp_code == 530

        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(
                send,
                sb.smtp_port,
                creds["smtp_username"],
                creds["smtp_password"],
                reply(creds["seller_email"], "stranger@relay.walmart.com", "hi", None),
            )

        # Without In-Reply-To the relay address finds the buyer's thread (AUTH LOGIN this time).
        await asyncio.to_thread(
            send,
            sb.smtp_port,
            creds["smtp_username"],
            creds["smtp_password"],
            reply(creds["seller_email"], relay, "On its way!", None),
            "LOGIN",
        )
        [record] = sb.state.truth.seller_replies
        assert record.thread_id == thread.id and record.matched_by == "relay-address"


async def test_walmart_care_and_bbb_mail_formats() -> None:
    async with running() as sb:
        store = sb.store("walmart")
        creds = store.credentials
        orders = sb.state.catalog.orders_for_store(store)
        sb.inject(
            "walmart",
            "The customer says the package never arrived.",
            order_id=orders[0].order_id,
            category="walmart_customer_care",
        )
        sb.inject("walmart", "A BBB complaint was filed.", order_id=orders[1].order_id, category="bbb_complaint")

        def fetch() -> list[EmailMessage]:
            client = imap_login(sb.imap_port, creds["imap_username"], creds["imap_password"])
            client.select("INBOX")
            _, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
            client.logout()
            bodies = [part[1] for part in data if isinstance(part, tuple)]
            return [email.message_from_bytes(raw, policy=policy.default) for raw in bodies]

        care, bbb = await asyncio.to_thread(fetch)
        assert care["From"].addresses[0].addr_spec == "marketplacecare@walmart.com"
        assert care["Subject"].startswith("Walmart Customer Care:") and orders[0].order_id in care["Subject"]
        assert bbb["From"].addresses[0].addr_spec == "partnerescalations@walmart.com"
        assert "Better Business Bureau" in bbb["Subject"] and "1 hour" in bbb["Subject"]
        assert bbb["Importance"] == "high"
