"""Template limits end to end: hostile templates are refused when saved (422 naming the field), a
template stored before the checks existed is refused at preview without allocating, renders run in
the bounded process pool (so /healthz answers during one), and auto-replies use the same pool, so a
renderer failure is an audited suppression rather than a crash."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from api.models import AutomationRun, Template
from api.template import pool as template_pool
from api.template.pool import RenderPool
from tests.automation.test_pipeline import drain, runs
from tests.helpers import make_channel, push
from tests.template.operations import GATE_ENV, OPERATIONS

CENTER = "{{ customer_name|center(200000000)|length }}"
FORMAT = "{{ '%*s'|format(200000000, customer_name)|length }}"


@pytest.fixture
def swap_pool():
    """Install a pool for the test (the API and the automation code both use this process's pool)."""
    installed: list[RenderPool] = []
    previous: list[RenderPool | None] = []

    def install(pool: RenderPool) -> RenderPool:
        installed.append(pool)
        previous.append(template_pool.set_pool(pool))
        return pool

    yield install
    if previous:
        template_pool.set_pool(previous[0])
    for pool in installed:
        pool.close()


async def _conversation(tenant) -> str:
    channel = await make_channel(tenant.api, marketplace="amazon")
    m = await push(tenant.api, channel["id"], buyer={"external_id": "b1", "name": "Li"})
    return m["conversation_id"]


async def _stored_template(sessionmaker, org_id: uuid.UUID, body: str) -> uuid.UUID:
    """A template row written directly, as one saved before these checks existed would be."""
    template_id = uuid.uuid4()
    async with sessionmaker.begin() as s:
        s.add(Template(id=template_id, organization_id=org_id, name=f"old {template_id}", category="c", body=body))
    return template_id


def _peak_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmPeak:"))


@pytest.mark.parametrize("body", [CENTER, FORMAT, "{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1] }}"])
async def test_hostile_templates_are_refused_on_create_and_update(tenant, body):
    r = await tenant.admin.post("/v1/templates", json={"name": "x", "category": "c", "body": body})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    [error] = r.json()["errors"]
    assert error["field"] == "body.body" and error["reason"]
    plain = {"name": "ok", "category": "c", "body": "Hi {{ customer_name }}"}
    ok = await tenant.admin.post("/v1/templates", json=plain)
    assert ok.status_code == 201
    r = await tenant.admin.patch(f"/v1/templates/{ok.json()['id']}", json={"body": body})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.body"
    assert (await tenant.admin.get(f"/v1/templates/{ok.json()['id']}")).json()["body"] == "Hi {{ customer_name }}"


@pytest.mark.parametrize("body", [CENTER, FORMAT])
async def test_issue_payloads_stored_earlier_are_refused_at_preview_without_allocating(
    tenant, sessionmaker, swap_pool, body
):
    pool = swap_pool(RenderPool(size=1))
    conversation_id = await _conversation(tenant)
    template_id = await _stored_template(sessionmaker, tenant.org_id, body)
    r = await tenant.agent.post(f"/v1/templates/{template_id}/preview", json={"conversation_id": conversation_id})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "template.body"
    assert "limited to 65536" in r.json()["detail"] or "'*'" in r.json()["detail"]
    # The renderer never held the 200 MB: its peak address space stays near the bare interpreter's.
    [pid] = pool.pids()
    assert _peak_kb(pid) < 150_000


async def test_preview_reports_a_renderer_that_overran_or_died_as_a_422(tenant, sessionmaker, swap_pool):
    swap_pool(RenderPool(size=1, timeout=1.0, operations=OPERATIONS))
    conversation_id = await _conversation(tenant)
    for marker, reason in [
        ("hang", "took longer than 1 s"),
        ("allocate", "needed more than 256 MB"),
        ("die", "renderer stopped"),
    ]:
        template_id = await _stored_template(sessionmaker, tenant.org_id, f"{{# {marker} #}}Hi")
        r = await tenant.agent.post(f"/v1/templates/{template_id}/preview", json={"conversation_id": conversation_id})
        assert r.status_code == 422 and reason in r.json()["detail"], r.text
        assert r.json()["errors"][0]["field"] == "template.body"
    ok = await _stored_template(sessionmaker, tenant.org_id, "Hi {{ customer_name }}")
    r = await tenant.agent.post(f"/v1/templates/{ok}/preview", json={"conversation_id": conversation_id})
    assert r.status_code == 200 and r.json()["text"] == "Hi Li"


async def test_healthz_answers_while_a_template_is_being_rendered(
    tenant, sessionmaker, swap_pool, tmp_path, monkeypatch
):
    monkeypatch.setenv(GATE_ENV, str(tmp_path))
    swap_pool(RenderPool(size=1, timeout=120.0, alarm=120.0, operations=OPERATIONS))
    conversation_id = await _conversation(tenant)
    template_id = await _stored_template(sessionmaker, tenant.org_id, "{# gate #}Hi {{ customer_name }}")
    preview = asyncio.create_task(
        tenant.agent.post(f"/v1/templates/{template_id}/preview", json={"conversation_id": conversation_id})
    )
    while not (tmp_path / "started").exists():  # the renderer has the template and is working on it
        assert not preview.done(), preview.result().text
        await asyncio.sleep(0.01)
    health = await tenant.agent.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert not preview.done()  # answered while the render was still running
    (tmp_path / "release").touch()
    r = await preview
    assert r.status_code == 200 and r.json()["text"] == "Hi Li"


async def _auto_reply_rule(tenant, template_id) -> None:
    r = await tenant.admin.post(
        "/v1/automation/rules",
        json={"name": "Ack", "position": 1, "actions": [{"type": "send_template", "template_id": str(template_id)}]},
    )
    assert r.status_code == 201, r.text


async def test_auto_reply_with_a_size_computed_at_render_time_is_suppressed_and_audited(tenant, sessionmaker):
    # Not recognisable on save (the width is a variable), so it is saved; the bounded renderer refuses it.
    body = "{% set n = 200000000 %}Hi {{ customer_name|center(n) }}"
    r = await tenant.admin.post("/v1/templates", json={"name": "Wide", "category": "c", "body": body})
    assert r.status_code == 201, r.text
    await _auto_reply_rule(tenant, r.json()["id"])
    await _conversation(tenant)
    await drain(sessionmaker)
    [run] = await runs(sessionmaker)
    assert run.outcome == "suppressed" and "template 'Wide' failed" in run.reason and "limited to 65536" in run.reason
    assert (await tenant.api.get("/v1/messages", params={"direction": "outbound"})).json()["items"] == []
    audit = (await tenant.admin.get("/v1/audit", params={"entity_type": "conversation"})).json()["items"]
    assert "automation.suppressed" in {a["action"] for a in audit}


async def test_auto_replies_render_in_the_same_bounded_pool(tenant, sessionmaker, swap_pool):
    pool = swap_pool(RenderPool(size=1, timeout=1.0, operations=OPERATIONS))
    template_id = await _stored_template(sessionmaker, tenant.org_id, "{# die #}Hi {{ customer_name }}")
    await _auto_reply_rule(tenant, template_id)
    await _conversation(tenant)
    await drain(sessionmaker)  # the renderer is killed mid-render; the worker carries on
    [run] = await runs(sessionmaker)
    assert run.outcome == "suppressed" and "renderer stopped while rendering" in run.reason
    async with sessionmaker() as s:
        assert (await s.execute(select(AutomationRun.outcome))).scalars().all() == ["suppressed"]
    assert (await pool.render("Hi {{ customer_name }}", {"customer_name": "Li"})).text == "Hi Li"
