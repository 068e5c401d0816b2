"""Cases link stored attachments: ids given by the agent or the ERP, or the buyer's photos on the
conversation; unknown and other organizations' ids are 422s naming the field and the id; adding and
removing is audited and raises case.updated; CaseRead lists each file as a message does."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from api.attachment.store import FileStore
from api.kit.time import utc_now
from api.models import Attachment, AuditEntry, OutboxEvent
from tests.case.test_cases_api import open_return, walmart_conversation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x02" * 30
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\x03" * 40
PDF = b"%PDF-1.4\n" + b"1 0 obj\n" * 10


@pytest.fixture
def files_dir(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from api.attachment import service

    monkeypatch.setattr(settings, "attachments_dir", tmp_path / "attachments")
    monkeypatch.setattr(service, "_configured", settings)
    return tmp_path / "attachments"


async def _upload(client, data: bytes, filename: str) -> str:
    r = await client.post("/v1/attachments", params={"filename": filename}, content=data)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _buyer_files(sessionmaker, files_dir, org_id, message_id, files: list[tuple[str, bytes]]) -> list[str]:
    """Files of a buyer's message as the attachment worker leaves them: stored, type sniffed."""
    store = FileStore(files_dir)
    ids = []
    async with sessionmaker.begin() as s:
        for name, data in files:
            stored = await store.put_bytes(data, 1 << 20)
            row = Attachment(
                id=uuid.uuid4(),
                organization_id=org_id,
                message_id=uuid.UUID(message_id),
                source="inbound",
                status="stored",
                filename=name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                stored_at=utc_now(),
            )
            s.add(row)
            ids.append(str(row.id))
    return ids


async def _conversation_with_photos(tenant, sessionmaker, files_dir):
    _, conv = await walmart_conversation(tenant)
    messages = (await tenant.agent.get(f"/v1/conversations/{conv}/messages")).json()["items"]
    photo, receipt = await _buyer_files(
        sessionmaker, files_dir, tenant.org_id, messages[0]["id"], [("broken.jpg", JPEG), ("receipt.pdf", PDF)]
    )
    return conv, photo, receipt


async def _events(sessionmaker, org_id, event_type):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(OutboxEvent)
            .where(OutboxEvent.organization_id == org_id, OutboxEvent.event_type == event_type)
            .order_by(OutboxEvent.id)
        )
        return [e.payload["data"] for e in rows.scalars()]


async def _audit(sessionmaker, org_id, action):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(AuditEntry).where(AuditEntry.organization_id == org_id, AuditEntry.action == action)
        )
        return [a.data for a in rows.scalars()]


async def test_agent_opens_a_case_with_an_upload_and_the_conversations_photos(tenant, sessionmaker, files_dir):
    conv, photo, receipt = await _conversation_with_photos(tenant, sessionmaker, files_dir)
    label = await _upload(tenant.agent, PNG, "return-label.png")
    r = await open_return(tenant.agent, conv, attachment_ids=[label], attach_conversation_images=True)
    assert r.status_code == 201, r.text
    case = r.json()
    # The upload first (as given), then the buyer's images; the PDF is not an image.
    assert [a["id"] for a in case["attachments"]] == [label, photo]
    first, second = case["attachments"]
    assert first == {
        "id": label,
        "filename": "return-label.png",
        "content_type": "image/png",
        "size": len(PNG),
        "status": "stored",
        "failure_reason": None,
        "message_id": None,
        "download_url": f"/v1/attachments/{label}",
    }
    assert second["content_type"] == "image/jpeg" and second["message_id"] is not None
    assert receipt not in [a["id"] for a in case["attachments"]]
    assert case["legacy_attachment_refs"] == []
    # The download URL serves the file with the same credentials.
    assert (await tenant.agent.get(second["download_url"])).content == JPEG
    # The list shows them too.
    listed = (await tenant.agent.get("/v1/cases", params={"conversation_id": conv})).json()["items"]
    assert [a["id"] for a in listed[0]["attachments"]] == [label, photo]
    [opened] = await _audit(sessionmaker, tenant.org_id, "case.opened")
    assert opened["attachments_added"] == [label, photo]
    # An upload on a case is in use: the clean-up of unsent uploads leaves it alone.
    async with sessionmaker() as s:
        assert (await s.get(Attachment, uuid.UUID(label))).settled_at is not None


async def test_erp_links_by_id_and_a_pdf_by_its_message_attachment_id(tenant, sessionmaker, files_dir):
    conv, _, receipt = await _conversation_with_photos(tenant, sessionmaker, files_dir)
    r = await open_return(tenant.api, conv, attachment_ids=[receipt, receipt])
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "erp"
    assert [a["id"] for a in r.json()["attachments"]] == [receipt]  # named twice, linked once


async def test_unknown_and_other_organizations_ids_are_422_naming_field_and_id(
    tenant, other_tenant, sessionmaker, files_dir
):
    conv, photo, _ = await _conversation_with_photos(tenant, sessionmaker, files_dir)
    theirs = await _upload(other_tenant.agent, PNG, "theirs.png")
    nobody = str(uuid.uuid4())
    for client in (tenant.agent, tenant.api):
        for bad in (theirs, nobody):
            r = await open_return(client, conv, attachment_ids=[photo, bad])
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            [error] = r.json()["errors"]
            assert error["field"] == "body.attachment_ids" and bad in error["reason"]
            assert "theirs.png" not in r.text
    r = await open_return(tenant.agent, conv, attachment_ids=["not-a-uuid"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("body.attachment_ids")
    r = await open_return(tenant.agent, conv, attachment_ids=[str(uuid.uuid4()) for _ in range(51)])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.attachment_ids"
    # Nothing was opened.
    assert (await tenant.agent.get("/v1/cases")).json()["items"] == []

    case = (await open_return(tenant.agent, conv)).json()
    for bad in (theirs, nobody):
        r = await tenant.api.patch(f"/v1/cases/{case['id']}", json={"attachment_ids": [bad]})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "body.attachment_ids" and bad in r.json()["errors"][0]["reason"]
    r = await tenant.agent.patch(f"/v1/cases/{case['id']}", json={"attachment_ids": None})
    assert r.status_code == 422


async def test_adding_and_removing_is_audited_and_raises_case_updated(tenant, sessionmaker, files_dir):
    conv, photo, receipt = await _conversation_with_photos(tenant, sessionmaker, files_dir)
    case = (await open_return(tenant.agent, conv)).json()
    assert case["attachments"] == []
    url = f"/v1/cases/{case['id']}"

    r = await tenant.agent.patch(url, json={"attach_conversation_images": True})
    assert r.status_code == 200, r.text
    assert [a["id"] for a in r.json()["attachments"]] == [photo]
    label = await _upload(tenant.agent, PNG, "label.png")
    r = await tenant.api.patch(url, json={"attachment_ids": [photo, label, receipt]})
    assert r.status_code == 200, r.text
    assert [a["id"] for a in r.json()["attachments"]] == [photo, label, receipt]
    r = await tenant.agent.patch(url, json={"attachment_ids": [label]})
    assert [a["id"] for a in r.json()["attachments"]] == [label]
    # The same list again changes nothing: no audit entry, no event.
    r = await tenant.agent.patch(url, json={"attachment_ids": [label]})
    assert r.status_code == 200

    updates = await _audit(sessionmaker, tenant.org_id, "case.updated")
    assert updates == [
        {"changed": ["attachments"], "attachments_added": [photo]},
        {"changed": ["attachments"], "attachments_added": [label, receipt]},
        {"changed": ["attachments"], "attachments_removed": [photo, receipt]},
    ]
    events = await _events(sessionmaker, tenant.org_id, "case.updated")
    assert [(e["changed"], e["attachments_added"], e["attachments_removed"]) for e in events] == [
        (["attachments"], [photo], []),
        (["attachments"], [label, receipt], []),
        (["attachments"], [], [photo, receipt]),
    ]
    assert events[1]["actor_type"] == "api_key" and events[0]["actor_type"] == "user"
    # Removing a link never deletes the file: the buyer's photo is still on its message.
    assert (await tenant.agent.get(f"/v1/attachments/{photo}")).status_code == 200


async def test_another_organization_cannot_see_a_case_or_its_files(tenant, other_tenant, sessionmaker, files_dir):
    conv, photo, _ = await _conversation_with_photos(tenant, sessionmaker, files_dir)
    case = (await open_return(tenant.agent, conv, attachment_ids=[photo])).json()
    assert (await other_tenant.agent.get(f"/v1/cases/{case['id']}")).status_code == 404
    assert (await other_tenant.agent.get(f"/v1/attachments/{photo}")).status_code == 404
    r = await other_tenant.agent.patch(f"/v1/cases/{case['id']}", json={"attachment_ids": []})
    assert r.status_code == 404


async def test_erasing_the_buyer_removes_their_photos_from_the_case_and_the_store(tenant, sessionmaker, files_dir):
    """An erased buyer's photos are gone everywhere, the case they were on included; the agent's
    upload on the same case stays."""
    conv, photo, receipt = await _conversation_with_photos(tenant, sessionmaker, files_dir)
    label = await _upload(tenant.agent, PNG, "label.png")
    case = (
        await open_return(tenant.agent, conv, attachment_ids=[label, receipt], attach_conversation_images=True)
    ).json()
    assert len(case["attachments"]) == 3
    async with sessionmaker() as s:
        digests = {str(a.id): a.sha256 for a in (await s.execute(select(Attachment))).scalars()}
    customer = (await tenant.agent.get(f"/v1/conversations/{conv}")).json()["customer"]["id"]
    r = await tenant.admin.post(f"/v1/customers/{customer}/erasure", json={"force": True})
    assert r.status_code == 200, r.text

    after = (await tenant.agent.get(f"/v1/cases/{case['id']}")).json()
    assert [a["id"] for a in after["attachments"]] == [label]
    for gone in (photo, receipt):
        assert (await tenant.agent.get(f"/v1/attachments/{gone}/meta")).status_code == 404
        assert not FileStore(files_dir).exists(digests[gone])
    assert FileStore(files_dir).exists(digests[label])
