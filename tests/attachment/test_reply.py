"""Replies with attachments through the sandbox: eBay gets messageMedia (signed https links), Shopee
and TikTok an uploaded image message each, the mail relays MIME parts. What a marketplace cannot take
is a 422 on `body.attachment_ids` saying why, before anything is queued."""

from __future__ import annotations

import json

import pytest

from tests.helpers import make_channel, push
from tests.sync.conftest import connect, deliver_all, poll

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x02" * 30
PDF = b"%PDF-1.4\n1 0 obj\n%%EOF\n"


async def _upload(client, data: bytes, filename: str) -> str:
    r = await client.post("/v1/attachments", params={"filename": filename}, content=data)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _conversation(client, channel_id: str) -> dict:
    r = await client.get("/v1/conversations", params={"channel_id": channel_id, "limit": 10})
    [conversation] = r.json()["items"]
    return conversation


async def _ready(tenant, sb, rt, marketplace: str, **settings) -> tuple[dict, object]:
    channel = await connect(tenant.api, sb, marketplace, **settings)
    kwargs = {}
    if marketplace in ("amazon", "walmart"):
        kwargs["order_id"] = sb.state.catalog.orders_for_store(sb.store(marketplace))[0].order_id
    thread, _ = sb.inject(marketplace, "Can you send a photo of the label?", category="pre_sale", **kwargs)
    assert (await poll(rt, channel)).error is None
    return await _conversation(tenant.api, channel["id"]), thread


async def test_ebay_reply_carries_signed_https_links(tenant, sb, rt, settings, files_dir, monkeypatch):
    monkeypatch.setattr(settings, "public_url", "https://hourglass.example")
    conversation, thread = await _ready(tenant, sb, rt, "ebay")
    ids = [await _upload(tenant.agent, PNG, "label.png"), await _upload(tenant.agent, PDF, "invoice.pdf")]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Here you go.", "attachment_ids": ids}
    )
    assert r.status_code == 201, r.text
    assert [a["filename"] for a in r.json()["attachments"]] == ["label.png", "invoice.pdf"]
    assert [o.status for o in await deliver_all(rt)] == ["sent"]
    sent = [m for m in sb.state.thread(thread.id).messages if m.direction == "seller"]
    assert [(m["mediaName"], m["mediaType"]) for m in sent[-1].media] == [
        ("label.png", "IMAGE"),
        ("invoice.pdf", "PDF"),
    ]
    link = sent[-1].media[0]["mediaUrl"]
    assert link.startswith(f"https://hourglass.example/v1/attachments/{ids[0]}/link/")
    # The link serves the file to whoever holds it (eBay), without a credential.
    got = await tenant.agent.get(link.removeprefix("https://hourglass.example"), headers={"Authorization": ""})
    assert got.status_code == 200 and got.content == PNG


async def test_ebay_refuses_when_the_public_url_is_not_https(tenant, sb, rt, files_dir):
    conversation, _ = await _ready(tenant, sb, rt, "ebay")
    ids = [await _upload(tenant.agent, PNG, "label.png")]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Here.", "attachment_ids": ids}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.attachment_ids" and "https" in r.json()["errors"][0]["reason"]


@pytest.mark.parametrize("marketplace", ["shopee", "tiktok"])
async def test_image_is_uploaded_and_sent_as_an_image_message(tenant, sb, rt, files_dir, marketplace):
    conversation, thread = await _ready(tenant, sb, rt, marketplace)
    ids = [await _upload(tenant.agent, PNG, "label.png")]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Here you go.", "attachment_ids": ids}
    )
    assert r.status_code == 201, r.text
    assert [o.status for o in await deliver_all(rt)] == ["sent"]
    sent = [m for m in sb.state.thread(thread.id).messages if m.direction == "seller"]
    assert [m.kind for m in sent] == ["TEXT", "IMAGE"]
    url = sent[1].content.get("image_url") or sent[1].content.get("url")
    assert sb.state.media.get(url.rsplit("/", 1)[-1]) == (PNG, "image/png")


@pytest.mark.parametrize("marketplace", ["shopee", "tiktok"])
async def test_a_pdf_is_refused_where_only_images_go(tenant, sb, rt, files_dir, marketplace):
    conversation, _ = await _ready(tenant, sb, rt, marketplace)
    ids = [await _upload(tenant.agent, PDF, "invoice.pdf")]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Invoice.", "attachment_ids": ids}
    )
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "body.attachment_ids" and "application/pdf" in error["reason"]
    messages = (await tenant.api.get(f"/v1/conversations/{conversation['id']}/messages")).json()["items"]
    assert all(m["direction"] == "inbound" for m in messages)  # nothing was queued


@pytest.mark.parametrize("marketplace", ["amazon", "walmart"])
async def test_relay_reply_carries_mime_parts(tenant, sb, rt, files_dir, marketplace):
    conversation, thread = await _ready(tenant, sb, rt, marketplace, bounce_window_seconds=0)
    ids = [await _upload(tenant.agent, PNG, "label.png"), await _upload(tenant.agent, PDF, "invoice.pdf")]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Attached.", "attachment_ids": ids}
    )
    assert r.status_code == 201, r.text
    assert [o.status for o in await deliver_all(rt)] == ["accepted"]
    sent = [m for m in sb.state.thread(thread.id).messages if m.direction == "seller"]
    assert [(m["mediaName"], m["size"]) for m in sent[-1].media] == [("label.png", len(PNG)), ("invoice.pdf", len(PDF))]


async def test_api_channel_reply_lists_its_attachments_for_the_erp(tenant, files_dir, sessionmaker):
    from sqlalchemy import select

    from api.models import OutboxEvent

    channel = await make_channel(tenant.api)
    await push(tenant.api, channel["id"])
    conversation = await _conversation(tenant.api, channel["id"])
    ids = [await _upload(tenant.agent, PNG, "label.png")]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Hi.", "attachment_ids": ids}
    )
    assert r.status_code == 201, r.text
    async with sessionmaker() as session:
        events = (
            await session.execute(select(OutboxEvent).where(OutboxEvent.event_type == "message.queued"))
        ).scalars()
        [queued] = [e for e in events if e.organization_id == tenant.org_id]
    assert queued.payload["data"]["attachment_ids"] == ids
    # The ERP reads it with its key.
    assert (await tenant.api.get(f"/v1/attachments/{ids[0]}")).content == PNG


async def test_too_many_files_are_refused(tenant, files_dir):
    channel = await make_channel(tenant.api)
    await push(tenant.api, channel["id"])
    conversation = await _conversation(tenant.api, channel["id"])
    ids = [await _upload(tenant.agent, PNG + bytes([n]), f"p{n}.png") for n in range(11)]
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Hi.", "attachment_ids": ids}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.attachment_ids"


async def test_another_organizations_attachment_cannot_be_sent(tenant, other_tenant, files_dir):
    theirs = await _upload(other_tenant.agent, PNG, "theirs.png")
    api_channel = await make_channel(tenant.api)
    await push(tenant.api, api_channel["id"])
    conversation = await _conversation(tenant.api, api_channel["id"])
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation['id']}/replies", json={"body": "Hi.", "attachment_ids": [theirs]}
    )
    assert r.status_code == 422
    assert "unknown attachment" in r.json()["errors"][0]["reason"]
    assert json.dumps(r.json()).count("theirs.png") == 0
