"""The admin API, the ground-truth counts, persistence across restarts and the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from sandbox import Sandbox
from tests.sandbox.helpers import PushSink, config, ebay_headers, running

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]


async def test_admin_stores_injection_and_truth() -> None:
    sink = await PushSink().start()
    try:
        async with running(default_stores=False) as sb, httpx.AsyncClient(base_url=sb.http_url) as client:
            created = await client.post("/_sandbox/stores", json={"marketplace": "ebay", "name": "gadget_hub"})
            assert created.status_code == 201
            store = created.json()
            assert store["id"] == "ebay-1" and store["credentials"]["seller_username"] == "gadget_hub"
            mail_store = (await client.post("/_sandbox/stores", json={"marketplace": "walmart"})).json()
            assert mail_store["endpoints"]["imap"]["port"] == sb.imap_port
            assert mail_store["endpoints"]["smtp"]["username"] == mail_store["credentials"]["seller_email"]
            duplicate = await client.post("/_sandbox/stores", json={"marketplace": "ebay", "store_id": "ebay-1"})
            assert duplicate.status_code == 409

            patched = await client.patch(
                "/_sandbox/stores/ebay-1", json={"push_target": f"{sink.url}/v1/hooks/ebay/ch_9"}
            )
            assert patched.json()["push_target"].endswith("/v1/hooks/ebay/ch_9")

            injected = await client.post(
                "/_sandbox/stores/ebay-1/messages",
                json={"body": "Is the charger included?", "buyer": {"name": "Dana", "handle": "dana_k"}},
            )
            assert injected.status_code == 201
            first = injected.json()
            follow = await client.post(
                "/_sandbox/stores/ebay-1/messages", json={"body": "Any update?", "thread_id": first["thread_id"]}
            )
            assert follow.json()["thread_id"] == first["thread_id"]
            missing = await client.post("/_sandbox/stores/ebay-1/messages", json={"body": "x", "order_id": "nope"})
            assert missing.status_code == 404
            await client.post("/_sandbox/pushes/drain")
            assert len(sink.received) == 2

            headers = ebay_headers(store["credentials"]["access_token"])
            await client.post(
                "/commerce/message/v1/send_message",
                headers=headers,
                json={"conversationId": first["thread_id"], "messageText": "Yes, in the box."},
            )
            truth = (await client.get("/_sandbox/truth", params={"marketplace": "ebay"})).json()
            assert [m["body"] for m in truth["buyer_messages"]] == ["Is the charger included?", "Any update?"]
            assert truth["buyer_messages"][1]["follow_up"] is True
            assert [p["status_code"] for p in truth["pushes"]] == [200, 200]
            assert truth["seller_replies"][0]["thread_id"] == first["thread_id"]
            summary = (await client.get("/_sandbox/truth/summary")).json()
            assert summary["by_marketplace"]["ebay"] == {
                "buyer_messages": 2,
                "expecting_reply": 2,
                "push_attempts": 2,
                "push_delivered": 2,
                "push_duplicates": 0,
                "seller_replies": 1,
                "rejections": 0,
            }

            # Losses: a consumer that saw only the first message lost the second.
            assert sb.state.truth.losses({first["message_id"]}) == [follow.json()["message_id"]]

            threads = (await client.get("/_sandbox/threads", params={"store_id": "ebay-1"})).json()["threads"]
            assert len(threads) == 1 and len(threads[0]["messages"]) == 3
            clock = (await client.post("/_sandbox/clock", json={"advance_seconds": 3600})).json()
            assert clock["offset_seconds"] == 3600
    finally:
        await sink.close()


async def test_backdated_injection_and_response_stats() -> None:
    async with running() as sb:
        before = sb.state.clock.now()
        thread, message = sb.inject("shopee", "Hello, is this available?", age_seconds=13 * 3600)
        after = sb.state.clock.now()
        assert before - timedelta(hours=13) <= message.world_at <= after - timedelta(hours=13)
        stats = sb.state.truth.response_stats(
            thread.store_id, sb.state.clock.now() - timedelta(days=1), sb.state.clock.now(), timedelta(hours=12)
        )
        assert stats == {"total": 1, "responded": 0, "pending": 0}  # Shopee's 12 h window has passed


async def test_state_survives_a_restart_with_data_dir(tmp_path: Path) -> None:
    first = Sandbox(config(data_dir=tmp_path))
    async with first as sb:
        thread, _ = sb.inject("amazon", "Do you ship to Alaska?")
        credentials = dict(sb.store("ebay").credentials)
        uidvalidity = sb.state.mail.account_for_store("amazon-1").mailboxes["INBOX"].uidvalidity
        kid = sb.state.ebay_key.kid
    assert (tmp_path / "sandbox-state.json").exists()
    async with Sandbox(config(data_dir=tmp_path)) as sb:
        assert sb.store("ebay").credentials == credentials
        assert sb.state.thread(thread.id) is not None
        mailbox = sb.state.mail.account_for_store("amazon-1").mailboxes["INBOX"]
        assert mailbox.uidvalidity == uidvalidity and mailbox.uidnext == 2
        assert sb.state.ebay_key.kid == kid
        assert len(sb.state.truth.buyer_messages) == 1
        # Mail ids are indexed again, so a reply still finds its thread.
        assert sb.state.thread_by_mail_id(sb.state.thread(thread.id).messages[0].mail_message_id).id == thread.id


async def test_cli_runs_until_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--http-port",
        "0",
        "--imap-port",
        "0",
        "--smtp-port",
        "0",
        "--seed",
        "3",
        "--push-target",
        "http://127.0.0.1:9/v1/hooks/{marketplace}/{store_id}",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        banner = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert banner.startswith("sandbox http=http://127.0.0.1:")
        url = banner.split()[1].removeprefix("http=")
        async with httpx.AsyncClient(base_url=url) as client:
            health = (await client.get("/_sandbox/health")).json()
            assert health["ok"] is True and health["seed"] == 3 and health["stores"] == 5
            stores = (await client.get("/_sandbox/stores", params={"marketplace": "shopee"})).json()["stores"]
            assert stores[0]["push_target"] == "http://127.0.0.1:9/v1/hooks/shopee/shopee-1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0


async def test_a_port_in_use_fails_cleanly() -> None:
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        sandbox = Sandbox(config(http_port=taken.getsockname()[1]))
        with pytest.raises(OSError):
            await sandbox.start()
        assert sandbox.state.pushes is None
    finally:
        taken.close()


async def test_only_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(config(host="0.0.0.0"))
