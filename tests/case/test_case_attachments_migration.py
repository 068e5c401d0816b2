"""Migration 0015 on data: a case's free-text references become links where they name a stored
attachment of the case's organization (its id, a download or signed link to it, the marketplace URL
it was fetched from), and stay readable in `legacy_attachment_refs` otherwise; another organization's
attachment is never linked. Down and up again keeps the links. On a database of its own."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.ops.migrations import alembic_config

BEFORE = "0014_attach_attachments"


async def _admin(base, sql: str) -> None:
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(sql))
    await admin.dispose()


async def test_free_text_references_become_links_or_legacy(service_urls):
    base = make_url(service_urls[0])
    name = f"hourglass_test_caseatt_{os.getpid()}"
    await _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(base, f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    cfg = alembic_config(url)
    try:
        await asyncio.to_thread(command.upgrade, cfg, BEFORE)
        org, other, channel, conv, case = (uuid.uuid4() for _ in range(5))
        upload, fetched, signed, theirs = (uuid.uuid4() for _ in range(4))
        refs = [
            str(upload).upper(),  # its id, in any case
            "https://img.walmart.example/returns/p1.jpg",  # the URL the worker fetched it from
            f"https://hub.example/v1/attachments/{signed}/link/1999999999/abc",  # a link to it
            str(theirs),  # another organization's: never linked
            "media-9913",  # a marketplace media id: kept readable
        ]
        engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
        async with engine.begin() as conn:
            for o, slug in ((org, "caseatt-a"), (other, "caseatt-b")):
                await conn.execute(
                    text("INSERT INTO organizations (id, name, slug) VALUES (:id, :slug, :slug)"),
                    {"id": o, "slug": slug},
                )
            await conn.execute(
                text(
                    "INSERT INTO channels (id, organization_id, marketplace, name) "
                    "VALUES (:id, :org, 'walmart', 'store')"
                ),
                {"id": channel, "org": org},
            )
            await conn.execute(
                text(
                    "INSERT INTO conversations (id, organization_id, channel_id, marketplace, thread_key,"
                    " last_message_at) VALUES (:id, :org, :channel, 'walmart', 't-1', now())"
                ),
                {"id": conv, "org": org, "channel": channel},
            )
            for a, o, source, src_url in (
                (upload, org, "upload", None),
                (fetched, org, "inbound", refs[1]),
                (signed, org, "upload", None),
                (theirs, other, "upload", None),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO attachments (id, organization_id, source, status, filename, source_url) "
                        "VALUES (:id, :org, :source, 'stored', 'f.jpg', :url)"
                    ),
                    {"id": a, "org": o, "source": source, "url": src_url},
                )
            await conn.execute(
                text(
                    "INSERT INTO cases (id, organization_id, kind, source, conversation_id, channel_id, marketplace,"
                    " opened_by_type, attachments) VALUES (:id, :org, 'return', 'agent', :conv, :channel, 'walmart',"
                    " 'user', CAST(:refs AS jsonb))"
                ),
                {"id": case, "org": org, "conv": conv, "channel": channel, "refs": json.dumps(refs)},
            )
        await engine.dispose()

        await asyncio.to_thread(command.upgrade, cfg, "head")

        async def state() -> tuple[list[uuid.UUID], list[str], dict[uuid.UUID, object]]:
            engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
            async with engine.connect() as conn:
                linked = list(
                    (
                        await conn.execute(
                            text(
                                "SELECT attachment_id FROM case_attachments WHERE case_id = :id "
                                "ORDER BY added_at, attachment_id"
                            ),
                            {"id": case},
                        )
                    ).scalars()
                )
                legacy = (
                    await conn.execute(text("SELECT legacy_attachment_refs FROM cases WHERE id = :id"), {"id": case})
                ).scalar_one()
                settled = dict(
                    (await conn.execute(text("SELECT id, settled_at FROM attachments WHERE source = 'upload'"))).all()
                )
            await engine.dispose()
            return linked, legacy, settled

        linked, legacy, settled = await state()
        assert linked == [upload, fetched, signed]  # in the order the references were given
        assert legacy == [str(theirs), "media-9913"]
        # Linked uploads are in use: the clean-up of unsent uploads leaves them alone.
        assert settled[upload] is not None and settled[signed] is not None and settled[theirs] is None

        # Down: the links become the ids as text after the legacy references; up again: links again.
        await asyncio.to_thread(command.downgrade, cfg, BEFORE)
        await asyncio.to_thread(command.upgrade, cfg, "head")
        linked_again, legacy_again, _ = await state()
        assert sorted(linked_again) == sorted(linked) and legacy_again == legacy
    finally:
        await _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
