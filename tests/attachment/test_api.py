"""Uploads, downloads and their headers, metadata, the policy, the cap, and tenant isolation."""

from __future__ import annotations

import hashlib

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 30
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


async def _upload(client, data: bytes, filename: str, content_type: str = "application/octet-stream"):
    return await client.post(
        "/v1/attachments", params={"filename": filename}, content=data, headers={"Content-Type": content_type}
    )


async def test_upload_sniffs_the_type_and_download_serves_it_inline(tenant, files_dir):
    r = await _upload(tenant.agent, PNG, "scratch.png", "text/html")  # the sender's claim is ignored
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content_type"] == "image/png" and body["declared_type"] == "text/html"
    assert body["size"] == len(PNG) and body["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert body["status"] == "stored" and body["inline"] is True and body["source"] == "upload"
    assert (files_dir / body["sha256"][:2] / body["sha256"][2:4] / body["sha256"]).read_bytes() == PNG

    got = await tenant.agent.get(f"/v1/attachments/{body['id']}")
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("inline;")
    assert 'filename="scratch.png"' in got.headers["content-disposition"]

    meta = await tenant.api.get(f"/v1/attachments/{body['id']}/meta")
    assert meta.status_code == 200 and meta.json()["filename"] == "scratch.png"


async def test_active_content_and_programs_cannot_be_uploaded_whatever_they_claim(tenant, files_dir):
    """415 naming the body: HTML dressed as a PNG, SVG with a script, a Windows program. Nothing is kept.
    (A buyer's file of these kinds is stored and served only as a download: test_ingest.)"""
    samples = (
        (HTML, "cute-cat.png", "image/png", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "x.svg", "image/svg+xml", "image/svg+xml"),
        (b"MZ\x90\x00" + b"\x00" * 60, "a.exe", "application/octet-stream", "application/x-msdownload"),
    )
    for data, name, claimed, sniffed in samples:
        r = await _upload(tenant.agent, data, name, claimed)
        assert r.status_code == 415, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        [error] = r.json()["errors"]
        assert error["field"] == "body" and sniffed in error["reason"], name
    assert not [p for p in files_dir.rglob("*") if p.is_file()]


async def test_file_names_lose_their_paths(tenant, files_dir):
    r = await _upload(tenant.agent, PNG, '../../etc/pass"wd.png')
    assert r.status_code == 201
    assert r.json()["filename"] == "passwd.png"


async def test_over_the_cap_is_413_and_nothing_is_kept(tenant, files_dir, settings, monkeypatch):
    monkeypatch.setattr(settings, "attachment_max_bytes", 4096)
    r = await _upload(tenant.agent, b"A" * 5000, "big.txt")
    assert r.status_code == 413, r.text
    assert r.json()["errors"][0]["field"] == "body"
    assert not [p for p in files_dir.rglob("*") if p.is_file()]
    policy = (await tenant.agent.get("/v1/attachments/policy")).json()
    assert policy["max_bytes"] == 4096


async def test_empty_or_unnamed_upload_is_refused(tenant, files_dir):
    assert (await _upload(tenant.agent, b"", "empty.txt")).status_code == 422
    r = await tenant.agent.post("/v1/attachments", content=PNG)
    assert r.status_code == 422


async def test_policy_lists_each_marketplace(tenant):
    r = await tenant.agent.get("/v1/attachments/policy")
    assert r.status_code == 200
    body = r.json()
    assert body["max_bytes"] == 20 * 1024 * 1024
    assert "image/png" in body["inline_types"]
    assert body["marketplaces"]["shopee"]["content_types"] == ["image/gif", "image/jpeg", "image/png"]
    assert body["marketplaces"]["shopee"]["max_file_bytes"] == 2 * 1024 * 1024
    assert body["marketplaces"]["api"]["accepts"] is True and "message.queued" in body["marketplaces"]["api"]["how"]


async def test_another_organization_cannot_read_it(tenant, other_tenant, files_dir):
    r = await _upload(tenant.agent, PNG, "mine.png")
    attachment_id = r.json()["id"]
    for path in (f"/v1/attachments/{attachment_id}", f"/v1/attachments/{attachment_id}/meta"):
        assert (await other_tenant.agent.get(path)).status_code == 404
        assert (await other_tenant.api.get(path)).status_code == 404
        assert (await tenant.agent.get(path)).status_code == 200


async def test_reading_needs_a_credential(client, tenant, files_dir):
    r = await _upload(tenant.agent, PNG, "mine.png")
    assert (await client.get(f"/v1/attachments/{r.json()['id']}")).status_code == 401
    assert (await _upload(client, PNG, "x.png")).status_code == 401


async def test_signed_link_serves_the_file_and_a_forged_one_does_not(tenant, files_dir, settings):
    from api.attachment import links

    r = await _upload(tenant.agent, PNG, "mine.png")
    link = links.signed_link(
        "http://test", settings.secret_key.get_secret_value(), __import__("uuid").UUID(r.json()["id"])
    )
    path = link.removeprefix("http://test")
    from httpx import ASGITransport, AsyncClient

    async with AsyncClient(transport=ASGITransport(app=tenant.agent._transport.app), base_url="http://test") as anon:
        ok = await anon.get(path)
        assert ok.status_code == 200 and ok.content == PNG
        assert ok.headers["content-disposition"].startswith("attachment;")
        forged = path[:-4] + ("0000" if not path.endswith("0000") else "1111")
        assert (await anon.get(forged)).status_code == 404
