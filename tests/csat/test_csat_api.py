"""CSAT end to end through the API and the worker functions: the decision at resolution (shown on
the conversation), the question sent once through the outbound path, the buyer's "5" recorded as a
score, the survey link page, settings validation, results and tenant isolation."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.csat import service
from api.models import CsatSurvey, Message, OutboxEvent
from tests.automation.test_pipeline import drain
from tests.helpers import make_channel, push

PUBLIC = "http://hub.test"


async def _enable(tenant, **extra):
    r = await tenant.admin.patch("/v1/csat/settings", json={"enabled": True, "delay_minutes": 0, **extra})
    assert r.status_code == 200, r.text
    return r.json()


async def _resolve(tenant, conv, assignee=None):
    body = {"status": "resolved", **({"assignee_id": str(assignee)} if assignee else {})}
    r = await tenant.agent.patch(f"/v1/conversations/{conv}", json=body)
    assert r.status_code == 200, r.text


async def _decisions(client, conv):
    r = await client.get(f"/v1/csat/conversations/{conv}")
    assert r.status_code == 200, r.text
    return r.json()


async def _send(sessionmaker, now=None):
    async with sessionmaker.begin() as s:
        return await service.send_due(s, now or datetime.now(UTC), PUBLIC)


async def _csat_messages(sessionmaker, conv):
    async with sessionmaker() as s:
        rows = (
            await s.execute(
                select(Message).where(Message.conversation_id == uuid.UUID(conv), Message.direction == "outbound")
            )
        ).scalars()
        return [m for m in rows if "csat_survey_id" in (m.meta or {})]


async def test_resolved_ebay_conversation_gets_one_question_and_the_buyers_5_is_a_score(tenant, sessionmaker):
    await _enable(tenant, delay_minutes=30)
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"], external_thread_id="eb-t1", order_id="EB-1"))["conversation_id"]
    await drain(sessionmaker)
    await _resolve(tenant, conv, tenant.agent_id)

    [decision] = await _decisions(tenant.agent, conv)
    assert decision["state"] == "scheduled" and decision["allowed"] and decision["form"] == "in_thread"
    assert "eBay" in decision["reason"] and "eBay member-to-member" in decision["source"]
    due = datetime.fromisoformat(decision["due_at"])
    assert due - datetime.fromisoformat(decision["resolved_at"]) == timedelta(minutes=30)

    assert await _send(sessionmaker, due - timedelta(seconds=1)) == 0
    # The delay passes: the survey falls due now, so the buyer's answer can come after it.
    async with sessionmaker.begin() as s:
        survey = await s.get(CsatSurvey, uuid.UUID(decision["id"]))
        survey.due_at = datetime.now(UTC) - timedelta(seconds=1)
    assert await _send(sessionmaker) == 1
    assert await _send(sessionmaker, due + timedelta(days=1)) == 0  # exactly once
    [question] = await _csat_messages(sessionmaker, conv)
    assert question.author_kind == "auto" and question.delivery_status == "queued"
    assert "1" in question.body and "5" in question.body and "http" not in question.body

    waiting_before = (await tenant.agent.get(f"/v1/conversations/{conv}")).json()["waiting_since"]
    await push(tenant.api, channel["id"], external_thread_id="eb-t1", body="5", sent_at=datetime.now(UTC).isoformat())
    await drain(sessionmaker)

    [decision] = await _decisions(tenant.agent, conv)
    assert decision["state"] == "answered" and decision["score"] == 5 and decision["answered_via"] == "reply"
    conversation = (await tenant.agent.get(f"/v1/conversations/{conv}")).json()
    # The rating adds no wait: what waited before it (nothing was answered here) still does.
    assert conversation["status"] == "resolved" and conversation["waiting_since"] == waiting_before
    async with sessionmaker() as s:
        answer = await s.get(Message, uuid.UUID(decision["answer_message_id"]))
        assert answer is not None and answer.no_response_needed and answer.meta["no_response_reason"] == "csat_score"
        types = (await s.execute(select(OutboxEvent.event_type))).scalars().all()
    assert types.count("csat.received") == 1

    # A second "5" is an ordinary message: one score per survey.
    await push(tenant.api, channel["id"], external_thread_id="eb-t1", body="5", sent_at=datetime.now(UTC).isoformat())
    await drain(sessionmaker)
    async with sessionmaker() as s:
        types = (await s.execute(select(OutboxEvent.event_type))).scalars().all()
    assert types.count("csat.received") == 1

    start = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    end = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = await tenant.admin.get("/v1/csat/results", params={"group_by": "agent", "from": start, "to": end})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total_sent"] == 1 and body["total_answered"] == 1 and body["average"] == 5
    [group] = body["groups"]
    assert group["key"] == str(tenant.agent_id) and group["label"] == "Agent" and group["distribution"]["5"] == 1
    r = await tenant.admin.get("/v1/csat/results", params={"group_by": "marketplace", "from": start, "to": end})
    assert r.json()["groups"][0]["key"] == "ebay"
    async with sessionmaker() as s:
        averages = await service.agent_averages(
            s, tenant.org_id, datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=2)
        )
    assert averages == {tenant.agent_id: (5.0, 1)}
    r = await tenant.admin.get("/v1/csat/responses", params={"from": start, "to": end})
    assert [x["score"] for x in r.json()] == [5]


async def test_walmart_gets_no_question_and_says_why(tenant, sessionmaker):
    await _enable(tenant)
    channel = await make_channel(tenant.api, marketplace="walmart")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    await _resolve(tenant, conv)
    [decision] = await _decisions(tenant.agent, conv)
    assert decision["state"] == "refused" and not decision["allowed"]
    assert "Walmart" in decision["reason"] and "unsolicited" in decision["reason"]
    assert "Walmart Seller Code of Conduct" in decision["source"]
    assert await _send(sessionmaker, datetime.now(UTC) + timedelta(days=1)) == 0
    assert await _csat_messages(sessionmaker, conv) == []


async def test_at_most_once_per_order_and_not_after_a_complaint(tenant, sessionmaker):
    await _enable(tenant)
    channel = await make_channel(tenant.api, marketplace="ebay")
    first = (await push(tenant.api, channel["id"], order_id="EB-2"))["conversation_id"]
    second = (await push(tenant.api, channel["id"], order_id="EB-2", external_thread_id="other"))["conversation_id"]
    await _resolve(tenant, first)
    await _resolve(tenant, second)
    assert (await _decisions(tenant.agent, first))[0]["state"] == "scheduled"
    refused = (await _decisions(tenant.agent, second))[0]
    assert refused["state"] == "refused" and "once per order" in refused["reason"]

    complaint = (await push(tenant.api, channel["id"], order_id="EB-3"))["conversation_id"]
    r = await tenant.agent.patch(f"/v1/conversations/{complaint}", json={"category": "complaint"})
    assert r.status_code == 200, r.text
    await _resolve(tenant, complaint)
    assert "complain" in (await _decisions(tenant.agent, complaint))[0]["reason"]


async def test_reopened_before_due_is_cancelled_and_a_question_is_not_a_score(tenant, sessionmaker):
    await _enable(tenant, delay_minutes=5)
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"], external_thread_id="eb-t2"))["conversation_id"]
    await _resolve(tenant, conv)
    r = await tenant.agent.patch(f"/v1/conversations/{conv}", json={"status": "open"})
    assert r.status_code == 200
    assert await _send(sessionmaker, datetime.now(UTC) + timedelta(minutes=6)) == 1
    [decision] = await _decisions(tenant.agent, conv)
    assert decision["state"] == "cancelled" and "reopened" in decision["reason"]

    other = (await push(tenant.api, channel["id"], external_thread_id="eb-t3"))["conversation_id"]
    await _enable(tenant, delay_minutes=0)
    await _resolve(tenant, other)
    assert await _send(sessionmaker) == 1
    await push(
        tenant.api,
        channel["id"],
        external_thread_id="eb-t3",
        body="Is 5 the size I should order?",
        sent_at=datetime.now(UTC).isoformat(),
    )
    await drain(sessionmaker)
    [decision] = await _decisions(tenant.agent, other)
    assert decision["state"] == "sent" and decision["score"] is None
    conversation = (await tenant.agent.get(f"/v1/conversations/{other}")).json()
    assert conversation["status"] == "open" and conversation["waiting_since"] is not None


async def test_survey_link_on_an_api_channel(tenant, sessionmaker, client):
    await _enable(tenant, forms={"api": "link"})
    channel = await make_channel(tenant.api, marketplace="api")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    await _resolve(tenant, conv)
    assert await _send(sessionmaker) == 1
    [question] = await _csat_messages(sessionmaker, conv)
    token = re.search(rf"{PUBLIC}/csat/(\S+)", question.body).group(1)

    page = await client.get(f"/csat/{token}")
    assert page.status_code == 200 and 'value="5"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert (await client.get("/csat/not-a-token")).status_code == 404
    bad = await client.post(
        f"/csat/{token}", content="score=9", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert bad.status_code == 422
    ok = await client.post(
        f"/csat/{token}", content="score=4", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert ok.status_code == 200
    again = await client.post(
        f"/csat/{token}", content="score=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert again.status_code == 409
    [decision] = await _decisions(tenant.agent, conv)
    assert decision["score"] == 4 and decision["answered_via"] == "link" and decision["form"] == "link"


async def test_settings_validation(tenant):
    r = await tenant.admin.get("/v1/csat/settings")
    body = r.json()
    assert body["enabled"] is False and body["forms"]["walmart"] == "none" and body["forms"]["ebay"] == "in_thread"
    assert set(body["questions"]) == {"en", "zh", "es"}
    r = await tenant.admin.patch("/v1/csat/settings", json={"forms": {"ebay": "link"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.forms.ebay"
    r = await tenant.admin.patch("/v1/csat/settings", json={"forms": {"walmart": "in_thread"}})
    assert r.status_code == 422 and "Walmart" in r.json()["errors"][0]["reason"]
    r = await tenant.admin.patch("/v1/csat/settings", json={"questions": {"en": "Please leave us a 5-star review!"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.questions.en"
    r = await tenant.admin.patch("/v1/csat/settings", json={"questions": {"fr": "Satisfait ?"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.questions.fr"
    r = await tenant.admin.patch("/v1/csat/settings", json={"delay_minutes": -1})
    assert r.status_code == 422
    r = await tenant.agent.patch("/v1/csat/settings", json={"enabled": True})
    assert r.status_code == 403
    r = await tenant.admin.patch(
        "/v1/csat/settings", json={"questions": {"es": "¿Resolvimos su consulta? Responda de 1 a 5."}}
    )
    assert r.status_code == 200 and r.json()["questions"]["es"].startswith("¿Resolvimos")
    r = await tenant.admin.get("/v1/csat/rules")
    assert {x["marketplace"]: x["forms"] for x in r.json()}["amazon"] == []


async def test_range_limit_and_agent_sees_own(tenant):
    r = await tenant.admin.get(
        "/v1/csat/results", params={"from": "2025-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"}
    )
    assert (
        r.status_code == 422
        and r.json()["errors"][0]["field"] == "query.to"
        and "366" in r.json()["errors"][0]["reason"]
    )
    r = await tenant.agent.get("/v1/csat/results", params={"group_by": "agent"})
    assert r.status_code == 200 and r.json()["groups"] == []


async def test_tenant_isolation(tenant, other_tenant, sessionmaker):
    await _enable(tenant)
    channel = await make_channel(tenant.api, marketplace="ebay")
    conv = (await push(tenant.api, channel["id"]))["conversation_id"]
    await _resolve(tenant, conv, tenant.agent_id)
    assert await _send(sessionmaker) == 1
    assert (await other_tenant.admin.get(f"/v1/csat/conversations/{conv}")).status_code == 404
    r = await other_tenant.admin.get("/v1/csat/results", params={"group_by": "marketplace"})
    assert r.json()["total_sent"] == 0
    assert (await other_tenant.admin.get("/v1/csat/settings")).json()["enabled"] is False
    assert (await tenant.admin.get("/v1/csat/results", params={"group_by": "marketplace"})).json()["total_sent"] == 1


async def test_a_person_reopening_keeps_it_open_and_the_page_is_rate_limited(tenant, sessionmaker, client):
    await _enable(tenant, forms={"api": "link"})
    channel = await make_channel(tenant.api, marketplace="api")
    conv = (await push(tenant.api, channel["id"], external_thread_id="api-t1"))["conversation_id"]
    await _resolve(tenant, conv)
    assert await _send(sessionmaker) == 1
    r = await tenant.agent.patch(f"/v1/conversations/{conv}", json={"status": "open"})
    assert r.status_code == 200
    await push(
        tenant.api, channel["id"], external_thread_id="api-t1", body="4/5", sent_at=datetime.now(UTC).isoformat()
    )
    await drain(sessionmaker)
    [decision] = await _decisions(tenant.agent, conv)
    assert decision["score"] == 4
    assert (await tenant.agent.get(f"/v1/conversations/{conv}")).json()["status"] == "open"

    statuses = [(await client.get("/csat/unknown-token")).status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429
