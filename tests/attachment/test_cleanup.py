"""The clean-up of unsent uploads, with real PostgreSQL: an upload no reply sent and no case links
past its grace period goes with its bytes, unless another row holds the same content; one in use is
settled and kept; unlinking it from a case makes it collectable again. And the store's removal keeps
a file an upload of the same content stored again meanwhile."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

from sqlalchemy import update

from api.attachment.cleanup import sweep
from api.attachment.service import file_store
from api.attachment.store import FileStore
from api.kit.time import utc_now
from api.models import Attachment
from tests.case.test_cases_api import open_return, walmart_conversation
from tests.helpers import make_channel, push

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x04" * 30
GRACE = timedelta(hours=24)


async def _upload(client, data: bytes, filename: str) -> dict:
    r = await client.post("/v1/attachments", params={"filename": filename}, content=data)
    assert r.status_code == 201, r.text
    return r.json()


async def _age(sessionmaker, files_dir, *uploads: dict, hours: float = 25) -> None:
    """Make uploads (and their bytes) as old as if uploaded `hours` ago."""
    then = utc_now() - timedelta(hours=hours)
    async with sessionmaker.begin() as s:
        await s.execute(update(Attachment).where(Attachment.id.in_([u["id"] for u in uploads])).values(created_at=then))
    for u in uploads:
        path = FileStore(files_dir).path(u["sha256"])
        os.utime(path, (then.timestamp(), then.timestamp()))


async def _row(sessionmaker, attachment_id: str) -> Attachment | None:
    async with sessionmaker() as s:
        return await s.get(Attachment, uuid.UUID(attachment_id))


async def test_unsent_upload_goes_with_its_bytes_after_the_grace_period(tenant, sessionmaker, settings, files_dir):
    old = await _upload(tenant.agent, PNG, "draft.png")
    fresh = await _upload(tenant.agent, PNG + b"fresh", "new.png")
    await _age(sessionmaker, files_dir, old)
    swept = await sweep(sessionmaker, file_store(settings), GRACE, utc_now())
    assert (swept.deleted, swept.settled, swept.files_removed) == (1, 0, 1)
    assert await _row(sessionmaker, old["id"]) is None
    assert not FileStore(files_dir).exists(old["sha256"])
    assert (await tenant.agent.get(f"/v1/attachments/{old['id']}/meta")).status_code == 404
    # Within its grace period: untouched.
    assert await _row(sessionmaker, fresh["id"]) is not None and FileStore(files_dir).exists(fresh["sha256"])
    # Nothing left to do.
    again = await sweep(sessionmaker, file_store(settings), GRACE, utc_now())
    assert again.examined == 0


async def test_uploads_sent_in_a_reply_or_on_a_case_are_kept_and_settled(tenant, sessionmaker, settings, files_dir):
    channel = await make_channel(tenant.api)
    await push(tenant.api, channel["id"])
    conversation = (await tenant.agent.get("/v1/conversations", params={"channel_id": channel["id"]})).json()
    conversation_id = conversation["items"][0]["id"]
    sent = await _upload(tenant.agent, PNG + b"sent", "label.png")
    r = await tenant.agent.post(
        f"/v1/conversations/{conversation_id}/replies", json={"body": "Here.", "attachment_ids": [sent["id"]]}
    )
    assert r.status_code == 201, r.text
    _, case_conversation = await walmart_conversation(tenant)
    on_case = await _upload(tenant.agent, PNG + b"case", "damage.png")
    case = (await open_return(tenant.agent, case_conversation, attachment_ids=[on_case["id"]])).json()
    await _age(sessionmaker, files_dir, sent, on_case)

    swept = await sweep(sessionmaker, file_store(settings), GRACE, utc_now())
    assert swept.deleted == 0 and swept.settled == 1  # the case's upload was settled when it was linked
    for u in (sent, on_case):
        assert (await _row(sessionmaker, u["id"])).settled_at is not None
        assert FileStore(files_dir).exists(u["sha256"])
    # Settled uploads are not looked at again.
    assert (await sweep(sessionmaker, file_store(settings), GRACE, utc_now())).examined == 0

    # Unlinked from its case, the upload is unsent again and goes at the next sweep.
    r = await tenant.agent.patch(f"/v1/cases/{case['id']}", json={"attachment_ids": []})
    assert r.status_code == 200, r.text
    swept = await sweep(sessionmaker, file_store(settings), GRACE, utc_now())
    assert swept.deleted == 1 and await _row(sessionmaker, on_case["id"]) is None
    assert not FileStore(files_dir).exists(on_case["sha256"])


async def test_bytes_another_row_holds_are_kept(tenant, other_tenant, sessionmaker, settings, files_dir):
    """The store is content-addressed across organizations: another organization's upload of the
    same file keeps the bytes when this one's row goes."""
    mine = await _upload(tenant.agent, PNG + b"same", "mine.png")
    theirs = await _upload(other_tenant.agent, PNG + b"same", "theirs.png")
    assert mine["sha256"] == theirs["sha256"]
    await _age(sessionmaker, files_dir, mine)
    async with sessionmaker.begin() as s:  # theirs is recent: only mine is past the grace period
        await s.execute(update(Attachment).where(Attachment.id == theirs["id"]).values(created_at=utc_now()))
    swept = await sweep(sessionmaker, file_store(settings), GRACE, utc_now())
    assert (swept.deleted, swept.files_removed) == (1, 0)
    assert await _row(sessionmaker, mine["id"]) is None
    assert (await other_tenant.agent.get(f"/v1/attachments/{theirs['id']}")).content == PNG + b"same"


async def test_worker_loop_step_sweeps_then_waits(tenant, sessionmaker, settings, files_dir):
    from workers.tasks.attachments import CLEANUP_INTERVAL_SECONDS, upload_cleanup_loop

    old = await _upload(tenant.agent, PNG + b"loop", "old.png")
    await _age(sessionmaker, files_dir, old)
    loop = upload_cleanup_loop(sessionmaker, settings)
    assert loop.name == "attachment_cleanup"
    assert await loop.step() == CLEANUP_INTERVAL_SECONDS
    assert await _row(sessionmaker, old["id"]) is None


def test_store_keeps_a_file_stored_again_recently(tmp_path):
    """A removal racing an upload of the same content: the upload's touch (or its own placing) makes
    the file recent, and the removal puts it back."""
    store = FileStore(tmp_path)
    sha = "ab" * 32
    path = store.path(sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    assert store.remove_unless_recent(sha, 3600) is False and path.read_bytes() == b"x"
    long_ago = time.time() - 7200
    os.utime(path, (long_ago, long_ago))
    assert store.remove_unless_recent(sha, 3600) is True and not path.exists()
    assert not [p for p in path.parent.iterdir()]  # nothing left aside
    assert store.remove_unless_recent(sha, 3600) is False  # already gone


async def test_storing_the_same_content_again_touches_the_file(tmp_path):
    store = FileStore(tmp_path)
    stored = await store.put_bytes(PNG, 1 << 20)
    long_ago = time.time() - 7200
    os.utime(store.path(stored.sha256), (long_ago, long_ago))
    await store.put_bytes(PNG, 1 << 20)
    assert time.time() - store.path(stored.sha256).stat().st_mtime < 3600
    assert store.remove_unless_recent(stored.sha256, 3600) is False
