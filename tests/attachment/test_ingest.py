"""Buyers' files from the sandbox: eBay messageMedia, Shopee image and TikTok IMAGE messages are
fetched by the worker's step through the outbound policy (only the sandbox's `host:port` allowed);
relay mail's MIME parts are stored at ingest. A file that cannot be fetched fails with a reason and
the message is kept; a destination outside the allow-list is refused before any connection."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.attachment.service import fetch_pending, file_store
from api.kit.outbound import OutboundPolicy, outbound_client
from api.models import Attachment
from tests.connectors.helpers import sandbox_outbound
from tests.sync.conftest import connect, poll
from tests.sync.test_outbound_channels import counting_listener


async def _drain(sessionmaker, settings, policy: OutboundPolicy) -> int:
    fetched = 0
    async with outbound_client(policy) as http:
        while await fetch_pending(sessionmaker, http, file_store(settings), settings.attachment_max_bytes):
            fetched += 1
    return fetched


async def _inbound(client, channel_id):
    r = await client.get("/v1/messages", params={"channel_id": channel_id, "direction": "inbound", "limit": 100})
    assert r.status_code == 200, r.text
    return r.json()["items"]


@pytest.mark.parametrize("marketplace", ["ebay", "shopee", "tiktok"])
async def test_buyer_photos_are_fetched_stored_and_listed(
    tenant, sb, rt, sessionmaker, settings, files_dir, marketplace
):
    channel = await connect(tenant.api, sb, marketplace)
    sb.inject(
        marketplace, "The mug arrived cracked, see the photos.", category="damaged", images=["crack.png", "box.jpg"]
    )
    outcome = await poll(rt, channel)
    assert outcome.error is None, outcome.error
    listed = [a for m in await _inbound(tenant.api, channel["id"]) for a in m["attachments"]]
    assert len(listed) == 2 and {a["status"] for a in listed} == {"pending"}
    assert all("url" not in a for a in listed)  # never the marketplace's address

    assert await _drain(sessionmaker, settings, sandbox_outbound(sb)) == 2
    listed = [a for m in await _inbound(tenant.api, channel["id"]) for a in m["attachments"]]
    assert sorted((a["filename"], a["content_type"], a["status"]) for a in listed) == [
        ("box.jpg", "image/jpeg", "stored"),
        ("crack.png", "image/png", "stored"),
    ]
    assert {a["content_type"] for a in listed} == {"image/png", "image/jpeg"}
    for a in listed:
        got = await tenant.agent.get(f"/v1/attachments/{a['id']}")
        assert got.status_code == 200 and got.content.startswith((b"\x89PNG", b"\xff\xd8\xff"))
        assert a["size"] == len(got.content)
        assert (await tenant.agent.get(f"/v1/attachments/{a['id']}/meta")).json()["source"] == "inbound"
    # A second poll (the overlap re-reads) adds nothing.
    await poll(rt, channel)
    assert len([a for m in await _inbound(tenant.api, channel["id"]) for a in m["attachments"]]) == 2


async def test_a_file_that_cannot_be_fetched_fails_and_the_message_stays(
    tenant, sb, rt, sessionmaker, settings, files_dir
):
    channel = await connect(tenant.api, sb, "ebay")
    sb.inject("ebay", "Photo of the damage attached", category="damaged", images=["missing-photo.png", "ok.png"])
    await poll(rt, channel)
    await _drain(sessionmaker, settings, sandbox_outbound(sb))
    [message] = [m for m in await _inbound(tenant.api, channel["id"]) if m["attachments"]]
    assert message["body"] == "Photo of the damage attached"
    by_name = {a["filename"]: a for a in message["attachments"]}
    assert by_name["missing-photo.png"]["status"] == "failed"
    assert "HTTP 404" in by_name["missing-photo.png"]["failure_reason"]
    assert by_name["ok.png"]["status"] == "stored"
    assert (await tenant.agent.get(f"/v1/attachments/{by_name['missing-photo.png']['id']}")).status_code == 404


async def test_over_the_cap_fails_marked(tenant, sb, rt, sessionmaker, settings, files_dir, monkeypatch):
    monkeypatch.setattr(settings, "attachment_max_bytes", 1024)
    channel = await connect(tenant.api, sb, "ebay")
    sb.inject("ebay", "Here is the invoice", category="pre_sale", images=["big.pdf"])
    sb.state.media.uploaded["big.pdf"] = (b"%PDF-1.4\n" + b"0" * 5000, "application/pdf")
    await poll(rt, channel)
    await _drain(sessionmaker, settings, sandbox_outbound(sb))
    [a] = [a for m in await _inbound(tenant.api, channel["id"]) for a in m["attachments"]]
    assert a["status"] == "failed" and "cap" in a["failure_reason"]
    assert not [p for p in files_dir.rglob("*") if p.is_file()]


async def test_refused_destination_is_never_contacted(tenant, sb, rt, sessionmaker, settings, files_dir):
    """The URL came from a marketplace payload: with only the sandbox's host:port allowed, a photo
    URL on another loopback port is refused before connecting (the listener accepts nothing)."""
    channel = await connect(tenant.api, sb, "ebay")
    sb.inject("ebay", "See photo", category="damaged", images=["a.png"])
    await poll(rt, channel)
    async with counting_listener() as counter:
        async with sessionmaker.begin() as session:
            row = (await session.execute(select(Attachment))).scalar_one()
            row.source_url = f"http://127.0.0.1:{counter.port}/photo.png"
        await _drain(sessionmaker, settings, sandbox_outbound(sb))
        assert counter.accepted == 0
    [a] = [a for m in await _inbound(tenant.api, channel["id"]) for a in m["attachments"]]
    assert a["status"] == "failed" and a["failure_reason"].startswith("refused to fetch")
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[::1]:80/", "file:///etc/passwd"):
        async with sessionmaker.begin() as session:
            row = (await session.execute(select(Attachment))).scalar_one()
            row.status, row.source_url = "pending", url
        await _drain(sessionmaker, settings, sandbox_outbound(sb))
        async with sessionmaker() as session:
            row = (await session.execute(select(Attachment))).scalar_one()
            assert row.status == "failed" and row.failure_reason.startswith("refused to fetch"), (
                url,
                row.failure_reason,
            )


@pytest.mark.parametrize("marketplace", ["amazon", "walmart"])
async def test_relay_mail_parts_are_stored_at_ingest(tenant, sb, rt, files_dir, marketplace):
    channel = await connect(tenant.api, sb, marketplace)
    order = sb.state.catalog.orders_for_store(sb.store(marketplace))[0]
    sb.inject(
        marketplace,
        "Broken on arrival, photo attached",
        category="damaged",
        order_id=order.order_id,
        images=["photo.png", "page.html"],
    )
    outcome = await poll(rt, channel)
    assert outcome.error is None, outcome.error
    [message] = [m for m in await _inbound(tenant.api, channel["id"]) if m["attachments"]]
    by_name = {a["filename"]: a for a in message["attachments"]}
    assert by_name["photo.png"]["status"] == "stored" and by_name["photo.png"]["content_type"] == "image/png"
    # The sandbox's CDN calls the page image/png: sniffed as HTML, served only as a download.
    assert by_name["page.html"]["content_type"] == "text/html"
    got = await tenant.agent.get(f"/v1/attachments/{by_name['page.html']['id']}")
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert (await tenant.agent.get(f"/v1/attachments/{by_name['photo.png']['id']}/meta")).json()["source"] == "mail"


async def test_the_worker_loop_step_fetches_then_idles(tenant, sb, rt, sessionmaker, settings, files_dir):
    from workers.loops import MORE
    from workers.tasks.attachments import attachment_loop

    channel = await connect(tenant.api, sb, "ebay")
    sb.inject("ebay", "Photo", category="damaged", images=["one.gif"])
    await poll(rt, channel)
    async with outbound_client(sandbox_outbound(sb)) as http:
        loop = attachment_loop(sessionmaker, settings, http)
        assert loop.channels == ("hourglass_attachments",)
        assert await loop.step() == MORE
        assert await loop.step() is None
    [a] = [a for m in await _inbound(tenant.api, channel["id"]) for a in m["attachments"]]
    assert (a["filename"], a["content_type"], a["status"]) == ("one.gif", "image/gif", "stored")
