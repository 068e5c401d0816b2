"""Automatic replies that fit (issue 16): in the buyer's language when the library has that variant of
the template, never to a message classified as likely spam; the demo gets internal clocks too."""

from __future__ import annotations

from sqlalchemy import select

from api.models import AutomationRun
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push


async def _setup(tenant):
    en = (
        await tenant.admin.post(
            "/v1/templates", json={"name": "Ack", "category": "uncategorized", "body": "Thanks, we will reply soon."}
        )
    ).json()
    zh = await tenant.admin.post(
        "/v1/templates",
        json={"name": "Ack", "category": "uncategorized", "language": "zh", "body": "感谢留言，我们会尽快回复。"},
    )
    assert zh.status_code == 201, zh.text
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={"name": "Always ack", "position": 1, "actions": [{"type": "send_template", "template_id": en["id"]}]},
    )
    assert r.status_code == 201, r.text
    return await make_channel(tenant.api, marketplace="shopee")


async def _auto_replies(tenant, conversation_id):
    msgs = (await tenant.api.get(f"/v1/conversations/{conversation_id}/messages")).json()["items"]
    return [m["body"] for m in msgs if m["author_kind"] == "auto"]


async def test_the_acknowledgement_goes_out_in_the_buyers_language(tenant, sessionmaker):
    channel = await _setup(tenant)
    chinese = await push(tenant.api, channel["id"], body="你好，我的包裹什么时候到？")
    english = await push(tenant.api, channel["id"], body="Hello, when will my parcel arrive?")
    spanish = await push(tenant.api, channel["id"], body="Hola, ¿dónde está mi pedido? Gracias por favor")
    await drain(sessionmaker)
    assert await _auto_replies(tenant, chinese["conversation_id"]) == ["感谢留言，我们会尽快回复。"]
    assert await _auto_replies(tenant, english["conversation_id"]) == ["Thanks, we will reply soon."]
    # No Spanish variant: the rule's own template.
    assert await _auto_replies(tenant, spanish["conversation_id"]) == ["Thanks, we will reply soon."]
    async with sessionmaker() as s:
        done = (await s.execute(select(AutomationRun.actions_done))).scalars().all()
    assert sorted(a[0].rsplit(" ", 1)[1] for a in done) == ["(en)", "(en)", "(zh)"]


async def test_no_automatic_reply_to_likely_spam(tenant, sessionmaker):
    channel = await _setup(tenant)
    spam = await push(tenant.api, channel["id"], body="Cheap SEO backlinks and crypto loan offer, whatsapp me")
    await drain(sessionmaker)
    assert await _auto_replies(tenant, spam["conversation_id"]) == []
    async with sessionmaker() as s:
        [run] = (await s.execute(select(AutomationRun))).scalars().all()
    assert run.outcome == "suppressed" and "looks like spam" in run.reason
