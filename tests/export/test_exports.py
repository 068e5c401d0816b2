"""POST /v1/exports end to end: the worker job writes the file, the API reports progress and streams
it; masking, scopes, visibility between users and organizations, and the expiry sweep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from api.auth import service as auth_service
from api.export import files, sweep
from api.models import AuditEntry, ExportJob
from tests.export.helpers import create, csv_rows, download, jsonl_rows, run_exports
from tests.helpers import make_channel, push


async def _seed(client, n: int = 3, **overrides) -> list[str]:  # type: ignore[no-untyped-def]
    channel = await make_channel(client)
    return [(await push(client, channel["id"], **overrides))["conversation_id"] for _ in range(n)]


async def test_lifecycle_queued_then_done_with_counts_progress_download_and_audit(tenant, sessionmaker, settings):
    ids = await _seed(tenant.api, 3)
    job = await create(tenant.admin, kind="conversations", format="csv")
    assert job["status"] == "queued" and job["progress"] is None and job["rows_written"] == 0
    assert (await tenant.admin.get(f"/v1/exports/{job['id']}/download")).status_code == 409

    assert await run_exports(sessionmaker, settings) == ["done"]
    done = (await tenant.admin.get(f"/v1/exports/{job['id']}")).json()
    assert done["status"] == "done", done
    assert done["rows_total"] == done["rows_written"] == 3
    assert done["progress"] == 1.0 and done["size_bytes"] > 0
    assert datetime.fromisoformat(done["expires_at"]) - datetime.fromisoformat(done["finished_at"]) == timedelta(days=7)
    r = await tenant.admin.get(f"/v1/exports/{job['id']}/download")
    assert r.headers["content-type"].startswith("text/csv")
    assert done["file_name"] in r.headers["content-disposition"]
    rows = csv_rows(r.content)
    assert sorted(row["id"] for row in rows) == sorted(ids)
    assert "customer_email" in rows[0] and "assignee_name" in rows[0]
    # No .part file is left beside the finished one.
    final = files.final_path(settings, tenant.org_id, uuid.UUID(job["id"]), "csv")
    assert final.is_file() and not files.part_path(final).exists()

    listed = (await tenant.admin.get("/v1/exports")).json()["items"]
    assert [e["id"] for e in listed] == [job["id"]]
    async with sessionmaker() as s:
        actions = list((await s.execute(select(AuditEntry.action).where(AuditEntry.entity_id == job["id"]))).scalars())
    assert actions == ["export.created", "export.downloaded"]
    # A second run of the same event does nothing: the job is finished.
    assert await run_exports(sessionmaker, settings) == [None]


async def test_inbox_filters_and_date_range_select_the_rows(tenant, sessionmaker, settings):
    await _seed(tenant.api, 2)
    channel = await make_channel(tenant.api, name="second")
    wanted = (await push(tenant.api, channel["id"]))["conversation_id"]
    await tenant.admin.patch(f"/v1/conversations/{wanted}", json={"priority": "urgent"})
    by_filter = await create(tenant.admin, kind="conversations", filter={"priority": "urgent"}, format="jsonl")
    future = await create(tenant.admin, kind="conversations", **{"from": "2099-01-01T00:00:00Z"})
    messages = await create(tenant.admin, kind="messages", filter={"channel_id": channel["id"]}, format="jsonl")
    await run_exports(sessionmaker, settings)
    assert [r["id"] for r in jsonl_rows(await download(tenant.admin, by_filter["id"]))] == [wanted]
    assert csv_rows(await download(tenant.admin, future["id"])) == []
    assert {r["conversation_id"] for r in jsonl_rows(await download(tenant.admin, messages["id"]))} == {wanted}


async def test_csv_escapes_formulas_and_keeps_chinese(tenant, sessionmaker, settings):
    await _seed(tenant.api, 1, subject='=HYPERLINK("http://evil.example","点我")')
    await _seed(tenant.api, 1, subject="收到的商品破损了")
    job = await create(tenant.admin, kind="conversations")
    await run_exports(sessionmaker, settings)
    raw = await download(tenant.admin, job["id"])
    subjects = sorted(r["subject"] for r in csv_rows(raw))
    assert subjects == ['\'=HYPERLINK("http://evil.example","点我")', "收到的商品破损了"]


async def test_buyer_contact_data_is_masked_for_a_masked_role_only(tenant, sessionmaker, settings):
    buyer = {"external_id": "jane.doe@example.com", "name": "jane.doe@example.com", "email": "jane.doe@example.com"}
    [cid] = await _seed(tenant.api, 1, buyer=buyer)
    customer_id = (await tenant.admin.get(f"/v1/conversations/{cid}")).json()["customer"]["id"]
    r = await tenant.admin.patch(f"/v1/customers/{customer_id}", json={"phone": "+1 555 010 2000"})
    assert r.status_code == 200, r.text
    r = await tenant.admin.put("/v1/privacy/settings", json={"retention_days": None, "masked_roles": ["agent"]})
    assert r.status_code == 200, r.text
    as_agent = await create(tenant.agent, kind="customers", format="jsonl")
    as_admin = await create(tenant.admin, kind="customers", format="jsonl")
    as_agent_cases = await create(tenant.agent, kind="conversations")
    await run_exports(sessionmaker, settings)
    agent_row = jsonl_rows(await download(tenant.agent, as_agent["id"]))[0]
    assert agent_row["customer_email"] == "j***@example.com"
    assert agent_row["buyer_id"] == "j***@example.com" and agent_row["customer_name"] == "j***@example.com"
    assert agent_row["customer_phone"].endswith("00") and "555" not in agent_row["customer_phone"]
    admin_row = jsonl_rows(await download(tenant.admin, as_admin["id"]))[0]
    assert admin_row["customer_email"] == "jane.doe@example.com"
    conv_row = csv_rows(await download(tenant.agent, as_agent_cases["id"]))[0]
    assert conv_row["customer_email"] == "j***@example.com"
    assert (await tenant.agent.get(f"/v1/exports/{as_agent['id']}")).json()["masked"] is True
    assert (await tenant.admin.get(f"/v1/exports/{as_admin['id']}")).json()["masked"] is False


async def test_scopes_and_roles(tenant, sessionmaker):
    async with sessionmaker.begin() as s:
        _, read_only = await auth_service.create_api_key(s, tenant.org_id, "ro", ["exports:read", "cases:read"])
        _, no_cases = await auth_service.create_api_key(s, tenant.org_id, "nc", ["exports:write", "exports:read"])
    headers = {"Authorization": f"Bearer {read_only}"}
    r = await tenant.api.post("/v1/exports", json={"kind": "cases"}, headers=headers)
    assert r.status_code == 403 and "exports:write" in r.json()["detail"]
    r = await tenant.api.post("/v1/exports", json={"kind": "cases"}, headers={"Authorization": f"Bearer {no_cases}"})
    assert r.status_code == 403 and "cases:read" in r.json()["detail"]
    assert (await tenant.api.get("/v1/exports", headers=headers)).status_code == 200
    # Agents may not export the audit log, nor another agent's figures.
    assert (await tenant.agent.post("/v1/exports", json={"kind": "audit"})).status_code == 403
    other = str(tenant.admin_id)
    r = await tenant.agent.post("/v1/exports", json={"kind": "reports", "report_filter": {"agent_id": other}})
    assert r.status_code == 403
    assert (await tenant.agent.post("/v1/exports", json={"kind": "reports"})).status_code == 202
    assert (await tenant.admin.post("/v1/exports", json={"kind": "audit"})).status_code == 202


async def test_bad_bodies_are_422_naming_the_field(tenant):
    for body, field in (
        ({"kind": "everything"}, "body.kind"),
        ({"kind": "conversations", "format": "xlsx"}, "body.format"),
        ({"kind": "cases", "filter": {"status": "open"}}, "body"),
        ({"kind": "conversations", "from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "body"),
        ({"kind": "conversations", "filter": {"assignee": "bob"}}, "body.filter.assignee"),
        ({"kind": "conversations", "from": "2026-01-01T00:00:00"}, "body.from"),
    ):
        r = await tenant.admin.post("/v1/exports", json=body)
        assert r.status_code == 422, (body, r.text)
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), (body, r.json())


async def test_agents_see_their_own_exports_supervisors_everyones(tenant, sessionmaker, settings):
    mine = await create(tenant.agent, kind="conversations")
    admins = await create(tenant.admin, kind="conversations")
    await run_exports(sessionmaker, settings)
    assert [e["id"] for e in (await tenant.agent.get("/v1/exports")).json()["items"]] == [mine["id"]]
    assert (await tenant.agent.get(f"/v1/exports/{admins['id']}")).status_code == 404
    assert (await tenant.agent.get(f"/v1/exports/{admins['id']}/download")).status_code == 404
    assert {e["id"] for e in (await tenant.admin.get("/v1/exports")).json()["items"]} == {mine["id"], admins["id"]}


async def test_tenant_isolation(tenant, other_tenant, sessionmaker, settings):
    await _seed(tenant.api, 2)
    theirs = await _seed(other_tenant.api, 1)
    job = await create(other_tenant.admin, kind="conversations", format="jsonl")
    await run_exports(sessionmaker, settings)
    assert (await tenant.admin.get(f"/v1/exports/{job['id']}")).status_code == 404
    assert (await tenant.admin.get(f"/v1/exports/{job['id']}/download")).status_code == 404
    assert (await tenant.admin.get("/v1/exports")).json()["items"] == []
    assert [r["id"] for r in jsonl_rows(await download(other_tenant.admin, job["id"]))] == theirs


async def test_expiry_sweep_deletes_expired_files_and_orphaned_parts(tenant, sessionmaker, settings, tmp_path):
    local = settings.model_copy(update={"export_dir": tmp_path})
    old = await create(tenant.admin, kind="conversations")
    fresh = await create(tenant.admin, kind="customers")
    assert await run_exports(sessionmaker, local) == ["done", "done"]
    running = await create(tenant.admin, kind="cases")
    async with sessionmaker.begin() as s:
        await s.execute(
            update(ExportJob)
            .where(ExportJob.id == uuid.UUID(old["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await s.execute(update(ExportJob).where(ExportJob.id == uuid.UUID(running["id"])).values(status="running"))
    org_dir = tmp_path / str(tenant.org_id)
    old_file = files.final_path(local, tenant.org_id, uuid.UUID(old["id"]), "csv")
    fresh_file = files.final_path(local, tenant.org_id, uuid.UUID(fresh["id"]), "csv")
    left_behind = files.part_path(fresh_file)  # a crashed earlier attempt of a finished export
    left_behind.write_bytes(b"partial")
    running_part = org_dir / f"{running['id']}.csv.part"
    running_part.write_bytes(b"in progress")
    stranger = org_dir / f"{uuid.uuid4()}.csv.part"
    stranger.write_bytes(b"no job")
    import os

    os.utime(stranger, (0, 0))  # older than the grace period

    result = await sweep.sweep(sessionmaker, local, datetime.now(UTC))
    assert result.expired == 1 and result.orphans == 2
    assert not old_file.exists() and fresh_file.exists() and running_part.exists()
    assert not left_behind.exists() and not stranger.exists()
    assert (await tenant.admin.get(f"/v1/exports/{old['id']}")).json()["status"] == "expired"
    r = await tenant.admin.get(f"/v1/exports/{old['id']}/download")
    assert r.status_code == 410, r.text


async def test_a_stale_running_export_is_resumed(tenant, sessionmaker, settings):
    from workers.tasks.exports import resume_exports

    await _seed(tenant.api, 2)
    job = await create(tenant.admin, kind="conversations")
    async with sessionmaker.begin() as s:
        await s.execute(
            update(ExportJob)
            .where(ExportJob.id == uuid.UUID(job["id"]))
            .values(status="running", heartbeat_at=datetime.now(UTC) - timedelta(minutes=10), attempts=1)
        )
    assert await resume_exports(sessionmaker, settings) == 1
    done = (await tenant.admin.get(f"/v1/exports/{job['id']}")).json()
    assert done["status"] == "done" and done["rows_written"] == 2
